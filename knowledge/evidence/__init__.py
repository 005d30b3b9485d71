"""The evidence, the middle layer of knowledge: cases, annual reports and the one review workflow
they share. Imports from ``catalogue`` only; tells ``statistics`` of changes through events."""
