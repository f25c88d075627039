"""``python -m orderdiff``: the command-line interface."""

from .cli import main

main()
