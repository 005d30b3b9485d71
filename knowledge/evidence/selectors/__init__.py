"""Reads of the evidence, scoped by the acting user, one module per reviewed type."""
