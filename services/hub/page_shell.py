"""The frame of the hub's knowledge pages (directory, gathering programme): self-contained HTML
in bokmål with English beside it, inline CSS under a nonce-based CSP, no script, no external
asset (municipal networks are often closed)."""

from __future__ import annotations

import secrets
from html import escape

from fastapi.responses import HTMLResponse

STYLE = """
:root { color-scheme: light dark; --fg: #1b1f1d; --muted: #4d5652; --bg: #fbfcfb;
  --card: #ffffff; --line: #d5dcd8; --accent: #0b6e4f; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e9efec; --muted: #b3beb9; --bg: #111513; --card: #1a201d; --line: #33403a;
    --accent: #6fd3a8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
.wrap { max-width: 70rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
a { color: var(--accent); }
a:focus-visible, input:focus-visible, select:focus-visible, button:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; }
h1 { font-size: 1.8rem; margin: .25rem 0; } h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.en { color: var(--muted); font-weight: normal; }
.meta, .note { color: var(--muted); margin: .25rem 0; }
table { width: 100%; border-collapse: collapse; margin-top: .75rem; }
caption { text-align: left; color: var(--muted); padding-bottom: .5rem; }
th, td { padding: .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: 1rem 0; }
label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); }
input, select, button { font: inherit; padding: .35rem .5rem; }
.tracks { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
"""


def both(nb: str, en: str) -> str:
    """Bokmål first, English beside it (already-escaped HTML)."""
    return f'{nb} <span class="en" lang="en">/ {en}</span>'


def page(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = f"""<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style nonce="{nonce}">{STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Gå til innholdet / Skip to content</a>
<div class="wrap">
{body}
<footer>Klimaby &ndash; nasjonalt knutepunkt <span lang="en">/ national knowledge hub</span></footer>
</div>
</body>
</html>
"""
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": csp,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
