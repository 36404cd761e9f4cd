"""The job state machine and the loop that drives it."""
