"""The wiring: settings, and the one place that builds the real services from them."""
