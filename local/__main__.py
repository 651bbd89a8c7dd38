"""`python -m local`: the local run (see local/run.py)."""

import sys

from local.run import main

sys.exit(main())
