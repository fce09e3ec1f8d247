"""Channels turn a platform's updates into Events and Replies into its API calls; no business rule."""
