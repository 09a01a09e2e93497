"""Shared records, settings and errors. No I/O beyond reading the environment in settings."""
