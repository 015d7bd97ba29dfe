"""Tests of configuration, security and errors."""
