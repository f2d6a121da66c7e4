import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gencore import viz  # noqa: E402


def _pixels(fig) -> np.ndarray:
    array = np.asarray(fig.axes[0].images[0].get_array())
    plt.close(fig)
    return array if array.ndim == 2 else array[..., 0]


def test_show_images_scales_uint8_images_by_1_over_255():
    images = torch.randint(0, 256, (6, 1, 5, 5), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    expected = _pixels(viz.show_images(images.float() / 255, nrow=3))
    assert np.allclose(_pixels(viz.show_images(images, nrow=3)), expected)
    assert np.allclose(_pixels(viz.show_images(images.numpy(), nrow=3)), expected)      # arrays too
    assert np.allclose(_pixels(viz.show_images(images[:, 0], nrow=3)), expected)         # (N, H, W)
    assert 0.1 < expected[1:-1, 1:-1].mean() < 0.9                                       # not white blobs


def test_show_images_keeps_float_images_as_they_are():
    x = torch.rand(4, 1, 3, 3, generator=torch.Generator().manual_seed(1))
    grid = _pixels(viz.show_images(x, nrow=4, pad=0))
    assert np.allclose(grid[:, :3], x[0, 0].numpy(), atol=1e-6)


def test_show_images_refuses_a_list_of_batches_and_latent_explorer_checks_dims():
    import pytest

    from gencore.vae import VAE

    x = torch.rand(4, 1, 5, 5)
    with pytest.raises(TypeError, match=r"^x must be one tensor of images .*got a list of 2 tensors; .*torch\.cat"):
        viz.show_images([x, x])
    torch.manual_seed(0)
    vae = VAE(latent_dim=4, hidden=[8])
    with pytest.raises(ValueError, match=r"^dims must be latent dimensions in 0\.\.3 \(latent_dim=4\)"):
        viz.latent_explorer(vae, dims=range(6), display=False, fallback=False)
    with pytest.raises(TypeError, match=r"^dims must be a list of latent dimensions, e\.g\. \[2\]"):
        viz.latent_explorer(vae, dims=2, display=False, fallback=False)
    with pytest.raises(ValueError, match=r"^z0 must be one code of 4 numbers"):
        viz.latent_explorer(vae, z0=torch.zeros(3), display=False, fallback=False)


def test_show_images_needs_one_row_label_per_row():
    images = torch.rand(12, 1, 8, 8)
    plt.close(viz.show_images(images, nrow=4, row_labels=["a", "b", "c"]))         # 3 rows of 4: fine
    with pytest.raises(ValueError, match=r"row_labels has 2 names for 3 rows \(12 images, nrow=4 per row\).*nrow=6"):
        viz.show_images(images, nrow=4, row_labels=["square", "ellipse"])
    with pytest.raises(ValueError, match=r"row_labels has 13 names for 1 row \(1 images"):
        viz.show_images(images[:1], row_labels=list("abcdefghijklm"))
    with pytest.raises(TypeError, match=r"row_labels must be a list of names.*str 'square'"):
        viz.show_images(images[:4], nrow=4, row_labels="square")


def test_history_plot_draws_the_panels_in_the_order_asked():
    from gencore.history import History
    history = History()
    for epoch in range(3):
        history.log("train", {"rec": 3.0 - epoch, "kl": 1.0 + epoch, "elbo": -4.0, "seconds": 1.0})
    asked = ["rec", "kl", "elbo"]
    fig = history.plot(keys=asked)
    assert [ax.get_title() for ax in fig.axes] == asked
    assert [ax.get_title() for ax in history.plot().axes] == sorted(asked)     # no keys: alphabetical, seconds left out
    plt.close("all")
