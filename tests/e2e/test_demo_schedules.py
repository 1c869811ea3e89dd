"""`make demo` ends with the three Temporal Schedules on the server and says where
the Web UI lists them (docs/schedules.md)."""

from tests.e2e.conftest import Demo

IDS = ("work-available-report", "escalation-digest", "retention-sweep")


def test_the_demo_shows_the_three_schedules(demo: Demo) -> None:
    output = demo.output.read_text(errors="replace")
    assert f"http://localhost:{demo.ui_port}/namespaces/default/schedules" in output
    listed = demo.temporal("schedule", "list")
    assert listed.returncode == 0, listed.stderr
    for schedule_id in IDS:
        assert schedule_id in listed.stdout
    described = demo.temporal("schedule", "describe", "--schedule-id", "retention-sweep")
    assert described.returncode == 0, described.stderr
    assert "Europe/London" in described.stdout
    starter = demo.starter("schedules", "list")
    assert starter.returncode == 0, starter.stderr
    assert [line.split()[0] for line in starter.stdout.splitlines()] == list(IDS)
