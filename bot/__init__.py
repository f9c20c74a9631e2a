"""Tsunagari (つながり): 24-hour chat consultation bot with crisis screening and counselor hand-off."""

__version__ = "0.1.0"
