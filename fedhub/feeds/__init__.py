"""Subscriptions without an account: RSS 2.0, Atom and iCalendar, rendered as pure functions."""
