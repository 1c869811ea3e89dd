"""What an aggregate calls the child workflows it starts, without knowing how ids
are shaped: the workflow that holds the aggregate names them (workflows/ids.py)
when it builds the initial state, and the state carries the names, so a decision
puts the same id in its event on every replay and in every later run."""

import re
from dataclasses import dataclass as record

_TRAILING_NUMBER = re.compile(r"(\d+)$")


@record(frozen=True)
class ChildNames:
    # The id of the child there is one of (a case's managed migration); "" where none.
    single: str = ""
    # Numbered children (a case's payment arrangements, an IPR's agreed activities):
    # the nth one's id is this followed by n.
    numbered: str = ""

    def nth(self, number: int) -> str:
        """The id of the numbered child `number`."""
        if not self.numbered:
            raise ValueError("no names for numbered children: the workflow sets them")
        return f"{self.numbered}{number}"

    def the_one(self) -> str:
        """The id of the child there is one of."""
        if not self.single:
            raise ValueError("no name for a single child: the workflow sets it")
        return self.single

    @staticmethod
    def number_of(child_id: str) -> int:
        """The number that ends a numbered child's id."""
        found = _TRAILING_NUMBER.search(child_id)
        if found is None:
            raise ValueError(f"{child_id!r} is not a numbered child's id")
        return int(found[1])
