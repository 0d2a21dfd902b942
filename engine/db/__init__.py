"""Storage: models, connections, the unit of work and migrations."""
