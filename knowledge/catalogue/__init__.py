"""The catalogue, the lowest layer of knowledge: indicators and their units, currencies and
exchange rates, code lists. Imports nothing from ``evidence`` or ``statistics``."""
