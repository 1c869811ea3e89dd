"""Who did something: a person's name, or the engine itself."""

# The author of what the engine does on its own (timers, follow-ups, notices).
SYSTEM = "system"
