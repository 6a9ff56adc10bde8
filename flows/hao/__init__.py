"""Programme B's flows: one per trajectory kind, plus the support flows and the hao sweep."""
