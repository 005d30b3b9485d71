"""Knowledge selectors, one module per concept (cases, reports, statistics)."""
