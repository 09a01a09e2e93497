"""Evaluation harness for `newsevents eval`: corpora readers, pure scoring, the runner."""
