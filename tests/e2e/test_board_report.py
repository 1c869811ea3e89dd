"""The KPI board report (`starter.py kpis --html`) in headless Chromium: the file opens
with nothing else to fetch, and each chart's inline SVG renders with a size and with
drawn paths. Figures from a small read model filled by the real projection
(tests/integration/test_kpis.py's fixture)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine

from activities.db import make_engine, migrate
from activities.reporting.kpis import kpis
from backoffice.board_report import CHARTS, write_report
from tests.e2e.test_web_ui_codec import CHROMIUM, CHROMIUM_ARGS
from tests.integration import test_kpis


@pytest.fixture
def read_model(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'read-model.db'}"
    migrate(url)
    engine = make_engine(url)
    test_kpis.fill(engine)
    yield engine
    engine.dispose()


def test_each_chart_of_the_board_report_renders(read_model: Engine, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    page_file = write_report(
        kpis(read_model, date(2026, 1, 1), date(2026, 6, 30)), tmp_path / "board.html"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            assert page.title().startswith("Universal Credit casework: KPI board report")
            for name in CHARTS:
                svg = page.locator(f"figure#{name} > svg")
                box = svg.bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100, name
                # matplotlib draws lines, bars and text (as paths) as <path> elements.
                assert svg.locator("path").count() > 10, name
                drawn = svg.evaluate("s => s.getBBox().width * s.getBBox().height")
                assert drawn > 0, name
            assert "Residents on UC" in page.inner_text("body")
            assert requests == [page_file.as_uri()]  # nothing fetched but the file
        finally:
            browser.close()
