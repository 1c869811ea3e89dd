"""The Web UI in headless Chromium against the running demo: a case's input shows
the resident's name only to an operator signed in to the codec server, and an IPR
stays ciphertext to a UC-only operator.

The UI sends the codec server's cookie only with its "include cross-origin
credentials" setting, which Web UI 2.x keeps in the browser's localStorage
(temporalio/ui src/lib/stores/data-encoder-config.ts): ``endpoint``,
``includeCredentials`` and ``overrideRemoteCodecConfiguration`` (the last makes the
browser's own endpoint and setting win over the server's), each a JSON value.
"""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from infra import keys, tokens
from tests.e2e.conftest import Demo

CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes say: Chromium's own connections fail on this closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_SECONDS = 45
CASE, RESIDENT = "uc-case-HA-100231", "Shauna Kettleby"
IPR, CUSTOMER = "ipr-IPR-DEMO-004", "Di Notreal"
# An encrypted payload as the UI shows it when it cannot decode: its data in base64.
CIPHERTEXT = re.compile(r'^"?[A-Za-z0-9+/]{200,}={0,2}"?$')


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


async def _context(browser: Browser, demo: Demo, token: str | None) -> BrowserContext:
    """A fresh browser profile whose Web UI sends cookies to the demo's codec
    server; signed in there with ``token`` when one is given."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(
        f"""if (location.origin === {json.dumps(demo.ui)}) {{
  localStorage.setItem('endpoint', {json.dumps(json.dumps(demo.codec))});
  localStorage.setItem('includeCredentials', 'true');
  localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
}}"""
    )
    if token is not None:
        page = await context.new_page()
        await page.goto(f"{demo.codec}/login")
        await page.fill("#token", token)
        await page.click("button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Signed in")
        await page.close()
    return context


def _token(demo: Demo, *domains: str) -> str:
    return tokens.issue(keys.load_file(demo.key_file), "e2e-browser", list(domains), 1)


async def _open_workflow(
    context: BrowserContext, demo: Demo, workflow_id: str, decode_status: int
) -> Page:
    """The workflow's page, once the codec server has answered the UI's first
    decode with ``decode_status``."""
    page = await context.new_page()
    async with page.expect_response(
        lambda r: r.url.startswith(f"{demo.codec}/decode"), timeout=UI_SECONDS * 1000
    ) as decoded:
        await page.goto(f"{demo.ui}/namespaces/default/workflows/{workflow_id}")
    assert (await decoded.value).status == decode_status
    await expect(page.get_by_text("Input", exact=True).filter(visible=True).first).to_be_visible(
        timeout=UI_SECONDS * 1000
    )
    return page


async def _shows_ciphertext(page: Page, name: str, shot: Path) -> None:
    await expect(page.get_by_text(CIPHERTEXT).filter(visible=True).first).to_be_visible(
        timeout=UI_SECONDS * 1000
    )
    await page.screenshot(path=shot, full_page=True)
    assert name not in await page.inner_text("body")


async def test_a_signed_in_uc_operator_sees_the_residents_name_in_a_cases_input(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    context = await _context(browser, demo, _token(demo, "uc"))
    try:
        page = await _open_workflow(context, demo, CASE, 200)
        await expect(page.locator("body")).to_contain_text(RESIDENT, timeout=UI_SECONDS * 1000)
        await page.screenshot(path=tmp_path / "case-signed-in.png", full_page=True)
    finally:
        await context.close()


async def test_without_signing_in_a_cases_input_is_ciphertext(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    context = await _context(browser, demo, None)
    try:
        page = await _open_workflow(context, demo, CASE, 401)
        await _shows_ciphertext(page, RESIDENT, tmp_path / "case-not-signed-in.png")
    finally:
        await context.close()


async def test_an_ipr_stays_ciphertext_to_a_uc_only_operator(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    context = await _context(browser, demo, _token(demo, "uc"))
    try:
        page = await _open_workflow(context, demo, IPR, 403)
        await _shows_ciphertext(page, CUSTOMER, tmp_path / "ipr-uc-only.png")
    finally:
        await context.close()


async def test_an_ipr_reviewer_sees_the_ipr_customers_name(
    browser: Browser, demo: Demo, tmp_path: Path
) -> None:
    """The other side of the UC-only test: the same page does decode for the IPR domain."""
    context = await _context(browser, demo, _token(demo, "ipr"))
    try:
        page = await _open_workflow(context, demo, IPR, 200)
        await expect(page.locator("body")).to_contain_text(CUSTOMER, timeout=UI_SECONDS * 1000)
        await page.screenshot(path=tmp_path / "ipr-reviewer.png", full_page=True)
    finally:
        await context.close()
