"""Mail end to end: the outbox, the workers and a real SMTP server."""
