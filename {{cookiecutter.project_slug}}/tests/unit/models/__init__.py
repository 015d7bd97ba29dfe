"""Tests of what the tables share."""
