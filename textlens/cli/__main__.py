"""`python -m textlens.cli`: the `textlens` command without its console script (tests, scripts, a plain venv)."""
from textlens.cli import main

main()
