"""The business process: one flow per trajectory, one module per phase, and the timer sweep."""
