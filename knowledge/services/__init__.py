"""Knowledge services, one module per concept (cases, reports, statistics)."""
