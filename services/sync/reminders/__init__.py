"""E-mail reminders before each deadline (see `job`)."""
