"""Pictures: image grids, training curves, 2-D samples and densities (each returns its matplotlib figure),
the interactive `latent_explorer` of a VAE, and `animation_html`, an animation's player that works offline."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from .blocks import eval_mode
from .vae import latent_traversal, traversal_args
from .validate import as_int, as_path, as_points, as_positive, flags, no_dataset, range_hint

__all__ = ["show_images", "plot_history", "scatter2d", "density2d", "save", "png_bytes", "latent_explorer",
           "animation_html"]


def _as_images(x) -> torch.Tensor:
    """Images as float (N, C, H, W) on the CPU; uint8 (images 0..255, as stored) is scaled by 1/255."""
    no_dataset(x, "x")
    if isinstance(x, (list, tuple)) and any(isinstance(t, (torch.Tensor, np.ndarray)) for t in x):
        raise TypeError(f"x must be one tensor of images (N, C, H, W), got a {type(x).__name__} of {len(x)} tensors; "
                        f"join the batches with torch.cat(x) (single images (C, H, W): torch.stack(x)).")
    x = torch.as_tensor(x).detach()
    x = x.float().div_(255) if x.dtype == torch.uint8 else x.float()
    x = x.cpu()
    if x.dim() == 2 and math.isqrt(x.shape[1]) ** 2 == x.shape[1]:  # flat (N, 784) -> (N, 1, 28, 28)
        side = math.isqrt(x.shape[1])
        x = x.view(-1, 1, side, side)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4:
        raise ValueError(f"Expected images (N, C, H, W), (N, H, W) or flat (N, H*W), got shape {tuple(x.shape)}.")
    if x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        raise ValueError(f"x must be images (N, C, H, W), got {tuple(x.shape)}: the channels come last; move them "
                         f"first with x.permute(0, 3, 1, 2).")
    return x


def show_images(x, nrow: int | None = None, title: str | None = None, ax=None, size: float = 0.6,
                pad: int = 1, vmin: float = 0.0, vmax: float = 1.0, row_labels=None):
    """A grid of images (values in [vmin, vmax]) through torchvision's make_grid, without axes.

    ``x``: (N, C, H, W), (N, H, W) or flat (N, H*W), a tensor or an array. uint8 images (0..255, as
    datasets store them) are scaled by 1/255 first, so they show like float images in [0, 1].
    """
    x, size = _as_images(x), as_positive(size, "size")
    lo, hi = (float(v) for v in torch.aminmax(x)) if x.numel() else (vmin, vmax)
    if hi > vmax + (vmax - vmin) or lo < vmin - (vmax - vmin):          # far outside: clamping would hide them all
        raise ValueError(f"x must hold values in [{vmin:g}, {vmax:g}] to show, but they span [{lo:.4g}, {hi:.4g}]"
                         f"{range_hint(lo, hi, (vmin, vmax))}; rescale them, or pass vmin= and vmax= for their range.")
    nrow = as_int(nrow, "nrow", minimum=1) if nrow is not None else min(len(x), max(1, math.ceil(math.sqrt(len(x)))))
    rows = math.ceil(len(x) / nrow)
    if row_labels is not None:                  # one name per row of the grid, or the names would sit on wrong rows
        if isinstance(row_labels, str) or not hasattr(row_labels, "__len__"):
            raise TypeError(f"row_labels must be a list of names, one per row, got {type(row_labels).__name__} "
                            f"{row_labels!r:.40}; pass e.g. row_labels=[{row_labels!r:.20}].")
        if len(row_labels) != rows:
            raise ValueError(f"row_labels has {len(row_labels)} names for {rows} row{'s' * (rows != 1)} ({len(x)} "
                             f"images, nrow={nrow} per row); pass one name per row, or "
                             f"nrow={math.ceil(len(x) / max(len(row_labels), 1))} for {len(row_labels)} rows.")
    grid = make_grid(x.clamp(vmin, vmax), nrow=nrow, padding=pad, pad_value=vmax, normalize=True,
                     value_range=(vmin, vmax))
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(2.0, nrow * size), max(2.0, rows * size)))
    img = grid.permute(1, 2, 0).numpy()
    ax.imshow(img if img.shape[2] == 3 else img[..., 0], cmap="gray", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if row_labels is not None:
        h = x.shape[2] + pad
        ax.set_yticks([pad + h * (i + 0.5) for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels)
        ax.tick_params(left=False)
    if title:
        ax.set_title(title)
    return ax.figure


def plot_history(history, keys=None, title: str | None = None):
    """One panel per metric name; train (solid) and test (dashed) on the same axes, x = epoch
    (`gencore.history.History.plot`)."""
    if not callable(getattr(history, "plot", None)):
        raise TypeError(f"history must be a History (what fit and the train_* functions return), got "
                        f"{type(history).__name__}; pass e.g. the history of model, history = train_vae(...).")
    return history.plot(keys=keys, title=title)


@flags("colorbar")
def scatter2d(*point_sets, labels=None, colors=None, title: str | None = None, ax=None, s: float = 3,
              alpha: float = 0.5, lim=None, c=None, cmap: str = "tab10", colorbar: bool = False):
    """Scatter one or more (N, 2) point sets on equal axes (e.g. data vs samples)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    for i, pts in enumerate(point_sets):
        pts = as_points(pts, "points" if len(point_sets) == 1 else f"point set {i}").numpy()
        label = labels[i] if labels else None
        color = colors[i] if colors else None
        sc = ax.scatter(pts[:, 0], pts[:, 1], s=s, alpha=alpha, label=label, color=color,
                        c=None if c is None else torch.as_tensor(c).cpu().numpy(), cmap=cmap if c is not None else None)
        if colorbar and c is not None:
            ax.figure.colorbar(sc, ax=ax)
    ax.set_aspect("equal")
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    if labels:
        ax.legend(markerscale=3)
    if title:
        ax.set_title(title)
    return ax.figure


