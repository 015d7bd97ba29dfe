"""Data access: every query lives here, behind the Protocols in `interfaces`."""
