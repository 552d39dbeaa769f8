"""Protecting personal data: encryption at rest, blind indexes, masking, keys.

Layer: imports nothing of minsheng but `errors`; the registry and the web use it.
"""
