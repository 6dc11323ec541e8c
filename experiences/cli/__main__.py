"""`python -m experiences.cli …` : comme la commande `nonrecours`."""

import sys

from experiences.cli import main

sys.exit(main())
