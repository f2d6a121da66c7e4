"""Exercise checks, one per exercise: ``checks.inverse_cdf(my_function)``.

Each raises AssertionError with a hint naming the likely mistake, or prints a one-line success.
"""
from .core import REGISTRY, exercise
from .pushforward import affine_pushforward, inverse_cdf, mmd

__all__ = ["REGISTRY", "exercise", "affine_pushforward", "inverse_cdf", "mmd"]
