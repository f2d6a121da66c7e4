"""Uncatalogued answers to notebooks 04 and 05 (issue 28): wrong answers as students write them that no check's
catalogue contains, each with the words a hint naming its actual mistake would contain, and correct
alternatives. Every wrong answer must be rejected without a crash, every alternative accepted."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import Catalogue, assert_accepted, assert_rejected_without_crash

CAT = Catalogue()
W, R = CAT.wrong, CAT.right


# ---------------------------------------------------------------- 04: [vec(x); onehot(y)]
def _oh(y, k, x):
    return F.one_hot(y, k).to(x.dtype)


def _rows_indexed_by_label(x, y, k):
    onehot = torch.zeros(len(x), k, dtype=x.dtype)
    onehot[:, y] = 1
    return torch.cat([x.flatten(1), onehot], 1)


R("cvae_input", "type_as", lambda x, y, k: torch.cat([x.reshape(x.size(0), -1), F.one_hot(y, num_classes=k)
  .type_as(x)], -1))
R("cvae_input", "float() one-hot, promoted", lambda x, y, k: torch.cat([x.view(len(x), -1), F.one_hot(y, k).to(
  torch.promote_types(x.dtype, torch.float32))], 1).to(x.dtype))
R("cvae_input", "column_stack", lambda x, y, k: torch.column_stack([x.flatten(1), F.one_hot(y, k).to(x.dtype)]))
R("cvae_input", "scatter", lambda x, y, k: torch.cat([x.flatten(1), torch.zeros(len(x), k, dtype=x.dtype).scatter(
  1, y[:, None], 1.0)], 1))
R("cvae_input", "index_select of eye", lambda x, y, k: torch.cat([x.flatten(1), torch.eye(k, dtype=x.dtype)
  .index_select(0, y)], 1))

W("cvae_input", "one-hot as wide as the distinct labels", r"n_classes|num_classes|width|columns",
  lambda x, y, k: torch.cat([x.flatten(1), torch.eye(len(y.unique()), dtype=x.dtype)[y.clamp(max=len(y.unique()) - 1)]],
                            1))
W("cvae_input", "labels taken as 1-based (y - 1)", r"0-based|start at 0|y - 1|labels? (run|are) 0|shift",
  lambda x, y, k: torch.cat([x.flatten(1), _oh((y - 1) % k, k, x)], 1))
W("cvae_input", "flatten() without start_dim", r"flatten\(1\)|start_dim|keeps? the batch",
  lambda x, y, k: torch.cat([x.flatten(), _oh(y, k, x).flatten()]))
W("cvae_input", "hard-coded 784 pixels", r"784|hard-coded",
  lambda x, y, k: torch.cat([x.view(-1, 784), _oh(y, k, x)], 1))
W("cvae_input", "numpy with np.eye (float64)", r"dtype|float64",
  lambda x, y, k: torch.from_numpy(np.concatenate([x.numpy().reshape(len(x), -1), np.eye(k)[y.numpy()]], 1)))
W("cvae_input", "numpy in x's dtype (no gradient)", (r"numpy", r"gradient"),
  lambda x, y, k: torch.from_numpy(np.concatenate([x.detach().numpy().reshape(len(x), -1),
                                                   np.eye(k, dtype=x.detach().numpy().dtype)[y.numpy()]], 1)))
W("cvae_input", "x detached", (r"detach", r"gradient"),
  lambda x, y, k: torch.cat([x.detach().flatten(1), _oh(y, k, x)], 1))
W("cvae_input", "concatenated along dim 0", r"dim ?=? ?1|side by side|columns|dimension 1",
  lambda x, y, k: torch.cat([x.flatten(1), _oh(y, k, x)], 0))
W("cvae_input", "a stray squeeze", r"squeeze",
  lambda x, y, k: torch.cat([x.squeeze().flatten(1), _oh(y, k, x)], 1))
W("cvae_input", "float32 result for float64 x", r"dtype|float64",
  lambda x, y, k: torch.cat([x.flatten(1), _oh(y, k, x)], 1).float())
W("cvae_input", "a +-1 encoding", r"one-hot|0 and 1|zeros",
  lambda x, y, k: torch.cat([x.flatten(1), 2 * _oh(y, k, x) - 1], 1))
W("cvae_input", "onehot[:, y] = 1", r"each row|its own label|arange|own example|every row", _rows_indexed_by_label)


# ---------------------------------------------------------------- 04: the class grid
R("cvae_class_grid", "repeat / repeat_interleave", lambda z, labels, decode: decode(z.repeat(len(labels), 1),
  labels.repeat_interleave(len(z))))
R("cvae_class_grid", "a loop of full labels", lambda z, labels, decode: torch.cat([decode(z, torch.full(
  (len(z),), int(lab), dtype=torch.long)) for lab in labels], 0))
R("cvae_class_grid", "tile and expand", lambda z, labels, decode: decode(z.tile((len(labels), 1)),
  labels[:, None].expand(-1, len(z)).reshape(-1)))
R("cvae_class_grid", "repeat then transpose", lambda z, labels, decode: decode(z.repeat(len(labels), 1),
  labels.repeat(len(z), 1).T.flatten()))
R("cvae_class_grid", "stack and flatten", lambda z, labels, decode: torch.stack([decode(z, labels[i].expand(len(z)))
  for i in range(len(labels))]).flatten(0, 1))

W("cvae_class_grid", "rows concatenated along dim 1", r"dim ?=? ?0|one after the other",
  lambda z, labels, decode: torch.cat([decode(z, lab.expand(len(z))) for lab in labels], 1))
W("cvae_class_grid", "a list of rows", r"torch\.Tensor|torch\.cat|stack",
  lambda z, labels, decode: [decode(z, lab.expand(len(z))) for lab in labels])
W("cvae_class_grid", "one image per label", r"every code|each code|len\(labels\) \* len\(z\)|every label|with every",
  lambda z, labels, decode: decode(z[:1].expand(len(labels), -1), labels))
W("cvae_class_grid", "float labels", r"integer|long",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z)).float()))
W("cvae_class_grid", "0..r-1 instead of the labels", r"labels you are given|labels\[i\]|arange|the labels, not",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), torch.arange(len(labels)).repeat_interleave(len(z))))
W("cvae_class_grid", "(rows, codes, pixels)", r"one after the other|len\(labels\) \* len\(z\)|\.flatten|\(r \* m",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z))).view(
      len(labels), len(z), -1))
W("cvae_class_grid", "float64 codes", r"dtype|float64",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1).double(), labels.repeat_interleave(len(z))))
W("cvae_class_grid", "one-hot labels of 10 classes", r"integer label|one-hot|one label per code",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), F.one_hot(labels.repeat_interleave(len(z)), 10)))
W("cvae_class_grid", "squeezed images", r"squeeze",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.repeat_interleave(len(z))).squeeze())
W("cvae_class_grid", "labels sorted", r"order|sort",
  lambda z, labels, decode: decode(z.repeat(len(labels), 1), labels.sort().values.repeat_interleave(len(z))))
W("cvae_class_grid", "z repeated along the features",
  r"repeat\(len\(labels\), 1\)|dim(ension)? 0|along the rows|\(M, ?\d+\)",
  lambda z, labels, decode: decode(z.repeat(1, len(labels)), labels.repeat_interleave(len(z))))


# ---------------------------------------------------------------- 05: the filterbank
def _fb(g, delta, sigma2, N, size, *, i0=1.0, a0=1.0, centre=0.5, half=None, a=None, norm=None, scale=None):
    i = torch.arange(N, dtype=g.dtype) + i0
    a = torch.arange(size, dtype=g.dtype) + a0 if a is None else a
    step = (i - (N / 2 if half is None else half(N)) - centre)
    mu = g[:, None] + (step * delta[:, None] if scale is None else scale(step, delta[:, None]))
    d2 = (a - mu[..., None]) ** 2
    e = -d2 / (2 * sigma2[:, None, None])
    return torch.softmax(e, -1) if norm is None else norm(e, d2)


def _fb_numpy(g, delta, sigma2, N, size):
    i = np.arange(1, N + 1)
    mu = torch.from_numpy((g.detach().numpy()[:, None] + (i - N / 2 - 0.5) * delta.detach().numpy()[:, None])
                          .astype(g.detach().numpy().dtype))
    a = torch.arange(1, size + 1, dtype=g.dtype)
    return torch.softmax(-(a - mu[..., None]) ** 2 / (2 * sigma2[:, None, None]), -1)


def _fb_no_grad(g, delta, sigma2, N, size):
    with torch.no_grad():
        mu = g[:, None] + (torch.arange(1, N + 1, dtype=g.dtype) - N / 2 - 0.5) * delta[:, None]
    a = torch.arange(1, size + 1, dtype=g.dtype)
    return torch.softmax(-(a - mu[..., None]) ** 2 / (2 * sigma2[:, None, None]), -1)


R("draw_filters", "sigma form", lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2:
  torch.softmax(-0.5 * d2 / sigma2.sqrt()[:, None, None] ** 2, -1)))
R("draw_filters", "log_softmax then exp", lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size,
  norm=lambda e, d2: F.log_softmax(e, dim=2).exp()))
R("draw_filters", "0-based i with (N - 1) / 2", lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size,
  i0=0.0, half=lambda N: (N - 1) / 2, centre=0.0))
R("draw_filters", "exp minus logsumexp", lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size,
  norm=lambda e, d2: torch.exp(e - torch.logsumexp(e, -1, keepdim=True))))
R("draw_filters", "softmax over a transposed view", lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size,
  norm=lambda e, d2: torch.softmax(e.transpose(1, 2), dim=1).transpose(1, 2)))

W("draw_filters", "grid centre off by half a stride", r"half (a )?(stride|step)|- ?0\.5|0\.5 ?delta|delta ?/ ?2",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, centre=0.0))
W("draw_filters", "sigma2 taken as a log-variance",
  r"log[- ]variance|exp\(sigma2\)|variance itself|already the variance",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2.exp(), N, size))
W("draw_filters", "normalised over the whole matrix",
  r"whole|each row|every row|per row|each filter|over a\b|over the pixels",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2: torch.softmax(
      e.flatten(1), -1).view_as(e)))
W("draw_filters", "F.softmax without dim (over the batch)", r"\bdim\b|over the batch",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2: F.softmax(e, 0)))
W("draw_filters", "the Gaussian density, not normalised over a", r"normalis|sum to 1|\bZ\b",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2: torch.exp(e)
                                        / torch.sqrt(2 * math.pi * sigma2)[:, None, None]))
W("draw_filters", "transposed filterbank", r"transpos",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size).transpose(1, 2))
W("draw_filters", "precedence: / 2 * sigma2", r"precedence|parenthes|multipl(ied)? by sigma2",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2: torch.softmax(
      -d2 / 2 * sigma2[:, None, None], -1)))
W("draw_filters", "0-based i and a", r"1-based|0-based|arange\(1|i = 1\.\.N|a = 1\.\.size|numbered",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, i0=0.0, a0=0.0))
W("draw_filters", "g rescaled again as in eq. 22", r"already|eq\. ?22|rescal",
  lambda g, delta, sigma2, N, size: _fb((size + 1) / 2 * (g + 1), delta, sigma2, N, size))
W("draw_filters", "divided by the stride", r"stride|\* ?delta|multipl|divid",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, scale=lambda s, d: s / d))
W("draw_filters", "normalised by the row's maximum", r"sum to 1|\bZ\b|sum over|maximum|\bmax\b",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, norm=lambda e, d2: torch.exp(
      e - e.max(-1, keepdim=True).values)))
W("draw_filters", "pixel coordinates in [0, 1]", r"a = 1\.\.size|pixel (positions|coordinates|indices)|coordinates",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, a=torch.linspace(0, 1, size, dtype=g.dtype)))
W("draw_filters", "the grid through numpy", (r"numpy", r"gradient"), _fb_numpy)
W("draw_filters", "the grid under torch.no_grad", (r"no_grad", r"gradient"), _fb_no_grad)
W("draw_filters", "N // 2", r"N ?// ?2|integer division|N ?/ ?2",
  lambda g, delta, sigma2, N, size: _fb(g, delta, sigma2, N, size, half=lambda N: N // 2))


# ---------------------------------------------------------------- 05: the read
def _gl(img, F_X, F_Y):
    return F_Y[:, None] @ img @ F_X.transpose(1, 2)[:, None]


def _read(x, x_hat, F_X, F_Y, gamma, *, both=None, dim=1, scale=None):
    parts = [_gl(x, F_X, F_Y), _gl(x_hat, F_X, F_Y)] if both is None else both
    out = torch.cat(parts, dim)
    return gamma[:, None, None, None] * out if scale is None else scale(out, gamma)


def _read_flat_channels(x, x_hat, F_X, F_Y, gamma):
    n, c, b, a = x.shape
    N = F_X.shape[1]
    both = torch.cat([x, x_hat], 1).reshape(n * 2 * c, b, a)
    fy, fx = F_Y.repeat_interleave(2 * c, 0), F_X.repeat_interleave(2 * c, 0)
    return torch.bmm(torch.bmm(fy, both), fx.transpose(1, 2)).view(n, 2 * c, N, N) * gamma.view(-1, 1, 1, 1)


def _read_no_grad(x, x_hat, F_X, F_Y, gamma):
    with torch.no_grad():
        return _read(x, x_hat, F_X, F_Y, gamma)


R("draw_read", "unsqueeze and mT", lambda x, x_hat, F_X, F_Y, gamma: gamma.view(-1, 1, 1, 1) * torch.cat([
  F_Y.unsqueeze(1) @ x @ F_X.mT.unsqueeze(1), F_Y.unsqueeze(1) @ x_hat @ F_X.mT.unsqueeze(1)], 1))
R("draw_read", "one matmul of both images", lambda x, x_hat, F_X, F_Y, gamma: gamma[:, None, None, None] * torch.matmul(
  torch.matmul(F_Y[:, None], torch.cat([x, x_hat], 1)), F_X.transpose(-1, -2)[:, None]))
R("draw_read", "einsum", lambda x, x_hat, F_X, F_Y, gamma: torch.einsum("n,nia,ncba,njb->ncji", gamma, F_X,
  torch.cat([x, x_hat], 1), F_Y))
R("draw_read", "channels folded into the batch", _read_flat_channels)
R("draw_read", "float64 inside", lambda x, x_hat, F_X, F_Y, gamma: _read(x.double(), x_hat.double(), F_X.double(),
  F_Y.double(), gamma.double()).to(x.dtype))

W("draw_read", "F_X not transposed", r"transpos|F_X\^T|F_X\.T",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma, both=[F_Y[:, None] @ x @ F_X[:, None],
                                                                          F_Y[:, None] @ x_hat @ F_X[:, None]]))
W("draw_read", "gamma not broadcast per example",
  r"gamma\[:, None, None, None\]|broadcast|per example|\.view\(-1, 1, 1, 1\)",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma, scale=lambda out, gm: gm * out))
W("draw_read", "flattened glimpses", r"\(n, 2C, N, N\)|flat",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma).flatten(1))
W("draw_read", "exp(gamma)", r"exp\(gamma\)|log[ -]?gamma|gamma is (already|the intensity)",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma, scale=lambda out, gm: gm.exp()[:, None, None,
                                                                                                  None] * out))
W("draw_read", "concatenated along dim 2", r"dim ?=? ?1|channels",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma, dim=2))
W("draw_read", "x - x_hat as the error image", r"error image|x - x_hat|x_hat (itself|as given|you are given)",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x - x_hat, F_X, F_Y, gamma))
W("draw_read", "channel 0 only", r"channel",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x[:, :1], x_hat[:, :1], F_X, F_Y, gamma))
W("draw_read", "filterbanks detached", (r"detach", r"gradient", r"F_X|F_Y|filter"),
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X.detach(), F_Y.detach(), gamma))
W("draw_read", "through numpy", (r"numpy", r"gradient"),
  lambda x, x_hat, F_X, F_Y, gamma: torch.from_numpy(np.einsum("n,njb,ncba,nia->ncji", *(
      t.detach().numpy() for t in (gamma, F_Y, torch.cat([x, x_hat], 1), F_X)))))
W("draw_read", "the image transposed (A, B)", r"transpos|\(B, A\)|rows|height",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma, both=[
      F_Y[:, None] @ img.transpose(-1, -2) @ F_X.transpose(1, 2)[:, None] for img in (x, x_hat)]))
W("draw_read", "channels summed", r"channel",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x.sum(1, keepdim=True), x_hat.sum(1, keepdim=True), F_X, F_Y, gamma))
W("draw_read", "stacked, not concatenated", r"torch\.cat|stack",
  lambda x, x_hat, F_X, F_Y, gamma: gamma[:, None, None, None, None] * torch.stack([_gl(x, F_X, F_Y),
                                                                                    _gl(x_hat, F_X, F_Y)], 1))
W("draw_read", "x and x_hat channels interleaved", r"order|interleav",
  lambda x, x_hat, F_X, F_Y, gamma: gamma[:, None, None, None] * torch.stack([_gl(x, F_X, F_Y), _gl(x_hat, F_X, F_Y)],
                                                                             2).flatten(1, 2))
W("draw_read", "under torch.no_grad", (r"no_grad", r"gradient"), _read_no_grad)
W("draw_read", "float64 gamma", r"dtype|float64",
  lambda x, x_hat, F_X, F_Y, gamma: _read(x, x_hat, F_X, F_Y, gamma.double()))


# ---------------------------------------------------------------- 04: the conditional negative ELBO
def _kl_sum(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def _celbo(x, y, encode, decode, eps, *, z=None, rec=None, kl=None, dec_y=None, reduce=None):
    mu, logvar = encode(x, y)
    std = torch.exp(0.5 * logvar)
    zz = mu + std * eps if z is None else z(mu, logvar, std, eps)
    logits = decode(zz, y if dec_y is None else dec_y(y))
    r = (F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1) if rec is None
         else rec(logits, x))
    k = _kl_sum(mu, logvar) if kl is None else kl(mu, logvar)
    return (r + k).mean() if reduce is None else reduce(r + k)


def _celbo_loop(x, y, encode, decode, eps):
    total = 0
    for i in range(len(x)):
        mu, logvar = encode(x[i:i + 1], y[i:i + 1])
        logits = decode(torch.addcmul(mu, torch.exp(0.5 * logvar), eps[i:i + 1]), y[i:i + 1])
        total = total + F.binary_cross_entropy_with_logits(logits, x[i:i + 1], reduction="sum") + _kl_sum(mu, logvar)
    return (total / len(x)).reshape(())


def _celbo_independent(x, y, encode, decode, eps):
    mu, logvar = encode(x, y)
    std = (0.5 * logvar).exp()
    q = torch.distributions.Independent(torch.distributions.Normal(mu, std), 1)
    p = torch.distributions.Independent(torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std)), 1)
    logits = decode(q.mean + q.stddev * eps, y)
    rec = F.binary_cross_entropy_with_logits(logits.reshape(len(x), -1), x.reshape(len(x), -1), reduction="none")
    return (rec.sum(-1) + torch.distributions.kl_divergence(q, p)).mean()


R("cvae_negative_elbo", "softplus form", lambda x, y, enc, dec, eps: _celbo(
    x, y, enc, dec, eps, rec=lambda l, x: (F.softplus(l) - x * l).flatten(1).sum(1)))
R("cvae_negative_elbo", "a loop over the examples, addcmul", _celbo_loop)
R("cvae_negative_elbo", "torch.distributions Independent, kl_divergence", _celbo_independent)
R("cvae_negative_elbo", "KL written with the variance", lambda x, y, enc, dec, eps: _celbo(
    x, y, enc, dec, eps, kl=lambda mu, lv: 0.5 * (mu ** 2 + torch.exp(lv) - torch.log(torch.exp(lv)) - 1).sum(-1)))
R("cvae_negative_elbo", "sum then divide", lambda x, y, enc, dec, eps: _celbo(
    x, y, enc, dec, eps, reduce=lambda per: per.sum() / per.shape[0]))

W("cvae_negative_elbo", "fresh noise instead of eps", r"eps|noise|given",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, z=lambda mu, lv, std, e: mu + std * torch.randn_like(std)))
W("cvae_negative_elbo", "BCE arguments swapped", r"order|swap|logits",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, rec=lambda l, x: F.binary_cross_entropy_with_logits(
      x, torch.sigmoid(l), reduction="none").flatten(1).sum(1)))
W("cvae_negative_elbo", "logvar used as the standard deviation in the KL", r"logvar|variance|exp",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, kl=lambda mu, lv: 0.5 * (
      mu.pow(2) + lv.pow(2) - 1 - torch.log(lv.pow(2) + 1e-12)).sum(1)))
W("cvae_negative_elbo", "the per-example losses, not their mean", r"scalar|shape|mean|one number",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, reduce=lambda per: per))
W("cvae_negative_elbo", "squared error on the probabilities", r"Bernoulli|binary_cross|BCE|log p",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, rec=lambda l, x: (torch.sigmoid(l) - x).pow(2)
                                     .flatten(1).sum(1)))
W("cvae_negative_elbo", "z built around logvar instead of mu", r"\bmu\b|mean",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, z=lambda mu, lv, std, e: lv + std * e))
W("cvae_negative_elbo", "KL with +logvar", r"sign|logvar",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, kl=lambda mu, lv: 0.5 * (
      mu.pow(2) + lv.exp() - 1 + lv).sum(1)))
W("cvae_negative_elbo", "divided by the number of pixels", r"pixel",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps) / x[0].numel())
W("cvae_negative_elbo", "the one-hot labels passed to the decoder", r"label|y\b|one.hot",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, dec_y=lambda y: F.one_hot(y, int(y.max()) + 1)))
W("cvae_negative_elbo", "the labels of the batch reversed for the decoder", r"label|order|each example",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, dec_y=lambda y: y.flip(0)))
W("cvae_negative_elbo", "sigma as exp(logvar) / 2", r"exp\(logvar / 2\)|sigma|parenthes",
  lambda x, y, enc, dec, eps: _celbo(x, y, enc, dec, eps, z=lambda mu, lv, std, e: mu + lv.exp() / 2 * e))
W("cvae_negative_elbo", "the loss through .item()", r"item|gradient",
  lambda x, y, enc, dec, eps: torch.tensor(_celbo(x, y, enc, dec, eps).item()))


@pytest.mark.parametrize("case", CAT.wrongs, ids=[c.id for c in CAT.wrongs])
def test_uncatalogued_wrong_answer_is_rejected_without_crash(case):
    assert_rejected_without_crash(case)


@pytest.mark.parametrize("case", CAT.rights, ids=[c.id for c in CAT.rights])
def test_correct_alternative_is_accepted(case):
    assert_accepted(case)
