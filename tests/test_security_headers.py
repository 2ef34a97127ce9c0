"""Security headers: a strict Content-Security-Policy on every plugin page
and JSON twin, nosniff on every response, and a browser that enforces the
policy: no violation on the pages as they are, injected script refused.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from datasette.app import Datasette

from .site_pages import datasette_pages, plugin_pages

TILES = "https://*.tile.openstreetmap.org"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def inline_script_hashes(html: str) -> list[str]:
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if "src=" not in attrs
    ]


@pytest.fixture(scope="module")
def site(fixture_db):
    return Datasette(immutables=[str(fixture_db)])


async def test_every_plugin_page_has_a_strict_policy(site, fixture_db):
    trusted = []
    for html_path, json_path in plugin_pages(fixture_db):
        for path in (html_path, json_path):
            response = await site.client.get(path)
            assert response.status_code == 200, path
            policy = directives(response.headers["content-security-policy"])
            scripts = policy["script-src"]
            assert scripts[0] == "'self'"
            # Nothing else but hashes: no inline script, no eval, no other host.
            assert all(s.startswith("'sha256-") for s in scripts[1:]), scripts
            assert policy["style-src"] == ["'self'"]
            assert policy["default-src"] == ["'self'"]
            assert policy["object-src"] == ["'none'"]
            assert policy["base-uri"] == ["'none'"]
            assert policy["frame-ancestors"] == ["'none'"]
            # The map tiles are the one remote resource.
            assert policy["img-src"] == ["'self'", "data:", TILES]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            if path == html_path:
                # Inline scripts are only those Datasette puts on every page
                # (its menu script, datasette-leaflet's settings): the same on
                # every plugin page, each allowed by its hash.
                inline = inline_script_hashes(response.text)
                assert sorted(set(inline)) == sorted(scripts[1:]), path
                trusted.append(tuple(sorted(scripts[1:])))
    assert len(set(trusted)) == 1


async def test_error_pages_of_the_plugin_have_the_policy_too(site):
    response = await site.client.get("/-/heritage/monuments/no-such-monument")
    assert response.status_code == 404
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_every_response_is_nosniff(site, fixture_db):
    paths = [p for pair in datasette_pages(fixture_db, limit=1) for p in pair]
    paths += [
        "/fixture/events.csv",
        "/fixture/monuments.geojson",
        "/fixture/sources.csljson",
        "/-/static/app.css",
        "/no-such-page",
    ]
    for path in paths:
        response = await site.client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path


async def test_datasette_pages_keep_their_own_scripts(site):
    # Datasette's pages use inline scripts (SQL editor, cluster map): the
    # strict policy is the plugin's, not imposed on them.
    response = await site.client.get("/fixture/monuments")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers


async def test_policy_follows_a_configured_tile_server(fixture_db):
    site = Datasette(
        immutables=[str(fixture_db)],
        metadata={
            "plugins": {
                "datasette-heritage": {
                    "tile_url": "https://maps.example.org:8443/t/{z}/{x}/{y}.png"
                }
            }
        },
    )
    response = await site.client.get("/-/heritage")
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    assert policy["img-src"] == ["'self'", "data:", "https://maps.example.org:8443"]
    assert 'data-tile-url="https://maps.example.org:8443/t/{z}/{x}/{y}.png"' in response.text


# -- in the browser ----------------------------------------------------------

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.mark.browser
def test_browser_finds_no_violation_and_refuses_injected_script(browser, real_server, real_db):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    tile_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            tile_requests.append(request.url) if "tile.openstreetmap.org" in request.url else None
        ),
    )
    # Every kind of plugin page, with and without a map.
    pages = plugin_pages(real_db, limit=1)
    for html_path, _ in pages:
        page.goto(real_server + html_path)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__violations")
        assert violations == [], (html_path, violations)
        assert not [m for m in console if "Content Security Policy" in m], (html_path, console)
    # The maps asked for their tiles: the policy lets them through (the
    # requests themselves fail here, without internet).
    assert tile_requests, "no map tile was requested"

    page.goto(real_server + pages[0][0])
    page.wait_for_load_state("networkidle")
    # Script that got into the page as markup cannot run: neither an inline
    # <script> nor an event handler attribute.
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 1';
        document.body.appendChild(s);
        document.body.insertAdjacentHTML('beforeend',
            '<img src="data:," onerror="window.__pwned = 2">' +
            '<a id="js-link" href="javascript:window.__pwned = 3">x</a>');
    }""")
    page.click("#js-link")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    violations = page.evaluate("window.__violations")
    assert len([v for v in violations if v.startswith("script-src")]) >= 2, violations
    context.close()
