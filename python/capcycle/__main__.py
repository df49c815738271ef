"""`python -m capcycle reproduce ...`: the same entry point as the `capcycle` command."""

from capcycle.cli import main

raise SystemExit(main())
