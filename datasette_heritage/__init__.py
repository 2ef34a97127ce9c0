"""datasette-heritage: a Datasette plugin for a tracker of damage to cultural heritage.

The plugin hooks live here and stay thin; each calls a function in a module
named for its job.
"""

from datasette import hookimpl

from . import cells, facets, renderers


@hookimpl
def register_facet_classes():
    return facets.FACET_CLASSES


@hookimpl
def register_output_renderer(datasette):
    return renderers.RENDERERS


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.render_cell(datasette, database, row, value, column, table)
