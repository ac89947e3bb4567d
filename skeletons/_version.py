"""The toolkit's version, one place for every package (``pyproject.toml`` reads it from here)."""
__version__ = "0.1.0"
