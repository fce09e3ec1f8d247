"""A confirmed meeting: booking, changes, reminders, the calendar file, and the follow-ups after it."""
