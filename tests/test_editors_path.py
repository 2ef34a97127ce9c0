"""The editors' path end to end, in a temporary folder, as docs/editors-guide.md
walks it: a saved news page -> add-source -> quote -> an event in YAML -> the
dev server shows the claim highlighted on the source page, in Chromium; and
the passage selected on that page gives the same citation as `quote`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from datasette_heritage.cli import cli

from .conftest import FIXTURE_DATA, free_port, local_page
from .test_dev import DevServer, until

pytestmark = pytest.mark.browser

SAVED_PAGE = Path(__file__).parent / "fixtures" / "articles" / "wire-story.html"
SOURCE = "2017-01-20-militants-blow-up-roman-gate-in-tell-zahra"
PASSAGE = "The gate, built in the second century, was destroyed with explosives on Thursday evening"


def command(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_saved_article_to_a_claim_on_the_page(browser, tmp_path, artifacts):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    saved = shutil.copy(SAVED_PAGE, downloads / "Militants blow up Roman gate.html")

    # The dev server runs from the start, as the guide says.
    server = DevServer(data, tmp_path / "cache", "--port", str(free_port())).started()
    try:
        # 1. The saved page becomes a source.
        added = command("add-source", str(saved), "--data", str(data))
        assert f"Added source {SOURCE}" in added
        record_file = data / "sources" / f"{SOURCE}.yml"
        record = record_file.read_text(encoding="utf-8")
        record_file.write_text(
            record.replace("source_type: null", "source_type: news-media"), encoding="utf-8"
        )

        # 2. The passage from approximate words (a typo, a word left out).
        printed = command(
            "quote",
            SOURCE,
            "the gate built in the second centry was destroyed with explosives on Thursday evening",
            "--data",
            str(data),
        )
        citation = yaml.safe_load(printed)[0]
        assert citation["quote"] == PASSAGE

        # 3. An event citing it, the block pasted as printed.
        block = printed[printed.index("- source_id") :]
        block = block.replace("claimant:  ", "claimant: Tell Zahra Monitoring Group  ", 1)
        event = (
            "- id: roman-gate-blown-up-2017-01\n"
            "  kind: damage\n"
            "  title: Roman gate blown up\n"
            "  date: 2017-01-19\n"
            "  site_id: testopolis\n"
            "  monuments:\n"
            "    - monument_id: test-arch\n"
            "      damage_level: destroyed\n"
            "      cause: explosion-heavy-weaponry\n"
            "  citations:\n" + "".join("    " + line + "\n" for line in block.splitlines())
        )
        (data / "events" / "2017.yml").write_text(event, encoding="utf-8")

        # 4. The running server shows the claim, highlighted, without a restart.
        page_path = f"/-/heritage/sources/{SOURCE}"
        until(lambda: "heritage-passage" in server.get(page_path).text, 60, server)
        context, page = local_page(browser, server.url, viewport={"width": 1280, "height": 900})
        page.goto(server.url + page_path)
        mark = page.locator("mark.heritage-passage").first
        assert " ".join(mark.inner_text().split()).startswith(PASSAGE)
        assert "heritage-dev-banner" not in page.content()
        link = page.locator(".heritage-source-text sup.heritage-passage-ref a").first
        assert link.get_attribute("href").endswith("/-/heritage/events/roman-gate-blown-up-2017-01")
        page.screenshot(path=str(artifacts / "editors-path-source.png"))

        # The same passage selected on the page gives the same citation.
        page.evaluate(
            """(passage) => {
            const mark = document.querySelector('mark.heritage-passage');
            const node = mark.firstChild;
            const range = document.createRange();
            range.setStart(node, 0);
            range.setEnd(node, passage.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
            PASSAGE,
        )
        page.get_by_role("button", name="Cite this passage").click()
        shown = page.locator(".heritage-cite-yaml").inner_text()
        assert shown == printed[printed.index("- source_id") :]

        link.click()
        page.wait_for_url("**/events/roman-gate-blown-up-2017-01")
        assert "Tell Zahra Monitoring Group" in page.content()
        context.close()
        assert not page.errors, page.errors
    finally:
        assert server.stop() == 0
