"""The dev server's SQL visibility store takes a few custom search attributes of each
type per namespace; one more and the server refuses to start ("cannot have more than
3 search attributes of type Bool"). This names the type before a server is needed."""

from collections import Counter

from temporalio.common import SearchAttributeIndexedValueType as T

from workflows.search_attributes import ALL_KEYS

# Temporal's limits for SQL visibility (SQLite in the dev server, PostgreSQL, MySQL).
LIMITS = {
    T.BOOL: 3,
    T.DATETIME: 3,
    T.DOUBLE: 3,
    T.INT: 3,
    T.KEYWORD: 10,
    T.KEYWORD_LIST: 3,
    T.TEXT: 3,
}


def test_every_type_is_within_the_sql_visibility_limit() -> None:
    used = Counter(key.indexed_value_type for key in ALL_KEYS)
    over = {T(kind).name: n for kind, n in used.items() if n > LIMITS[T(kind)]}
    assert not over, f"more search attributes than SQL visibility allows: {over}"


def test_names_are_unique() -> None:
    names = [key.name for key in ALL_KEYS]
    assert len(names) == len(set(names))
