"""Knowledge views, one module per concept (cases, reports, statistics)."""
