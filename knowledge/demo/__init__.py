"""Demo data from the seed publication (``manage.py load_demo``): composes every layer."""
