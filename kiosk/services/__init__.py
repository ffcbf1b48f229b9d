"""Verbs of the product: load, call the domain, write, commit. The actor and ``now`` are passed in."""
