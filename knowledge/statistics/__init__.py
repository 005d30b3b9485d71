"""The statistics, the top layer of knowledge: rollups recomputed from approved evidence, driven
by events, and the dashboards and API that read them."""
