"""The sprites cGAN study's models (generators.py): exact drawing at known poses, gradients to the right
parameters, the pooled and fake-class discriminator, and short training runs."""
import math

import pytest
import torch
from generators import (
    ConvexShapeGenerator,
    StudyDiscriminator,
    WhatWhereGenerator,
    convex_gan,
    fake_class_discriminator_step,
    what_where_gan,
)

from gencore import gan as G
from gencore.data import TensorData
from gencore.train import train_gan


def test_a_pooled_dc_discriminator_judges_a_shape_the_same_wherever_it_lies():
    torch.manual_seed(0)
    x = torch.zeros(2, 1, 28, 28)
    x[0, 0, 10:13, 10:12] = 1.0          # a small bar, then the same bar 4 px (one position of the 7x7 map)
    x[1, 0, 14:17, 14:16] = 1.0          # down and right; both away from the positions that see the padding
    y = torch.tensor([1, 1])
    pooled = StudyDiscriminator(channels=(8, 16), n_classes=3, pool=True).eval()
    logits = pooled(x, y)
    assert logits.shape == (2,) and torch.allclose(logits[0], logits[1], atol=1e-5)
    assert not torch.allclose(pooled(x, y), pooled(x, torch.tensor([0, 0])))          # still conditional
    flat = G.DCDiscriminator(channels=(8, 16), n_classes=3).eval()
    assert not torch.allclose(flat(x, y)[0], flat(x, y)[1], atol=1e-3)
    # with a third width: the features it projects are the sums over positions of its last 7x7 map
    pooled = StudyDiscriminator(channels=(8, 16, 32), n_classes=3, pool=True).eval()
    h = pooled.net[:-1](x)
    assert h.shape == (2, 32, 7, 7) and torch.allclose(pooled.net(x), h.sum((2, 3)), atol=1e-5)
    logit, classes = StudyDiscriminator(channels=(8, 16, 32), n_classes=3, auxiliary=True, pool=True
                                        )(torch.rand(97, 1, 28, 28), torch.randint(0, 3, (97,)), classes=True)
    assert logit.shape == (97,) and classes.shape == (97, 3)



# ------------------------------------------------------------------------------------------ what and where
def _identity_pose(gen):
    """Set the pose network so that A(z, y) = [I | 0] for every z: s = 1, angle 0, shift 0."""
    last = gen.where.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.copy_(torch.tensor([-math.log(1.5) / 3, 0.0, 0.0, 0.0]))


@pytest.mark.parametrize("n", [1, 97])
def test_what_where_generator_draws_its_class_glyph_exactly_at_the_identity_pose(n):
    torch.manual_seed(0)
    gen = WhatWhereGenerator(noise_dim=5, out_shape=(1, 28, 28), n_classes=3, glyph_size=28)
    _identity_pose(gen)
    glyphs = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        gen.glyphs.copy_(glyphs / gen.gain)
    y = torch.arange(n) % 3
    x = gen(torch.randn(n, 5), y)
    assert x.shape == (n, 1, 28, 28) and x.dtype == torch.float32
    assert torch.allclose(x, glyphs[y], atol=1e-5)        # align_corners=False: pixel centres onto pixel centres
    assert torch.allclose(gen.pose(torch.randn(n, 5), y), torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(n, 2, 3))


def test_what_where_generator_moves_and_turns_the_glyph_by_its_pose():
    gen = WhatWhereGenerator(noise_dim=3, n_classes=2, glyph_size=28)
    _identity_pose(gen)
    glyph = torch.zeros(2, 1, 28, 28)
    glyph[:, 0, 4:10, 12:16] = 1.0                          # a bar above the centre
    with torch.no_grad():
        gen.glyphs.copy_(glyph / gen.gain)
        gen.where.net[-1].bias[1] = 0.5                     # angle = pi / 2
    turned = gen(torch.zeros(1, 3), torch.tensor([1]))[0, 0]
    assert torch.allclose(turned, torch.rot90(glyph[1, 0], 1, (0, 1)), atol=1e-5)   # a quarter turn
    with torch.no_grad():
        gen.where.net[-1].bias[1] = 0.0
        gen.where.net[-1].bias[3] = math.atanh(0.5 / 0.6) / 10   # shift 0.5 in glyph units: the bar moves 7 px up
    moved = gen(torch.zeros(1, 3), torch.tensor([0]))[0, 0]
    assert moved[4:10].sum() == 0 and torch.allclose(moved[:3, 12:16], torch.ones(3, 4), atol=1e-5)
    assert moved.sum().item() == pytest.approx(glyph[0, 0, 7:10].sum().item(), abs=1e-4)   # rows 4-6 left the frame


