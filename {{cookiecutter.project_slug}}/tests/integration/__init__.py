"""Tests through the whole app."""
