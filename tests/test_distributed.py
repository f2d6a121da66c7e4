"""torchrun's data parallelism through the shared loop: two CPU processes (gloo) end with the weights of one
process training on the same global batches."""

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gencore.autoencoder import Autoencoder
from gencore.distributed import distributed
from gencore.train import fit

STEPS_DATA = 96           # 3 global batches of 32 per epoch
EPOCHS = 2


def _data():
    return torch.rand(STEPS_DATA, 1, 28, 28, generator=torch.Generator().manual_seed(0))


class Counting(Autoencoder):
    """Counts the examples its loss sees: each process must see only its share of every global batch."""

    seen = 0

    def loss(self, x, y=None):
        Counting.seen += len(x)
        return super().loss(x, y)


def _train() -> dict:
    torch.manual_seed(0)
    model = Counting(latent_dim=3, hidden=[16])
    fit(model, _data(), epochs=EPOCHS, batch_size=32, lr=1e-2, progress=False, seed=123)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _worker(rank: int, world: int, init_file: str, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        assert distributed() == (rank, world)
        state = _train()
        assert Counting.seen == EPOCHS * STEPS_DATA // world, Counting.seen
        if rank == 0:
            torch.save(state, out)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available in this build")
def test_two_gloo_processes_match_one_process_on_the_same_global_batches(tmp_path):
    torch.set_num_threads(1)
    single = _train()
    out = str(tmp_path / "ddp.pt")
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    parallel = torch.load(out)
    assert single.keys() == parallel.keys()
    for k in single:
        assert torch.allclose(single[k], parallel[k], atol=1e-5, rtol=1e-4), k
    # and the run did change the weights (the comparison is not between two untrained models)
    torch.manual_seed(0)
    untrained = Autoencoder(latent_dim=3, hidden=[16]).state_dict()
    assert any(not torch.allclose(untrained[k], single[k]) for k in single)


# --------------------------------------------------------------------------- models that draw noise
def _image_data():
    from gencore.data import ImageData

    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (STEPS_DATA, 1, 28, 28), generator=g, dtype=torch.uint8)
    labels = torch.arange(STEPS_DATA) % 3
    return ImageData(images, labels, name="noise", split="train", classes=["a", "b", "c"], binarize="dynamic")


def _noisy_models() -> dict:
    from gencore.cvae import ConditionalVAE
    from gencore.draw import DRAW
    from gencore.vae import VAE

    return {"vae": lambda: VAE(3, hidden=[16]), "cvae": lambda: ConditionalVAE(3, 3, hidden=[16]),
            "draw": lambda: DRAW(T=2, read_n=2, write_n=3, enc_hidden=8, dec_hidden=8, latent_dim=2)}


def _train_noisy() -> dict:
    """The VAE, the cVAE and DRAW: each draws reparameterisation noise, on dynamically binarised data."""
    out = {}
    for name, build in _noisy_models().items():
        torch.manual_seed(0)
        model = build()
        fit(model, _image_data(), epochs=EPOCHS, batch_size=32, lr=1e-2, progress=False, seed=123)
        out[name] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return out


def _noisy_worker(rank: int, world: int, init_file: str, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        state = _train_noisy()
        if rank == 0:
            torch.save(state, out)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available in this build")
def test_two_processes_draw_the_noise_one_process_draws_for_the_vae_the_cvae_and_draw(tmp_path):
    """Each process takes its slice of the noise drawn for the global batch from the run's generator: the same
    reparameterisation noise and binarisation as one process, so the same weights."""
    torch.set_num_threads(1)
    single = _train_noisy()
    out = str(tmp_path / "ddp.pt")
    mp.spawn(_noisy_worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    parallel = torch.load(out)
    for name in single:
        for k in single[name]:
            assert torch.allclose(single[name][k], parallel[name][k], atol=1e-5, rtol=1e-4), (name, k)
