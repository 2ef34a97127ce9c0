#!/usr/bin/env bash
# Build data/ into heritage.db and serve it read-only with Datasette.
# Usage: bash scripts/serve.sh [extra datasette options, e.g. -p 8002]
# HERITAGE_DB=path/to/file.db builds and serves that file instead; PORT sets the port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
db=${HERITAGE_DB:-heritage.db}
inspect="${db%.db}.inspect.json"
.venv/bin/datasette-heritage build data/ "$db"
.venv/bin/datasette inspect "$db" --inspect-file "$inspect"
echo "Serving on http://127.0.0.1:${PORT:-8001}/  (overview: http://127.0.0.1:${PORT:-8001}/-/heritage)"
# Immutable with an inspect file (no --load-extension); the public-site
# settings (suggested facets off, cache TTL for a CDN) come from the package.
exec .venv/bin/datasette serve -i "$db" --inspect-file "$inspect" \
  -m metadata.yml -p "${PORT:-8001}" $(.venv/bin/datasette-heritage serve-options) "$@"
