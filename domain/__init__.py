"""The programmes' rules and data: pure Python, no I/O, time passed in."""
