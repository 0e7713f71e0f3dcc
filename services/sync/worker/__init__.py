"""The delivery worker process (distributed mode): `python -m services.sync.worker`."""
