"""Configuration, security and errors shared by every layer."""
