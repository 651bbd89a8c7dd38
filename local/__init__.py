"""The local run: the whole system on one machine, no cloud and no Docker.

`python -m local` (or `make run`) starts an embedded AWS (moto server), creates the tables and
queues of `template.yaml`, seeds the demo directory, runs the queue consumers and the sweeper's
schedule in threads, and serves the HTTP API of the template's functions with a simulated
monitoring system beside it. `python -m local.invoke` runs one function on one event.

Nothing here is deployed: in AWS the template wires the same handlers to the real services.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"

# In AWS the shared package is a Lambda layer on the import path; here it is the `shared/`
# folder (pytest gets it from pyproject's `pythonpath`, `python -m local` from this line).
_SHARED = str(ROOT / "shared")
if _SHARED not in sys.path:
    sys.path.insert(0, _SHARED)
