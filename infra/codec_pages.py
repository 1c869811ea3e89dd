"""The codec server's few HTML pages: sign in (paste a token), signed in, signed out.

The Web UI cannot send a bearer token of ours, so an operator signs in here once and
the browser sends the session cookie with the UI's "include cross-origin credentials"
setting. Everything shown is escaped; the token itself is never echoed back.
"""

from html import escape

from aiohttp import web

from infra.tokens import Operator

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - Casework codec server</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}
textarea{{width:100%;height:8em}} .error{{color:#b00}}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=_PAGE.format(title=escape(title), body=body),
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def login_form(next_url: str = "", error: str | None = None, status: int = 200) -> web.Response:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""{message}
<p>Paste the operator token you were issued. It decides which domains you may decode.</p>
<form method="post" action="/login">
<label for="token">Token</label>
<textarea id="token" name="token" autocomplete="off" required></textarea>
<input type="hidden" name="next" value="{escape(next_url)}">
<p><button type="submit">Sign in</button></p>
</form>"""
    return _page("Sign in", body, status)


def signed_in(operator: Operator) -> web.Response:
    domains = ", ".join(sorted(operator.domains))
    body = (
        f"<p>Signed in as <strong>{escape(operator.name)}</strong> for the "
        f"<strong>{escape(domains)}</strong> domain(s) until "
        f"{escape(operator.expires.isoformat(timespec='minutes'))}.</p>"
        '<p>Return to the Temporal Web UI. <a href="/logout">Sign out</a></p>'
    )
    return _page("Signed in", body)


def signed_out() -> web.Response:
    return _page("Signed out", '<p>Signed out. <a href="/login">Sign in again</a></p>')
