"""starter.py's exit statuses (README, "starter.py"; backoffice/outcomes.py says which
error gives which): kept apart so the entry point imports nothing else to name them."""

DONE, REFUSED, BAD_INPUT, NO_ANSWER, INTERNAL_ERROR = 0, 1, 2, 3, 4
# `import` only: the good rows were started (or reached, already open) and some rows were
# bad (each reported on stderr by line, field and rule); fix those rows and import the
# file again (a row already started is reached, never started twice). All rows bad: 2.
SOME_ROWS_BAD = 5
