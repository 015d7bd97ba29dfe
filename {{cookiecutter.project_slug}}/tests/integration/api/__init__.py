"""HTTP tests of every endpoint, through an httpx client on the ASGI app."""
