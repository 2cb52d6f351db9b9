"""``python -m detente`` runs the command line."""

from detente.cli.main import app

app(prog_name="detente")
