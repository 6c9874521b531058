"""The `calibration` command line: one module per verb group, each with `register(subparsers)`."""