def density2d(points, bins: int = 100, lim: float | None = None, title: str | None = None, ax=None,
              cmap: str = "magma"):
    """A 2-D histogram of samples, shown as an image (what a density 'looks like')."""
    pts = as_points(points, "points").numpy()
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    lim = lim or float(np.abs(pts).max()) * 1.05
    ax.hist2d(pts[:, 0], pts[:, 1], bins=bins, range=[[-lim, lim], [-lim, lim]], cmap=cmap)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax.figure


def save(fig, path) -> None:
    """Save a figure as PNG (tight, 120 dpi)."""
    if not callable(getattr(fig, "savefig", None)):
        raise TypeError(f"fig must be a matplotlib figure (what show_images and the other plots return), got "
                        f"{type(fig).__name__}; to save images, pass show_images(images).")
    folder = Path(as_path(path, "path", "a file path")).absolute().parent if not hasattr(path, "write") else None
    if folder is not None and not folder.is_dir():
        raise ValueError(f"path={str(path)!r} cannot be written: the folder {folder} does not exist; create it first "
                         f"(Path({str(folder)!r}).mkdir(parents=True)) or save elsewhere.")
    fig.savefig(path, dpi=120, bbox_inches="tight")


def png_bytes(image: torch.Tensor, scale: int = 1) -> bytes:
    """One image (C, H, W) (or (H, W)) in [0, 1] as PNG bytes, each pixel drawn as a ``scale`` x ``scale`` square."""
    img, scale = torch.as_tensor(image).detach().cpu(), as_int(scale, "scale", minimum=1)
    img = (img.float() / 255 if img.dtype == torch.uint8 else img.float()).clamp(0, 1)
    img = img.unsqueeze(0) if img.dim() == 2 else img
    if img.dim() != 3 or img.shape[0] not in (1, 3):
        raise ValueError(f"image must be one image (C, H, W) with 1 or 3 channels, got shape {tuple(img.shape)}"
                         + ("; for one image of the batch pass image[0]" if img.dim() == 4 else "") + ".")
    img = img[0] if img.shape[0] == 1 else img.permute(1, 2, 0)
    pil = Image.fromarray((img.numpy() * 255).round().astype("uint8"))
    pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return buf.getvalue()


