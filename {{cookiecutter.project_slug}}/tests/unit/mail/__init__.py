"""Tests of how a mail is rendered and made into a message."""
