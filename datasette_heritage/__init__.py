"""datasette-heritage: a tracker of damage to cultural heritage, published with Datasette.

``build`` reads the records under ``data/``, checks them and writes the SQLite
database; ``site`` is the Datasette plugin that publishes it. The build never
imports Datasette, and the site never imports the build.
"""
