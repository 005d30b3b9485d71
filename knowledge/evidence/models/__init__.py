"""Models of the evidence: the review workflow's base, cases, annual reports."""
