"""The GAN toy study's packed discriminator (packing.py)."""
import pytest
import torch
from packing import PackedDiscriminator

from gencore.gan import MLPDiscriminator


def test_a_packed_discriminator_judges_packs_of_samples():
    torch.manual_seed(0)
    plain = MLPDiscriminator(in_dim=8, hidden=(8,))
    D = PackedDiscriminator(plain, pack=4)
    x = torch.randn(12, 2)
    assert D(x).shape == (3,)
    assert torch.allclose(D(x), plain(x.reshape(3, 8)))         # pack k = samples 4k..4k+3 side by side
    with pytest.raises(ValueError, match="multiple of 4"):
        D(torch.randn(10, 2))
    with pytest.raises(ValueError, match="unconditional"):
        PackedDiscriminator(MLPDiscriminator(in_dim=4, n_classes=3), pack=2)
    with pytest.raises(ValueError, match="pack"):
        PackedDiscriminator(plain, pack=0)
