"""datasette-heritage: a Datasette plugin for a tracker of damage to cultural heritage.

The plugin hooks live here and stay thin; each calls a function in a module
named for its job.
"""
