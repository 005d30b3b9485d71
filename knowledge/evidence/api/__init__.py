"""API of the evidence, one module per reviewed type."""
