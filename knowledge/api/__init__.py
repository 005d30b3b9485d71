"""Knowledge api, one module per concept (cases, reports, statistics)."""
