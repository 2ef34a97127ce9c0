"""The build: read the records, check them, verify citations, write SQLite."""
