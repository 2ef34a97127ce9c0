"""The editors' tools: add a source from a saved article (extract,
add_source), find the exact passage to cite (find_quote) and serve the site
locally while editing (dev). The command line (cli.py) calls them; only dev
imports Datasette."""
