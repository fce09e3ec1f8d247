"""The coordinators' side: reviewing applications, suggestions, their chat commands, the digest."""
