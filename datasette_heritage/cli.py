"""The ``datasette-heritage`` command: build and validate the database.

Each command imports what it needs when it runs: ``--help`` and ``schemas``
load no YAML, JSON Schema or SQLite library, ``validate`` no SQLite library,
and nothing here imports Datasette but the commands that serve.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .build.data_files import discover_files
from .build.problems import BuildError
from .build.schema_check import RECORD_TYPES, schema_path

if TYPE_CHECKING:
    from .build.build_summary import BuildSummary


@click.group()
@click.version_option(package_name="datasette-heritage")
def cli() -> None:
    """Build and check the datasette-heritage database from YAML records."""


def _fail(error: BuildError) -> None:
    click.echo(error.report(), err=True)
    sys.exit(1)


def _with_progress(data_dir: Path, label: str, run: Callable[[Callable | None], object]):
    total = len(discover_files(data_dir)) if data_dir.is_dir() else 0
    # Only draw a bar on a terminal and for a build long enough to watch.
    show = sys.stderr.isatty() and total > 50
    if not show:
        return run(None)
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        return run(lambda _path: bar.update(1))


def _guard(action: Callable[[], None]) -> None:
    try:
        action()
    except BuildError as error:
        _fail(error)
    except OSError as error:
        click.echo(f"error: {error.filename or ''}: {error.strerror}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing was written", err=True)
        sys.exit(130)


@cli.command()
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.argument("db_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--full", is_flag=True, help="Read every file, even if DB_PATH was built from most of them."
)
@click.option(
    "--in-place",
    is_flag=True,
    help="Apply changes to DB_PATH in one SQLite transaction instead of to a "
    "copy: faster for a large database, but not while a server reads it.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Write the database even if DATA_DIR holds no records (only vocabularies).",
)
@click.option(
    "--no-spare",
    is_flag=True,
    help="Do not keep the replaced database beside DB_PATH as .DB_NAME.previous "
    "(it takes as much disk as DB_PATH; without it the next build copies DB_PATH).",
)
def build(
    data_dir: Path, db_path: Path, full: bool, in_place: bool, allow_empty: bool, no_spare: bool
) -> None:
    """Validate the records in DATA_DIR and write them to the SQLite file DB_PATH.

    The new database is written beside DB_PATH and swapped in only when it is
    complete and checked: on any problem the previous DB_PATH is untouched.
    Problems are printed one per line as FILE:LINE: field: problem (expected).

    When DB_PATH was built by this command from DATA_DIR, only the files that
    changed since are read again (and those whose checks depend on them); the
    result is what a full build would give. Such a build keeps the file it
    replaces as .DB_NAME.previous beside DB_PATH, and the next one brings
    that file up to date instead of copying DB_PATH, unless a process (a
    server) still has it open.

    Example: datasette-heritage build data/ heritage.db
    """
    from .build.pipeline import build as build_database

    def run() -> None:
        summary = _with_progress(
            data_dir,
            "Building",
            lambda on_file: build_database(
                data_dir,
                db_path,
                on_file,
                incremental=not full,
                in_place=in_place,
                allow_empty=allow_empty,
                keep_spare=not no_spare,
            ),
        )
        _print_summary(summary, db_path)

    _guard(run)


@cli.command()
@click.argument("data_dir", type=click.Path(path_type=Path))
def validate(data_dir: Path) -> None:
    """Check the records in DATA_DIR as the build does, writing nothing.

    Example: datasette-heritage validate data/
    """
    from .build.records import validate as validate_data

    def run() -> None:
        stats = _with_progress(
            data_dir, "Checking", lambda on_file: validate_data(data_dir, on_file)
        )
        rows = ", ".join(f"{n} {t}" for t, n in stats.rows.items())
        click.echo(
            f"{data_dir}: {stats.files} files OK ({rows}); "
            f"{stats.citations_verified} citations verified, "
            f"{stats.citations_unverified} unverified (source has no text)"
        )
        _print_warnings(stats.warnings)

    _guard(run)


@cli.command()
def schemas() -> None:
    """Print the paths of the JSON Schemas for the YAML record files.

    Point an editor's YAML support at them, e.g. for VS Code's YAML extension
    add to settings.json: "yaml.schemas": {"PATH": "data/events/*.yml"}.
    """
    for record_type in RECORD_TYPES:
        click.echo(f"{record_type}\t{schema_path(record_type)}")


@cli.command("serve-options")
@click.option(
    "--metadata",
    "-m",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The site's metadata.yml: also print the options that serve it.",
)
@click.option(
    "--config-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write the files derived from --metadata that Datasette reads "
    "(created if missing; files already up to date are not rewritten).",
)
def serve_options(metadata: Path | None, config_dir: Path | None) -> None:
    """Print the `datasette serve` options for the public site.

    Used by scripts/serve.sh, the Dockerfile and the publish commands, e.g.

    datasette serve -i heritage.db --inspect-file heritage.inspect.json
    $(datasette-heritage serve-options -m metadata.yml --config-dir heritage.config)

    With --metadata, the metadata and configuration are written into
    --config-dir in the form the installed Datasette reads: metadata.yml as
    it is for Datasette 0.65; for 1.0, a metadata.yml and a datasette.yml
    derived from it. The options printed name them (-m, and -c for 1.0).
    """
    # Imports Datasette: only here.
    from .site.serving import serve_options as options
    from .site.serving import write_config

    printed: list[str] = []
    if metadata is not None:
        if config_dir is None:
            raise click.UsageError(
                "--metadata needs --config-dir (where to write what Datasette reads)"
            )
        printed += write_config(metadata, config_dir)
    click.echo(" ".join(printed + options()))


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--citations",
    "-n",
    type=click.IntRange(min=1),
    required=True,
    help="Number of citations; sites, monuments, events and sources scale with it.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Same seed, byte-identical corpus."
)
def synth(out_dir: Path, citations: int, seed: int) -> None:
    """Write a synthetic corpus in the layout of data/ into OUT_DIR, for
    benchmarks and scale tests (N citations: about N/1000 sites, N/10
    monuments, 3N/10 events, N/50 sources).

    Example: datasette-heritage synth /tmp/corpus --citations 1000000
    """
    from .synth import synthesize

    if out_dir.exists() and any(out_dir.iterdir()):
        click.echo(f"error: {out_dir}: not empty (expected a new or empty folder)", err=True)
        sys.exit(1)
    summary = synthesize(out_dir, citations, seed)
    counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in summary.counts.items())
    click.echo(f"Wrote {summary.files:,} files to {out_dir} in {summary.seconds:.1f}s: {counts}")


DATA_OPTION = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="data",
    show_default=True,
    help="The data directory (with sources/, events/ ...).",
)


def _editor_guard(action: Callable[[], None]) -> None:
    from .editor.sources_folder import EditorError

    try:
        action()
    except EditorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"error: {error.filename or ''}: {error.strerror}", err=True)
        sys.exit(1)


@cli.command("add-source")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@DATA_OPTION
def add_source(file: Path, data_dir: Path) -> None:
    """Add the article in FILE as a source: a web page saved from the browser
    (.html), a PDF or a plain text. Writes its main text (no navigation, ads,
    related links or comments) to DATA_DIR/sources/ID.txt and its record to
    ID.yml, with the title, date, credit, outlet, address and language the
    file gives; says what it could not find, for you to fill in. The id is
    the date and the headline's words. Never overwrites a file; an article
    already added (the same text) is refused with its id.

    Example: datasette-heritage add-source ~/Downloads/article.html
    """
    from .editor.add_source import add_source as add

    def run() -> None:
        added = add(file, data_dir)
        article = added.article
        paragraphs = article.text.count("\n\n") + 1
        click.echo(f"Added source {added.id}")
        click.echo(f"  {added.record_file}")
        click.echo(
            f"  {added.text_file} ({paragraphs:,} paragraphs, {len(article.text):,} characters)"
        )
        if article.missing:
            click.echo(
                f"Not in the file, fill in by hand in {added.record_file.name}: "
                + ", ".join(article.missing)
            )
        if article.language_guessed and article.language:
            click.echo(f"Language guessed from the text: {article.language} (check it)")
        click.echo(
            "Check the text against the original, then cite it: "
            f'datasette-heritage quote {added.id} "words of the passage"'
        )

    _editor_guard(run)


@cli.command()
@click.argument(
    "data_dir", type=click.Path(path_type=Path, file_okay=False), default="data", required=False
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default: 8001, or the next free one).",
)
@click.option(
    "--metadata",
    "-m",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Datasette metadata (default: metadata.yml beside DATA_DIR, if there is one).",
)
def dev(data_dir: Path, host: str, port: int | None, metadata: Path | None) -> None:
    """Build DATA_DIR (default: data), serve the site locally and rebuild it on
    every save: reload the page to see a change, no restart. While the data has
    problems the last good build stays served, and the problems are printed
    here and shown in a banner on every page.

    For editing only: the public site is served with scripts/serve.sh
    (immutable, read-only, cached). If port 8001 is taken, the next free port
    is used; a second `dev` of the same DATA_DIR says where the first one is.

    Example: datasette-heritage dev data/
    """
    from .editor.dev import run_dev

    if metadata is None and (Path(data_dir).resolve().parent / "metadata.yml").is_file():
        metadata = Path(data_dir).resolve().parent / "metadata.yml"
    _editor_guard(lambda: run_dev(data_dir, host, port, metadata, lambda m: click.echo(m)))


@cli.command()
@click.argument("source_id")
@click.argument("words")
@DATA_OPTION
@click.option(
    "--candidates",
    "-n",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="At most this many passages when several are alike.",
)
def quote(source_id: str, words: str, data_dir: Path, candidates: int) -> None:
    """Find the passage of source SOURCE_ID that WORDS mean, despite typos,
    missing words or other quotation marks and dashes, and print it as a
    citation to paste under an event's citations:. Several candidates are
    printed when the words fit more than one passage.

    Example: datasette-heritage quote 2016-12-11-isis-regains-control-of-palmyra
    "russia said it repelled militants"
    """
    from .build.quotes import describe_differences
    from .editor.find_quote import citation_block, one_line, search
    from .editor.sources_folder import EditorError, find_source

    def run() -> None:
        source = find_source(data_dir, source_id)
        text = source.text()
        if text is None:
            raise EditorError(
                f"{source.record_file}: source {source_id!r} has no text_file, so there is "
                "no text to quote from (expected a source with its text stored)"
            )
        found = search(words, text, limit=candidates)
        if not found.candidates:
            raise EditorError(
                f"no passage of {source_id!r} is like {words!r} "
                "(expected some words of its text; check the source id)"
            )
        several = len(found.candidates) > 1
        if found.exact and found.occurrences > 1:
            click.echo(
                f"# {source_id}: found word for word, {found.occurrences} times; the build "
                "locates the first: add words to point at another"
            )
        elif found.exact:
            click.echo(f"# {source_id}: found word for word")
        elif several:
            click.echo(
                f"# {len(found.candidates)} passages of {source_id} are like those words; "
                "keep the one you mean:"
            )
        for number, candidate in enumerate(found.candidates, 1):
            if not found.exact:
                differences = describe_differences(words, one_line(candidate.passage))
                label = f"{number}. " if several else "closest passage: "
                click.echo(f"# {label}{differences or 'the same words'}")
            click.echo(citation_block(source_id, candidate.passage), nl=False)

    _editor_guard(run)


def _print_summary(summary: BuildSummary, db_path: Path) -> None:
    click.echo(f"Built {db_path} from {summary.files} files in {summary.seconds:.2f}s")
    if summary.files_reread is not None:
        click.echo(
            f"  (incremental: re-read {summary.files_reread} changed file(s) "
            "and files that depend on them)"
        )
    width = max(len(t) for t in summary.tables)
    for table, count in summary.tables.items():
        click.echo(f"  {table:<{width}}  {count:>9,}")
    click.echo(
        f"  citations verified against source text: {summary.citations_verified:,}; "
        f"unverified (no text): {summary.citations_unverified:,}"
    )
    _print_warnings(summary.warnings)


def _print_warnings(warnings: list) -> None:
    """Lines that did not stop the build, in the problems' form."""
    for warning in warnings[:50]:
        click.echo(str(warning), err=True)
    if len(warnings) > 50:
        click.echo(f"... and {len(warnings) - 50} more warning(s) not shown", err=True)


if __name__ == "__main__":
    cli()
