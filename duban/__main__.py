"""`python -m duban …`: the command line."""

import sys

from duban.cli import main

sys.exit(main(sys.argv[1:]))
