"""`python -m pipelines` is the `cspulse` command."""

from pipelines.cli import main

raise SystemExit(main())
