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
