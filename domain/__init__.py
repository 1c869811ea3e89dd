"""Pure rules and state for Universal Credit casework.

Nothing here imports temporalio, SQLAlchemy or structlog, and nothing reads a
clock: time and ids come in as parameters so every rule is deterministic.
"""
