"""``python -m gencore ...``: the command line (see gencore.course.cli)."""
import sys

from .course.cli import main

sys.exit(main())
