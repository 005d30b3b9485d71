"""Pages of the statistics: dashboards and the failing slices."""