@flags("display", "fallback")
def latent_explorer(model, z0: torch.Tensor | None = None, dims=None, lim: float = 3.0,
                    scale: int = 6, display: bool = True, fallback: bool = True, steps: int = 7):
    """An interactive explorer: one ipywidgets slider per latent dimension in ``dims`` (default: the first
    eight), and the image decode(z) of the code the sliders set, redrawn as they move.

    Returns the widget (an ``ipywidgets.HBox``; ``.sliders`` and ``.image`` hold its parts, ``.code()`` the
    current z). With ``display=True`` it is shown; with ``fallback=True`` a static figure of what the
    sliders do (each slider's dimension swept over [-lim, lim] around ``z0``) is drawn as well, so an
    executed notebook without a live kernel (nbconvert, nbval, a rendered page) still shows something.
    """
    import ipywidgets as widgets

    if not isinstance(getattr(model, "latent_dim", None), int) or not callable(getattr(model, "decode", None)):
        raise TypeError(f"model must have a latent space to explore (latent_dim and decode: a VAE, a cVAE or an "
                        f"autoencoder), got a {type(model).__name__}; pass one of those.")
    z0, dims = traversal_args(model, z0, dims, first=8)
    lim, scale, steps = as_positive(lim, "lim"), as_int(scale, "scale", minimum=1), as_int(steps, "steps", minimum=2)
    sliders = [widgets.FloatSlider(value=float(z0[j]), min=-lim, max=lim, step=0.05, description=f"z[{j}]",
                                   continuous_update=True, readout_format=".2f") for j in dims]
    image = widgets.Image(format="png", width=28 * scale, height=28 * scale)

    def code() -> torch.Tensor:
        z = z0.clone()
        for j, s in zip(dims, sliders):
            z[j] = s.value
        return z

    def redraw(change=None) -> None:
        with eval_mode(model), torch.no_grad():
            x = model.decode(code()[None].to(model.device))[0]
        image.value = png_bytes(x, scale)

    for s in sliders:
        s.observe(redraw, names="value")
    redraw()
    box = widgets.HBox([widgets.VBox(sliders), image])
    box.sliders, box.image, box.code, box.redraw = sliders, image, code, redraw
    if display:
        from IPython.display import display as show
        show(box)
    if fallback:
        images = latent_traversal(model, z0, dims, torch.linspace(-lim, lim, steps))
        show_images(images, nrow=steps, size=0.8, row_labels=[f"z[{j}]" for j in dims],
                        title=f"static view: each slider from {-lim:g} to {lim:g}")
    return box


# matplotlib's player labels its buttons with Font Awesome icons, loaded from a CDN (blank buttons offline): the
# same buttons with Unicode symbols instead (U+FE0E asks for the text glyph, not an emoji).
_PLAYER_LABELS = {
    "fa-minus": "\u2212", "fa-plus": "+",
    "fa-fast-backward": "|\u25c0\ufe0e\u25c0\ufe0e", "fa-step-backward": "|\u25c0\ufe0e",
    "fa-play fa-flip-horizontal": "\u25c0\ufe0e", "fa-pause": "\u275a\u275a", "fa-play": "\u25b6\ufe0e",
    "fa-step-forward": "\u25b6\ufe0e|", "fa-fast-forward": "\u25b6\ufe0e\u25b6\ufe0e|",
}
_PLAYER_STYLE = ('<style>.anim-buttons button { font: 13px/1.8 "DejaVu Sans", "Segoe UI Symbol", sans-serif; '
                 'color: #333; }</style>\n')


def animation_html(anim, default_mode: str = "once") -> str:
    """A matplotlib animation as HTML: matplotlib's JavaScript player (``anim.to_jshtml``: every frame embedded
    as a PNG, a slider, play/pause/step buttons, once/loop/reflect), but self-contained: its buttons are labelled
    with Unicode symbols instead of Font Awesome icons fetched from a CDN, so it plays offline, in a saved
    notebook and on a static page, without any request to the internet.

    Show it with ``IPython.display.display(IPython.display.HTML(animation_html(anim)))``."""
    if default_mode not in ("once", "loop", "reflect"):
        raise ValueError(f"default_mode must be 'once', 'loop' or 'reflect', got {default_mode!r}.")
    if not callable(getattr(anim, "to_jshtml", None)):
        raise TypeError(f"anim must be a matplotlib animation (matplotlib.animation.FuncAnimation), got "
                        f"{type(anim).__name__}; for a still figure, display the figure itself.")
    page = anim.to_jshtml(default_mode=default_mode)
    page = re.sub(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", "", page)     # the icon font's stylesheet
    page = re.sub(r'<i class="fa ([^"]*)"></i>', lambda m: _PLAYER_LABELS.get(m.group(1).strip(), "\u2022"), page)
    return _PLAYER_STYLE + page
