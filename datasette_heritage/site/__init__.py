"""The Datasette plugin of datasette-heritage: the hooks.

The plugin hooks live here and stay thin; each calls a function in a module
named for its job.
"""

from datasette import hookimpl

from . import (
    badges,
    cells,
    compat,
    crawlers,
    datasette_links,
    errors,
    facets,
    middleware,
    pages,
    renderers,
    sql_admission,
    sql_limits,
)


@hookimpl
def register_facet_classes():
    return facets.FACET_CLASSES


@hookimpl
def register_output_renderer(datasette):
    return renderers.renderers()


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.render_cell(datasette, database, row, value, column, table)


@hookimpl
def extra_css_urls(datasette, database, view_name):
    return cells.css_urls(datasette, database, view_name)


@hookimpl
def extra_js_urls(datasette, database, view_name):
    return cells.js_urls(datasette, database, view_name)


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: middleware.wrap(app, datasette)


@hookimpl
def startup(datasette):
    sql_limits.check_supported()
    sql_admission.limit(datasette)  # a malformed setting stops the server here


@hookimpl
def prepare_connection(conn):
    sql_limits.prepare_connection(conn)


@hookimpl
def register_routes(datasette):
    return pages.routes() + crawlers.routes()


@hookimpl
def table_actions(datasette, database, table, request):
    return datasette_links.table_actions(datasette, database, table, request)


@hookimpl
def extra_template_vars(datasette, database, table, view_name, request):
    async def template_vars():
        return {
            **await datasette_links.header_vars(datasette),
            **await datasette_links.row_link_vars(datasette, database, table, view_name, request),
        }

    return template_vars()


@hookimpl(specname="extra_template_vars")
def row_page_metadata(datasette, database, table, view_name):
    return compat.row_page_vars(datasette, database, table, view_name)


@hookimpl
def prepare_jinja2_environment(env):
    env.globals.update(badges.jinja_globals())


@hookimpl
def handle_exception(datasette, request, exception):
    return errors.error_response(datasette, request, exception)
