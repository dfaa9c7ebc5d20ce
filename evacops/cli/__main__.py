"""`python -m evacops.cli`: the `evac` command."""

from evacops.cli import app

app()
