"""The demo: a small cohort in compressed time, on the real parts."""
