"""Frameworks domain: the registry of published framework documents and the public score preview."""
