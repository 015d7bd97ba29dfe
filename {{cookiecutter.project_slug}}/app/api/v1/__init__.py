"""Version 1 of the HTTP API: one module of routes per resource."""
