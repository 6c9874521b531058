"""`python -m calibration` runs the CLI."""

from calibration.cli.main import run

run()
