"""A decision applies each event as it emits it (domain/shared/decision.py)."""

from domain.shared.decision import Decision


def test_each_event_is_applied_as_it_is_emitted() -> None:
    d: Decision[tuple[str, ...], str] = Decision((), lambda s, e: (*s, e))
    d.emit("a")
    assert d.state == ("a",)
    assert d.emit(f"b{len(d.state)}", "c") == ("a", "b1", "c")
    assert d.events == ["a", "b1", "c"]
    d.events.append("x")  # a copy: the decision is unchanged
    assert d.events == ["a", "b1", "c"]
