from brokerage.entrypoints.cli import main

raise SystemExit(main())
