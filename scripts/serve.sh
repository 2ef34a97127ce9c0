#!/usr/bin/env bash
# Build data/ into heritage.db and serve it read-only with Datasette.
# Usage: bash scripts/serve.sh [extra datasette options, e.g. -p 8002]
# HERITAGE_DB=path/to/file.db builds and serves that file instead; PORT sets the port;
# HERITAGE_VENV serves from another virtualenv (e.g. .venv/datasette-1.0, see setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin=${HERITAGE_VENV:-.venv}/bin
db=${HERITAGE_DB:-heritage.db}
inspect="${db%.db}.inspect.json"
config_dir="${db%.db}.config"
"$bin/datasette-heritage" build data/ "$db"
"$bin/datasette" inspect "$db" --inspect-file "$inspect"
# metadata.yml as the installed Datasette reads it (for 1.0, with a
# datasette.yml derived from it) and the public-site settings (suggested
# facets off, cache TTL for a CDN), from the package; no --load-extension.
options=$("$bin/datasette-heritage" serve-options -m metadata.yml --config-dir "$config_dir")
echo "Serving on http://127.0.0.1:${PORT:-8001}/  (overview: http://127.0.0.1:${PORT:-8001}/-/heritage)"
# $options is split on spaces on purpose: its paths are the ones above.
exec "$bin/datasette" serve -i "$db" --inspect-file "$inspect" \
  -p "${PORT:-8001}" $options "$@"
