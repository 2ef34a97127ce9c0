"""What differs between Datasette 0.65 and 1.0, in one place.

The plugin supports both from one codebase. Each function here asks the
installed Datasette what it can do (an attribute, a parameter) rather than
reading its version number, so a later alpha that keeps an API keeps working.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from jinja2 import Environment


@functools.cache
def takes_separate_config() -> bool:
    """Whether Datasette reads its configuration (plugin settings, saved
    queries, table options, permissions) from a file of its own, ``-c
    datasette.yml`` (1.0), rather than from the metadata (0.65)."""
    # Imported here: Datasette imports its plugins (this one) while
    # datasette.app itself is being imported.
    from datasette.app import Datasette

    return "config" in inspect.signature(Datasette.__init__).parameters


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
