"""Every differentiable exercise checks that the gradient reaches each input that needs one (issue 28), through
one helper (`gencore.checks.core.expect_gradient`), and its hint names the detour that cut it: gencore's own
answer with one input sent through numpy, .detach() or torch.no_grad has the right values and is rejected."""
import pytest
import torch

from gencore import checks

# exercise -> the inputs (parameter names of the answer key) whose gradient the check requires
NEEDS = {
    "affine_pushforward": ("z", "A", "b"),
    "mmd": ("x",),
    "autoencoder_loss": ("logits",),
    "kl_standard_normal": ("mu", "logvar"),
    "reparameterized_sample": ("mu", "logvar"),
    "vae_reparameterize": ("mu", "logvar"),
    "negative_elbo": ("logits", "mu", "logvar"),
    "iwae": ("log_p_xz", "log_q_z"),
    "cvae_input": ("x",),
    "draw_filters": ("g", "delta", "sigma2"),
    "draw_read": ("x_hat", "F_X", "F_Y", "gamma"),
    "gan_discriminator_loss": ("real_logits", "fake_logits"),
    "gan_generator_loss": ("fake_logits",),
    "cgan_projection": ("h", "w", "b", "embeddings"),
}

DETOURS = {
    "numpy": (lambda a: torch.from_numpy(a.detach().numpy().copy()), "numpy"),
    "detach": (lambda a: a.detach(), ".detach()"),
    "no_grad": (None, "torch.no_grad()"),
}


def _through(check, name: str, detour: str):
    """The answer key, with the input called ``name`` sent through the detour (torch.no_grad: the whole call)."""
    import inspect
    reference = check.reference
    params = list(inspect.signature(reference).parameters)
    cut, _ = DETOURS[detour]

    def student(*args):
        if cut is None:
            with torch.no_grad():
                return reference(*args)
        args = list(args)
        args[params.index(name)] = cut(args[params.index(name)])
        return reference(*args)
    return student


CASES = [(ex, name, detour) for ex, names in NEEDS.items() for name in names for detour in ("numpy", "detach")]
CASES += [(ex, names[0], "no_grad") for ex, names in NEEDS.items()]


@pytest.mark.parametrize("exercise,name,detour", CASES, ids=[f"{e}-{n}-{d}" for e, n, d in CASES])
def test_the_gradient_must_reach_each_input_and_the_detour_is_named(exercise, name, detour):
    check = checks.REGISTRY[exercise]
    with pytest.raises(AssertionError) as err:
        check(_through(check, name, detour))
    message = str(err.value)
    assert "No gradient reaches" in message and f"`{name}`" in message.split(" through ")[0], message
    assert DETOURS[detour][1] in message, message


def test_an_item_on_the_bias_is_named():
    def student(h, w, b, embeddings, y):
        return h @ w.reshape(-1) + b.item() + (embeddings[y] * h).sum(1)
    with pytest.raises(AssertionError, match=r"No gradient reaches `b`.*\.item\(\)"):
        checks.cgan_projection(student)


def test_the_encoder_needs_its_gradient_through_the_code():
    def student(x, encoder, decoder):
        with torch.no_grad():
            z = encoder(x)
        return torch.sigmoid(decoder(z))
    with pytest.raises(AssertionError, match=r"No gradient reaches the encoder's parameters.*torch\.no_grad"):
        checks.autoencoder_forward(student)


def test_a_partly_detached_normaliser_has_the_right_values_but_the_wrong_gradient():
    """exp(e) / Z with Z detached: every value right, the gradient with respect to the window's numbers not."""
    def student(g, delta, sigma2, N, size):
        i = torch.arange(1, N + 1, dtype=g.dtype)
        a = torch.arange(1, size + 1, dtype=g.dtype)
        mu = g[:, None] + (i - N / 2 - 0.5) * delta[:, None]
        e = -(a - mu[:, :, None]) ** 2 / (2 * sigma2[:, None, None])
        w = torch.exp(e - e.amax(-1, keepdim=True))
        return w / w.sum(-1, keepdim=True).detach()
    with pytest.raises(AssertionError, match="the gradient of F .* with respect to `g` is wrong"):
        checks.draw_filters(student)
