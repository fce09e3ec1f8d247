"""A person arrives: the welcome (language, role, consent), the form, the review, /status."""
