"""`python -m wastewatch`: the same command as the `wastewatch` script."""

import sys

from wastewatch.main import main

sys.exit(main())
