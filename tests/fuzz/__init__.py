"""Property tests of every numeric, date and paging input: bad numbers get a 400, never a 5xx."""
