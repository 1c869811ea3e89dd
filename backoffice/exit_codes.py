"""starter.py's exit statuses (README, "starter.py"; backoffice/outcomes.py says which
error gives which): kept apart so the entry point imports nothing else to name them."""

DONE, REFUSED, BAD_INPUT, NO_ANSWER, INTERNAL_ERROR = 0, 1, 2, 3, 4
