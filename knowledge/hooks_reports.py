"""Wiring done at start-up (called from KnowledgeConfig.ready)."""


def connect() -> None:
    """Register review hooks and seams."""
