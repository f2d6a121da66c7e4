"""``python -m gencore ...``: the command line (see gencore.cli)."""
import sys

from .cli import main

sys.exit(main())
