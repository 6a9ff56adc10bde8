"""Benchmarks: each module here with a ``run() -> dict[str, float | int]`` is run by ``python -m benchmarks``."""
