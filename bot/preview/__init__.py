"""`frontdoor preview`: every screen one role meets, in one language, as one HTML page for a translator.

journey.py drives the real conversation on a temporary database; recording.py notes which catalog
messages each reply used; personas.py holds what people type, per language; page.py draws the chat.
"""
