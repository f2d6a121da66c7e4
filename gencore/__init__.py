"""gencore: the library behind the deep generative models course."""
from .config import Config, current, pick_device, setup

__version__ = "0.1.0"
__all__ = ["Config", "current", "pick_device", "setup", "__version__"]