def test_what_where_generator_gradients_reach_the_asked_glyphs_and_the_pose_only():
    torch.manual_seed(0)
    gen = WhatWhereGenerator(noise_dim=4, n_classes=3)
    gen(torch.randn(6, 4), torch.tensor([0, 2, 0, 2, 0, 2])).sum().backward()
    grad = gen.glyphs.grad.flatten(1).abs().sum(1)
    assert grad[0] > 0 and grad[2] > 0 and grad[1] == 0     # class 1 was not asked for: its glyph gets nothing
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gen.where.parameters())


def test_train_gan_keeps_what_where_glyphs_in_the_unit_interval_and_learns_with_a_fake_class():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 10:18, 10:18] = 1.0                               # one white square, two "classes"
    data = TensorData(x, torch.arange(64) % 2)
    gan = what_where_gan(n_classes=2, d_channels=(4, 8), hidden=(8,))
    assert gan.discriminator.classifier.out_features == 3     # two classes and "fake"
    before = gan.generator.glyph_images().clone()
    train_gan(gan, data, steps=5, batch_size=16, lr=0.05, auxiliary=1.0, r1=1.0, seed=0, progress=False,
              discriminator_update=fake_class_discriminator_step)
    after = gan.generator.glyph_images()
    assert not torch.allclose(before, after) and after.min() >= 0 and after.max() <= 1 + 1e-6
    assert (after == 0).any() or (after >= 1 - 1e-6).any()   # the projection was used at this learning rate


def test_the_fake_class_learns_the_fakes_as_class_k_in_the_d_step():
    torch.manual_seed(0)
    D = StudyDiscriminator(channels=(4, 8), n_classes=3, auxiliary=True, fake_class=True)
    gan = G.GAN(G.DCGenerator(8, n_classes=3, channels=(8, 4)), D, 8, 3)
    x, y = torch.rand(5, 1, 28, 28), torch.tensor([0, 1, 2, 0, 1])
    rng = torch.Generator().manual_seed(3)
    with torch.no_grad():
        fake = gan.generator(gan.noise(5, torch.Generator().manual_seed(3)), y)
        real_logits, real_classes = gan.discriminator(x, y, classes=True)
        fake_logits, fake_classes = gan.discriminator(fake, y, classes=True)
    expected = (G.discriminator_loss(real_logits, fake_logits) + 0.5 * G.auxiliary_classifier_loss(real_classes, y)
                + 0.5 * G.auxiliary_classifier_loss(fake_classes, torch.full((5,), 3)))
    frozen = torch.optim.SGD(gan.discriminator.parameters(), lr=0.0)
    out = fake_class_discriminator_step(gan, frozen, x, y, rng, auxiliary=0.5)
    assert out["loss"].item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(ValueError, match="auxiliary=True too"):
        StudyDiscriminator(n_classes=3, fake_class=True)


def test_what_where_generator_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="needs labels"):
        WhatWhereGenerator(n_classes=0)
    with pytest.raises(ValueError, match="gain must be positive"):
        WhatWhereGenerator(gain=0)
    with pytest.raises(ValueError, match=r"\(channels, height, width\)"):
        WhatWhereGenerator(out_shape=(28, 28))
    gen = WhatWhereGenerator(noise_dim=2, n_classes=3)
    with pytest.raises(ValueError):
        gen(torch.randn(2, 2), torch.tensor([0, 3]))


def _square_polygon(gen, half: float):
    """Class polygons of `gen` (4 planes) set to the axis-aligned square |u|, |v| <= half."""
    with torch.no_grad():
        gen.angles.zero_()
        gen.log_support.fill_(math.log(half / 0.5) / gen.gain)


