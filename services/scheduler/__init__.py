"""Runs the schedule of `shared.schedule`: `python -m services.scheduler loop|run JOB|cronjobs`."""
