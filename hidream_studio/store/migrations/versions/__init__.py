"""Migration scripts. Never edit a shipped one: add the next revision instead."""
