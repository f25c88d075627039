"""Printers: text, LaTeX and JSON views of a finished :class:`~orderdiff.Derivation`."""
