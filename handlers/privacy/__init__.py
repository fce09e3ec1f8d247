"""A person's rights over their data, and retention."""
