import sys

from irtools.cli import main

sys.exit(main())
