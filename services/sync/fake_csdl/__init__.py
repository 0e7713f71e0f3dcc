"""A fake CSDL ngành endpoint of the sync contract, with fault injection, for the demo and tests."""
