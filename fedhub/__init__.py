"""fedhub: a federated publishing server for activist groups."""

__version__ = "0.1.0"
