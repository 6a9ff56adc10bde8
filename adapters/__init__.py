"""The real adapters: database, mail, calendar, templates, signed links, Prefect API."""
