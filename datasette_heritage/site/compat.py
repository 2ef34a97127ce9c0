"""What differs between Datasette 0.65 and 1.0, in one place.

The plugin supports both from one codebase. Each function here asks the
installed Datasette what it can do (an attribute, a parameter) rather than
reading its version number, so a later alpha that keeps an API keeps working.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from jinja2 import Environment

# Shown on every page; Datasette 0.65 falls back to the database's and then
# the instance's values where a table has none, 1.0 does not.
INHERITED_KEYS = ("license", "license_url", "source", "source_url", "about", "about_url")


def takes_separate_config() -> bool:
    """Whether Datasette reads its configuration (plugin settings, saved
    queries, table options, permissions) from a file of its own, ``-c
    datasette.yml`` (1.0), rather than from the metadata (0.65)."""
    # Imported here: Datasette imports its plugins (this one) while
    # datasette.app itself is being imported.
    from datasette.app import Datasette

    # table_config() reads a table's options from that file. (Not the
    # constructor's signature: Datasette's pytest plugin wraps __init__.)
    return hasattr(Datasette, "table_config")


async def ensure_can_view_database(datasette, actor: dict[str, Any] | None, database: str) -> None:
    """Raise Forbidden unless ``actor`` may see the instance and ``database``:
    the permissions of Datasette's own database page."""
    if hasattr(datasette, "ensure_permission"):
        # 1.0: one action at a time, resources as objects.
        from datasette.resources import DatabaseResource

        await datasette.ensure_permission(action="view-instance", actor=actor)
        await datasette.ensure_permission(
            action="view-database", resource=DatabaseResource(database), actor=actor
        )
    else:
        await datasette.ensure_permissions(actor, [("view-database", database), "view-instance"])


def jinja_environment(datasette, request=None) -> Environment:
    """The Jinja environment Datasette renders its pages with (for this
    request, where plugins may change it per request)."""
    if hasattr(datasette, "get_jinja_environment"):
        return datasette.get_jinja_environment(request)
    return datasette.jinja_env


async def instance_title(datasette) -> str | None:
    """The site's title from its metadata."""
    if hasattr(datasette, "get_instance_metadata"):
        # 1.0: metadata is read asynchronously, from the internal database.
        return (await datasette.get_instance_metadata()).get("title")
    return datasette.metadata("title")


async def _metadata_levels(datasette, database: str, table: str) -> list[dict[str, Any]]:
    """The metadata of the table, its database and the instance, in that order."""
    if hasattr(datasette, "get_resource_metadata"):
        # 1.0: metadata lives in Datasette's internal database.
        return [
            await datasette.get_resource_metadata(database, table),
            await datasette.get_database_metadata(database),
            await datasette.get_instance_metadata(),
        ]
    return [
        datasette.metadata(database=database, table=table, fallback=False),
        datasette.metadata(database=database, fallback=False),
        datasette.metadata(fallback=False),
    ]


async def row_page_vars(datasette, database: str | None, table: str | None, view_name: str):
    """Template variables of a row page: ``heritage_row_metadata``, the
    table's description with the licence, source and about it inherits.

    Datasette 1.0 shows no metadata on row pages; 0.65 shows the table's
    description, and its licence only once a table page has filled it in.
    templates/row.html shows this instead, the same on both.
    """
    if view_name != "row" or database is None or table is None:
        return {}
    levels = await _metadata_levels(datasette, database, table)
    metadata = {k: v for k, v in levels[0].items() if k != "columns"}
    for key in INHERITED_KEYS:
        found = next((level[key] for level in levels if level.get(key)), None)
        if found:
            metadata[key] = found
    return {"heritage_row_metadata": metadata}


def renderer(render: Callable[..., Any]) -> Callable[..., Any]:
    """An output renderer's function as the installed Datasette calls it.

    Datasette passes a renderer only the arguments its signature names, and
    0.65 fails on any it does not have. 1.0 gives a failed SQL query's
    error as ``error`` (its ``data`` says ``ok``); 0.65 has no ``error``
    and puts the error in ``data``. ``render`` takes ``error=None``; for
    0.65 it is called through a signature without it.
    """
    from datasette.url_builder import Urls

    # The query page of 1.0 (/db/-/query) is the one that passes error=.
    if hasattr(Urls, "database_query"):
        return render
    signature = inspect.signature(render)
    parameters = [p for p in signature.parameters.values() if p.name != "error"]

    @functools.wraps(render)
    def call(*args: Any) -> Any:
        return render(*args)

    call.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return call
