"""Readers: one module per source format, each turning a file into a :class:`skeletons.Motion`."""
