"""The conversation: plain Python flows that turn an Event into Replies.

Nothing here imports Telegram, the database or the runtime (tests/unit/test_architecture.py
checks it), so a flow can be read and tested as a conversation on its own.
"""
