"""Programme B: hao-mentors for GP trainers (seed 001). Pure: no I/O, time is an input."""
