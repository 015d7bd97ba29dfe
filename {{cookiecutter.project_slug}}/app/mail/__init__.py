"""Mail as it leaves the app: rendered from app/templates/mail and sent over SMTP."""
