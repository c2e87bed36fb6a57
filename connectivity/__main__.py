"""Run the command-line interface: ``python -m connectivity``."""

from connectivity.cli import main

raise SystemExit(main())
