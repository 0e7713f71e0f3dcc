"""The change feed: an ordered event log other services read with a cursor."""
