"""Which of the served databases the plugin's pages show.

Plugin configuration names it (``plugins: datasette-heritage: database: NAME``
in metadata); without it, the first database that has the heritage schema.
"""

from __future__ import annotations

import weakref

from datasette.database import Database
from datasette.utils.asgi import NotFound

from ..schema import REQUIRED_TABLES

PLUGIN_NAME = "datasette-heritage"


class HeritageDatabaseMissing(NotFound):
    """No served database can be shown (none has the schema, or the configured
    one is not served or lacks the schema)."""


def configured_name(datasette) -> str | None:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    name = config.get("database") if isinstance(config, dict) else None
    return str(name) if name else None


# An immutable database's tables cannot change while it is served: they are
# read once. Asking on every request would queue each page (and each of
# Datasette's table pages, for their links here) behind whatever holds
# Datasette's few SQL threads, such as visitors' one-second queries.
_table_names: weakref.WeakKeyDictionary[Database, frozenset[str]] = weakref.WeakKeyDictionary()


async def table_names(db: Database) -> frozenset[str]:
    """The database's tables; read once for an immutable database."""
    names = _table_names.get(db)
    if names is None:
        names = frozenset(await db.table_names())
        if not db.is_mutable:
            _table_names[db] = names
    return names


async def has_heritage_schema(db: Database) -> bool:
    return await table_names(db) >= REQUIRED_TABLES


async def heritage_database(datasette) -> Database:
    """The database to show; raises HeritageDatabaseMissing (a 404) with a
    sentence saying why when there is none."""
    name = configured_name(datasette)
    if name is not None:
        db = datasette.databases.get(name)
        if db is None:
            raise HeritageDatabaseMissing(
                f"The {PLUGIN_NAME} plugin is configured to show database {name!r}, "
                f"which is not served"
            )
        if not await has_heritage_schema(db):
            raise HeritageDatabaseMissing(
                f"Database {name!r}, configured for {PLUGIN_NAME}, lacks the heritage "
                f"tables ({', '.join(sorted(REQUIRED_TABLES))})"
            )
        return db
    for db in datasette.databases.values():
        if db.name != "_internal" and await has_heritage_schema(db):
            return db
    raise HeritageDatabaseMissing(
        "No served database has the heritage tables "
        f"({', '.join(sorted(REQUIRED_TABLES))}); build one with `datasette-heritage build`"
    )


async def is_heritage_database(datasette, database: str) -> bool:
    """Whether ``database`` is the one the plugin shows (for links from
    Datasette's own pages)."""
    try:
        return (await heritage_database(datasette)).name == database
    except HeritageDatabaseMissing:
        return False
