"""``python -m orderdiff``: the command-line interface, under its installed name."""

from .cli import main

main(prog_name="orderdiff")
