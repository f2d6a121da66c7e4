"""Uncatalogued answers to notebooks 06, 07 and 08 (issue 28): wrong answers as students write them that no
check's catalogue contains, each with the words a hint naming its actual mistake would contain, and correct
alternatives. Every wrong answer must be rejected without a crash, every alternative accepted."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import Catalogue, assert_accepted, assert_rejected_without_crash
from torch import nn

CAT = Catalogue()
W, R = CAT.wrong, CAT.right


# ---------------------------------------------------------------- 06: the discriminator's loss
def _d_bce_pooled(r, f):
    logits = torch.cat([r.flatten(), f.flatten()])
    loss = F.binary_cross_entropy_with_logits(logits, torch.cat([torch.ones_like(r.flatten()),
                                                                 torch.zeros_like(f.flatten())]), reduction="none")
    return loss[:r.numel()].mean() + loss[r.numel():].mean()


R("gan_discriminator_loss", "softplus", lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean())
R("gan_discriminator_loss", "-logsigmoid", lambda r, f: -(F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()))
R("gan_discriminator_loss", "one BCE, split", _d_bce_pooled)
R("gan_discriminator_loss", "softplus(l) - l", lambda r, f: (F.softplus(r) - r).mean() + F.softplus(f).mean())
R("gan_discriminator_loss", "BCEWithLogitsLoss modules", lambda r, f: nn.BCEWithLogitsLoss()(r, torch.ones_like(r))
  + nn.BCEWithLogitsLoss()(f, torch.zeros_like(f)))

W("gan_discriminator_loss", "fakes labelled real", r"label 0|fake.{0,40}(zero|softplus\(l_fake\))",
  lambda r, f: F.softplus(-r).mean() + F.softplus(-f).mean())
W("gan_discriminator_loss", "real samples labelled fake", r"label 1|real.{0,40}softplus\(-l_real\)",
  lambda r, f: F.softplus(r).mean() + F.softplus(f).mean())
W("gan_discriminator_loss", "one mean over both batches, elementwise",
  r"own batch|separately|different sizes|each (expectation|term)",
  lambda r, f: (F.softplus(-r) + F.softplus(f)).mean())
W("gan_discriminator_loss", "targets of shape (n,) for (n, 1) logits", r"ones_like|shape|target",
  lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones(len(r), dtype=r.dtype))
  + F.binary_cross_entropy_with_logits(f, torch.zeros(len(f), dtype=f.dtype)))
W("gan_discriminator_loss", "fake term detached", (r"detach", r"gradient", r"fake"),
  lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean().detach())
W("gan_discriminator_loss", ".item() and a new tensor", (r"item", r"gradient"),
  lambda r, f: torch.tensor((F.softplus(-r).mean() + F.softplus(f).mean()).item(), dtype=r.dtype))
W("gan_discriminator_loss", "an epsilon inside the logs", r"epsilon|softplus|large logits|stabl",
  lambda r, f: -(torch.log(torch.sigmoid(r) + 1e-8).mean() + torch.log(1 - torch.sigmoid(f) + 1e-8).mean()))
W("gan_discriminator_loss", "log1p(exp(.)) overflows", r"overflow|softplus|stabl",
  lambda r, f: torch.log1p(torch.exp(-r)).mean() + torch.log1p(torch.exp(f)).mean())
W("gan_discriminator_loss", "hinge loss", r"hinge",
  lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean())
W("gan_discriminator_loss", "Wasserstein critic loss", r"Wasserstein|critic",
  lambda r, f: f.mean() - r.mean())
W("gan_discriminator_loss", "float32 result for float64 logits", r"dtype|float64",
  lambda r, f: (F.softplus(-r).mean() + F.softplus(f).mean()).float())
W("gan_discriminator_loss", "softplus of the mean logit",
  r"mean of (the )?(logits|softplus)|each logit|inside|softplus of (the )?mean",
  lambda r, f: F.softplus(-r.mean()) + F.softplus(f.mean()))
W("gan_discriminator_loss", "least squares", r"least[ -]squares|squared error",
  lambda r, f: ((torch.sigmoid(r) - 1) ** 2).mean() + (torch.sigmoid(f) ** 2).mean())


# ---------------------------------------------------------------- 06: the generator's loss
R("gan_generator_loss", "softplus(-l)", lambda f: F.softplus(-f).mean())
R("gan_generator_loss", "-logsigmoid", lambda f: -F.logsigmoid(f).mean())
R("gan_generator_loss", "BCEWithLogitsLoss", lambda f: nn.BCEWithLogitsLoss()(f, torch.ones_like(f)))
R("gan_generator_loss", "softplus(l) - l", lambda f: (F.softplus(f) - f).mean())
R("gan_generator_loss", "log1p(exp(-|l|)) + max(-l, 0)", lambda f: torch.mean(torch.log1p(torch.exp(-f.abs()))
  + torch.clamp(-f, min=0)))

W("gan_generator_loss", "softplus of the mean logit",
  r"mean of (the )?(logits|softplus)|each logit|inside|softplus of (the )?mean",
  lambda f: F.softplus(-f.mean()))
W("gan_generator_loss", "an epsilon inside the log", r"epsilon|softplus|large logits|stabl",
  lambda f: -torch.log(torch.sigmoid(f) + 1e-8).mean())
W("gan_generator_loss", "log1p(exp(-l)) overflows", r"overflow|softplus|stabl",
  lambda f: torch.log1p(torch.exp(-f)).mean())
W("gan_generator_loss", "targets of shape (n,) for (n, 1) logits", r"ones_like|shape|target",
  lambda f: F.binary_cross_entropy_with_logits(f, torch.ones(len(f), dtype=f.dtype)))
W("gan_generator_loss", "Wasserstein generator loss", r"Wasserstein|critic",
  lambda f: -f.mean())
W("gan_generator_loss", "hinge", r"hinge",
  lambda f: F.relu(1 - f).mean())
W("gan_generator_loss", "least squares", r"least[ -]squares|squared error",
  lambda f: ((torch.sigmoid(f) - 1) ** 2).mean())
W("gan_generator_loss", "detached", (r"detach", r"gradient"),
  lambda f: F.softplus(-f).mean().detach())
W("gan_generator_loss", ".item() and a new tensor", (r"item", r"gradient"),
  lambda f: torch.tensor(F.softplus(-f).mean().item(), dtype=f.dtype))
W("gan_generator_loss", "float32 result for float64 logits", r"dtype|float64",
  lambda f: F.softplus(-f).mean().float())
W("gan_generator_loss", "mean over dim 0 only", r"one number|scalar|\.mean\(\)|0-dim",
  lambda f: F.softplus(-f).mean(0))
W("gan_generator_loss", "one-sided label smoothing on G", r"label smoothing|0\.9\b|target (of )?1|ones_like",
  lambda f: F.binary_cross_entropy_with_logits(f, torch.full_like(f, 0.9)))


# ---------------------------------------------------------------- 07: the projection discriminator's logit
def _u(h, w, b):
    return h @ w.reshape(-1) + b.reshape(())


def _class_no_grad(h, w, b, e, y):
    with torch.no_grad():
        c = (e[y] * h).sum(1)
    return _u(h, w, b) + c


R("cgan_projection", "bmm", lambda h, w, b, e, y: F.linear(h, w.view(1, -1)).squeeze(1) + b.view(-1)[0]
  + torch.bmm(e[y].unsqueeze(1), h.unsqueeze(2)).view(-1))
R("cgan_projection", "w + e_y in one product", lambda h, w, b, e, y: (h * (w.reshape(1, -1) + e[y])).sum(1)
  + b.reshape(()))
R("cgan_projection", "einsum with index_select", lambda h, w, b, e, y: torch.einsum("nf,nf->n", h, w.reshape(1, -1)
  + e.index_select(0, y)) + b.sum())
R("cgan_projection", "all classes, then advanced indexing", lambda h, w, b, e, y: (h @ e.T)[torch.arange(len(h)), y]
  + (h @ w.reshape(-1, 1)).view(-1) + b.reshape(()))
R("cgan_projection", "F.embedding in float64", lambda h, w, b, e, y: (_u(h.double(), w.double(), b.double())
  + (F.embedding(y, e.double()) * h.double()).sum(1)).to(h.dtype))

W("cgan_projection", "h @ w.T keeps (N, 1): broadcasts to (N, N)", r"\(N,\)|trailing|squeeze|reshape\(-1\)|\(N, 1\)",
  lambda h, w, b, e, y: h @ w.T + b + (e[y] * h).sum(1))
W("cgan_projection", ".item() on the bias", (r"item", r"gradient"),
  lambda h, w, b, e, y: h @ w.reshape(-1) + b.item() + (e[y] * h).sum(1))
W("cgan_projection", "embeddings detached", (r"detach", r"gradient"),
  lambda h, w, b, e, y: _u(h, w, b) + (e.detach()[y] * h).sum(1))
W("cgan_projection", "class term through numpy", (r"numpy", r"gradient"),
  lambda h, w, b, e, y: _u(h, w, b) + torch.from_numpy(np.einsum("nf,nf->n", e.detach().numpy()[y.numpy()],
                                                                 h.detach().numpy())))
W("cgan_projection", "one_hot(y) without the number of classes",
  r"num_classes|n_classes|number of classes|len\(embeddings\)",
  lambda h, w, b, e, y: _u(h, w, b) + ((F.one_hot(y).to(h.dtype) @ e) * h).sum(1))
W("cgan_projection", "e_y @ h.T: every pair", r"each example|diagonal|\(N, N\)|pair|its own",
  lambda h, w, b, e, y: _u(h, w, b) + e[y] @ h.T)
W("cgan_projection", "class term summed over the batch", r"sum\(1\)|over the features|dim ?=? ?1",
  lambda h, w, b, e, y: _u(h, w, b) + (e[y] * h).sum(0))
W("cgan_projection", "class term averaged over the features",
  r"dot product|sum over the features|not (the )?mean|\.sum\(1\)",
  lambda h, w, b, e, y: _u(h, w, b) + (e[y] * h).mean(1))
W("cgan_projection", "labels taken as 1-based", r"y - 1|0-based|embeddings\[y\]",
  lambda h, w, b, e, y: _u(h, w, b) + (e[y - 1] * h).sum(1))
W("cgan_projection", "float32 result for float64 inputs", r"dtype|float64",
  lambda h, w, b, e, y: (_u(h, w, b) + (e[y] * h).sum(1)).float())
W("cgan_projection", "bias subtracted", r"sign|\+ b|minus|subtract",
  lambda h, w, b, e, y: h @ w.reshape(-1) - b.reshape(()) + (e[y] * h).sum(1))
W("cgan_projection", "the best class instead of the label", r"label y|own label|\by\b|embeddings\[y\]",
  lambda h, w, b, e, y: _u(h, w, b) + (h @ e.T).max(1).values)
W("cgan_projection", "class term under torch.no_grad", (r"no_grad", r"gradient"), _class_no_grad)


# ---------------------------------------------------------------- 08: the Fréchet distance
def _fd(mu1, cov1, mu2, cov2, *, mean=None, cov=None, cross=None):
    d = mu1 - mu2
    m = (d ** 2).sum() if mean is None else mean(d)
    c = torch.trace(cov1) + torch.trace(cov2) if cov is None else cov(cov1, cov2)
    x = torch.linalg.eigvals(cov1 @ cov2).sqrt().real.sum() if cross is None else cross(cov1, cov2)
    return m + c - 2 * x


def _sqrt_psd(c):
    u, s, _ = torch.linalg.svd(c)
    return u @ torch.diag(s.sqrt()) @ u.T


R("frechet_gaussians", "notebook", lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2))
R("frechet_gaussians", "eigvals of C2 C1", lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b:
  torch.linalg.eigvals(b @ a).sqrt().real.sum()))
R("frechet_gaussians", "symmetric root through an SVD", lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: (
  lambda s: torch.linalg.eigvalsh(s @ b @ s).clamp(min=0).sqrt().sum())(_sqrt_psd(a))))
R("frechet_gaussians", "float64 inside", lambda m1, c1, m2, c2: _fd(m1.double(), c1.double(), m2.double(), c2.double())
  .to(m1.dtype))
R("frechet_gaussians", "dot and diagonal sums", lambda m1, c1, m2, c2: (m1 - m2).dot(m1 - m2) + c1.diagonal().sum()
  + c2.diagonal().sum() - 2 * torch.sqrt(torch.linalg.eigvals(c1 @ c2)).sum().real)

W("frechet_gaussians", "elementwise sqrt of C1 C2, unclamped", r"elementwise|matrix square root|entr",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.trace(torch.sqrt(a @ b))))
W("frechet_gaussians", "product of the two square roots",
  r"commut|C1\^1/2 C2\^1/2|product of (the )?(two )?(square )?roots",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.trace(_sqrt_psd(a) @ _sqrt_psd(b))))
W("frechet_gaussians", "mean of the squared differences",
  r"sum of (the )?squares|\.sum\(\)|not (the )?mean|squared distance",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, mean=lambda d: (d ** 2).mean()))
W("frechet_gaussians", "tr(C1 C2) for tr(C1) + tr(C2)", r"tr\(C1\) ?\+ ?tr\(C2\)|trace of each",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cov=lambda a, b: torch.trace(a @ b)))
W("frechet_gaussians", "sum of all entries for the traces", r"trace|diagonal",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cov=lambda a, b: a.sum() + b.sum()))
W("frechet_gaussians", "a Python float", r"torch\.Tensor|float",
  lambda m1, c1, m2, c2: float(_fd(m1, c1, m2, c2)))
W("frechet_gaussians", "float32 result for float64 inputs", r"dtype|float64",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2).float())
W("frechet_gaussians", "singular values of C1 C2", r"singular values|svd",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.linalg.svdvals(a @ b).sqrt().sum()))
W("frechet_gaussians", "eigvalsh of the non-symmetric C1 C2", r"eigvalsh|symmetric",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.linalg.eigvalsh(a @ b).clamp(min=0).sqrt().sum()))
W("frechet_gaussians", "elementwise product C1 * C2", r"matrix product|elementwise product|@|\bC1 \* C2",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.linalg.eigvals(a * b).sqrt().real.sum()))
W("frechet_gaussians", "covariances taken as diagonal",
  r"off-diagonal|only the diagonal|diagonal (entries|only)|as if .{0,30}diagonal",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: torch.sqrt(a.diagonal() * b.diagonal()).sum()))
W("frechet_gaussians", "eigenvalues of C1 and of C2 multiplied", r"eigenvalues of (the product )?C1 ?C2|product C1 ?C2",
  lambda m1, c1, m2, c2: _fd(m1, c1, m2, c2, cross=lambda a, b: (torch.linalg.eigvalsh(a).clamp(min=0)
                                                                 * torch.linalg.eigvalsh(b).clamp(min=0)).sqrt().sum()))


# ---------------------------------------------------------------- 08: the Inception Score
def _is(p, *, marginal=None, kl=None, reduce=None):
    py = p.mean(0, keepdim=True) if marginal is None else marginal(p)
    k = (torch.xlogy(p, p) - torch.xlogy(p, py)).sum(1) if kl is None else kl(p, py)
    return k.mean().exp() if reduce is None else reduce(k)


R("inception_score", "notebook", lambda p: _is(p))
R("inception_score", "clamped logs", lambda p: torch.exp((p * (p.clamp_min(1e-12).log() - p.mean(0).clamp_min(1e-12)
  .log())).sum(1).mean()))
R("inception_score", "F.kl_div", lambda p: F.kl_div(p.mean(0).log().expand_as(p), p, reduction="none").sum(1)
  .mean().exp())
R("inception_score", "entropies with special.entr", lambda p: torch.exp(torch.special.entr(p.mean(0)).sum()
  - torch.special.entr(p).sum(1).mean()))
R("inception_score", "base 2 throughout", lambda p: 2 ** ((torch.xlogy(p, p) - torch.xlogy(p, p.mean(0))).sum(1)
  / np.log(2)).mean())
R("inception_score", "nansum of p log(p / p(y))", lambda p: (p * (p.log() - p.mean(0).log())).nansum(1).mean().exp())

W("inception_score", "log2 KL with a natural exp", r"log ?2|natural|base",
  lambda p: _is(p, kl=lambda q, m: (torch.xlogy(q, q) - torch.xlogy(q, m)).sum(1) / np.log(2)))
W("inception_score", "the reversed KL, with log 0", r"revers|KL\(p\(y\|x\)|order",
  lambda p: _is(p, kl=lambda q, m: (m * (m.log() - q.log())).sum(1)))
W("inception_score", "softmax applied to probabilities", r"softmax|already probabilities|logits",
  lambda p: _is(p.softmax(1)))
W("inception_score", "p(y) as a sum, not a mean", r"normalis|sum\(0\)|divid|not (a )?sum",
  lambda p: _is(p, marginal=lambda q: q.sum(0, keepdim=True)))
W("inception_score", "a Python float", r"torch\.Tensor|float",
  lambda p: float(_is(p)))
W("inception_score", "float32 result for float64 probabilities", r"dtype|float64",
  lambda p: _is(p).float())
W("inception_score", "exp(-KL): the reciprocal", r"sign|reciprocal|1 ?/ ?IS|exp\(-",
  lambda p: _is(p, reduce=lambda k: (-k.mean()).exp()))
W("inception_score", "F.kl_div's arguments the wrong way round", r"kl_div|order|revers",
  lambda p: F.kl_div(p.log(), p.mean(0).expand_as(p), reduction="batchmean").exp())
W("inception_score", "KL averaged over the classes", r"sum over (the )?classes|not (a )?mean",
  lambda p: _is(p, kl=lambda q, m: (torch.xlogy(q, q) - torch.xlogy(q, m)).mean(1)))
W("inception_score", "probabilities clamped at 1e-3 in the logs", r"clamp|epsilon|xlogy",
  lambda p: _is(p, kl=lambda q, m: (q * (q.clamp(min=1e-3).log() - m.clamp(min=1e-3).log())).sum(1)))
W("inception_score", "the median over images", r"median|mean over (the )?images|expectation",
  lambda p: _is(p, reduce=lambda k: k.median().exp()))


@pytest.mark.parametrize("case", CAT.wrongs, ids=[c.id for c in CAT.wrongs])
def test_uncatalogued_wrong_answer_is_rejected_without_crash(case):
    assert_rejected_without_crash(case)


@pytest.mark.parametrize("case", CAT.rights, ids=[c.id for c in CAT.rights])
def test_correct_alternative_is_accepted(case):
    assert_accepted(case)
