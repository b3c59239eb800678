"""Commands beyond the core ones in ``cli.py``: one module each, exposing ``command``."""