@pytest.mark.parametrize("n", [1, 97])
def test_convex_shape_generator_draws_the_pixels_whose_centres_lie_in_its_polygon(n):
    torch.manual_seed(0)
    gen = ConvexShapeGenerator(noise_dim=5, n_classes=2, planes=4)
    _identity_pose(gen)
    _square_polygon(gen, 0.5)                                   # 7 px from the centre: rows and columns 7..20
    x = gen(torch.randn(n, 5), torch.arange(n) % 2)
    assert x.shape == (n, 1, 28, 28) and x.dtype == torch.float32
    expected = torch.zeros(28, 28)
    expected[7:21, 7:21] = 1.0
    assert torch.equal(x, expected.expand(n, 1, 28, 28))       # binary, exactly the sampled square
    normals, supports = gen.polygons()
    assert torch.allclose(normals[0], torch.tensor([[1.0, 0], [0, 1], [-1, 0], [0, -1]]), atol=1e-6)
    assert torch.allclose(supports, torch.full((2, 4), 0.5))


def test_convex_shape_generator_draws_a_triangle_of_the_right_area_and_turns_it_with_the_pose():
    gen = ConvexShapeGenerator(noise_dim=3, n_classes=1, planes=3)
    _identity_pose(gen)
    with torch.no_grad():
        gen.angles.zero_()
        gen.log_support.zero_()                                 # inradius 0.5 = 7 px
    x = gen(torch.zeros(1, 3), torch.tensor([0]))[0, 0]
    assert x.sum().item() == pytest.approx(3 * math.sqrt(3) * 7 ** 2, rel=0.05)   # 3 sqrt(3) r^2 px
    assert torch.equal(x, x.flip(0))                            # its normals at 0, 120, 240 degrees: mirror rows
    with torch.no_grad():
        gen.where.net[-1].bias[1] = 1 / 3                       # a turn by 60 degrees points it the other way
    turned = gen(torch.zeros(1, 3), torch.tensor([0]))[0, 0]
    assert torch.equal(turned, x.flip(1)) and not torch.equal(turned, x)


def test_convex_shape_generator_gradients_pass_straight_through_to_the_asked_polygons_and_the_pose():
    torch.manual_seed(0)
    gen = ConvexShapeGenerator(noise_dim=4, n_classes=3)
    out = gen(torch.randn(6, 4), torch.tensor([0, 2, 0, 2, 0, 2]))
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    (out * torch.randn_like(out)).sum().backward()
    for p in (gen.angles, gen.log_support):
        grad = p.grad.abs().sum(1)
        assert grad[0] > 0 and grad[2] > 0 and grad[1] == 0     # class 1 was not asked for
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gen.where.parameters())


def test_convex_gan_learns_its_polygons_in_train_gan_and_draws_binary_images():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 28, 28)
    x[:, :, 10:18, 10:18] = 1.0
    gan = convex_gan(n_classes=2, d_channels=(4, 8), hidden=(8,))
    assert gan.discriminator.classifier.out_features == 3     # two classes and "fake"
    before = [p.clone() for p in (gan.generator.angles, gan.generator.log_support)]
    train_gan(gan, TensorData(x, torch.arange(64) % 2), steps=3, batch_size=16, lr=1e-3, lr_d=1e-2, auxiliary=1.0,
              r1=0.1, seed=0, progress=False, discriminator_update=fake_class_discriminator_step)
    assert all(not torch.equal(b, p) for b, p in zip(before, (gan.generator.angles, gan.generator.log_support)))
    assert set(gan.sample(10).unique().tolist()) <= {0.0, 1.0}


def test_convex_shape_generator_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="needs labels"):
        ConvexShapeGenerator(n_classes=0)
    with pytest.raises(ValueError, match="planes"):
        ConvexShapeGenerator(planes=2)
    with pytest.raises(ValueError, match="edge must be positive"):
        ConvexShapeGenerator(edge=0)
    with pytest.raises(ValueError, match=r"\(1, height, width\)"):
        ConvexShapeGenerator(out_shape=(3, 28, 28))
    gen = ConvexShapeGenerator(noise_dim=2, n_classes=3)
    with pytest.raises(ValueError):
        gen(torch.randn(2, 2), torch.tensor([0, 3]))
