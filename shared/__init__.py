"""The shared schema: wire contracts, the framework format, errors, the principal, settings.

Nothing service-specific lives here: no service's tables, no service's business rules.
"""
