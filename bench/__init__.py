"""Benchmarks that print figures; targets are checked here, never by timed assertions in tests."""
