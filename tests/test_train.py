import pytest
import torch
from torch import nn

from gencore.data import TensorData
from gencore.train import History, TrainingDiverged, evaluate, fit


class Regression(nn.Module):
    """y = w x + b fitted by least squares: the loop must drive the loss to the noise floor."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)

    def loss(self, x, y):
        err = (self.lin(x[:, :3]) - x[:, 3:]).pow(2).mean()
        return {"loss": err, "abs_w": self.lin.weight.abs().mean()}


def regression_data(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3 + 0.01 * torch.randn(n, 1, generator=g)
    return TensorData(torch.cat([x, y], 1))


def test_fit_learns_and_records_history(home):
    torch.manual_seed(0)
    model = Regression()
    history = fit(model, regression_data(997), test=regression_data(301, seed=1), epochs=30, lr=0.05,
                  batch_size=97, progress=False)
    assert len(history) == 30 and history["train/loss"][0] > 10 * history["train/loss"][-1]
    assert history.last("test/loss") < 1e-3                      # noise variance is 1e-4
    assert set(history.keys()) >= {"train/loss", "train/abs_w", "test/loss", "test/abs_w", "train/seconds"}
    assert abs(evaluate(model, regression_data(301, seed=1))["loss"] - history.last("test/loss")) < 1e-6
    fig = history.plot()
    assert len(fig.axes) == 2                                      # abs_w and loss panels


class Exploding(Regression):
    """The loss becomes NaN at a chosen step."""

    def __init__(self, bad_step):
        super().__init__()
        self.bad_step, self.calls = bad_step, 0

    def loss(self, x, y):
        self.calls += 1
        out = super().loss(x, y)
        if self.calls >= self.bad_step:
            out["loss"] = out["loss"] * float("nan")
        return out


def test_nan_loss_stops_with_epoch_and_step_and_keeps_last_good_weights(home):
    torch.manual_seed(0)
    model = Exploding(bad_step=25)                                 # 11 steps per epoch: epoch 3, step 3
    snapshots = []
    model.lin.register_forward_pre_hook(lambda m, inp: snapshots.append(m.weight.detach().clone()))
    with pytest.raises(TrainingDiverged, match=r"nan at epoch 3, step 3") as err:
        fit(model, regression_data(1000), epochs=10, batch_size=97, lr=0.01, progress=False)
    assert len(err.value.history) == 2                             # two finished epochs were recorded
    assert torch.equal(model.lin.weight, snapshots[-1])            # the weights before the failing step
    assert torch.isfinite(model.lin.weight).all()


class Poisoned(Regression):
    """A step with a finite loss leaves infinite weights; the next loss is NaN."""

    def loss(self, x, y):
        out = super().loss(x, y)
        return {"loss": out["loss"] * 1e38 * 1e38 if torch.isfinite(self.lin.weight).all() else out["loss"]}


def test_nonfinite_weights_are_rolled_back_to_the_epoch_start(home):
    torch.manual_seed(0)
    model = Poisoned()
    before = model.lin.weight.detach().clone()
    with pytest.raises(TrainingDiverged):
        fit(model, regression_data(200), epochs=3, batch_size=50, lr=0.01, progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01))
    assert torch.equal(model.lin.weight, before)


def test_model_without_loss_is_refused(home):
    with pytest.raises(TypeError, match="no loss"):
        fit(nn.Linear(2, 2), regression_data(10), epochs=1)


def test_history_roundtrip():
    h = History()
    h.log("train", {"loss": 2.0})
    h.log("train", {"loss": 1.0})
    assert History(h.to_dict())["train/loss"] == [2.0, 1.0]
    with pytest.raises(KeyError, match="train/loss"):
        h["test/loss"]
