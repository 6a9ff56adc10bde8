"""Thin Prefect tasks: each does one piece of I/O (store, email, calendar) and is idempotent."""
