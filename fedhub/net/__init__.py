"""Outgoing network access: the one guarded HTTP client and the address policy it enforces."""
