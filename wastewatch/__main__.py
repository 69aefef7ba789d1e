"""`python -m wastewatch`: the same command as the `wastewatch` script."""

import sys

from wastewatch.main import main

if __name__ == "__main__":  # not again in a worker process the service spawns (web/workers.py)
    sys.exit(main())
