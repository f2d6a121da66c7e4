"""Exercise checks, one per exercise: ``checks.inverse_cdf(my_function)``.

Each raises AssertionError with a hint naming the likely mistake, or prints a one-line success.
"""
from .autoencoder import (
           autoencoder_forward,
           autoencoder_loss,
           latent_interpolation,
           pca_reconstruction,
)
from .cgan import cgan_projection
from .core import REGISTRY, exercise
from .cvae import cvae_class_grid, cvae_input, cvae_negative_elbo
from .draw import draw_filters, draw_read
from .evaluation import frechet_gaussians, inception_score
from .gan import gan_discriminator_loss, gan_generator_loss
from .pushforward import affine_pushforward, inverse_cdf, mmd
from .vae import iwae, negative_elbo, vae_reparameterize
from .variational import (
           kl_standard_normal,
           reparameterized_sample,
           score_function_estimator,
)

__all__ = ["REGISTRY", "exercise", "affine_pushforward", "inverse_cdf", "mmd",
           "autoencoder_forward", "autoencoder_loss", "latent_interpolation", "pca_reconstruction",
           "kl_standard_normal", "reparameterized_sample", "score_function_estimator",
           "vae_reparameterize", "negative_elbo", "iwae", "cvae_input", "cvae_class_grid",
           "cvae_negative_elbo",
           "draw_filters", "draw_read", "gan_discriminator_loss", "gan_generator_loss", "cgan_projection",
           "frechet_gaussians", "inception_score"]
