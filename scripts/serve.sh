#!/usr/bin/env bash
# Build data/ into heritage.db and serve it read-only with Datasette.
# Usage: bash scripts/serve.sh [extra datasette options, e.g. -p 8002]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/datasette-heritage build data/ heritage.db
.venv/bin/datasette inspect heritage.db --inspect-file heritage.inspect.json
echo "Serving on http://127.0.0.1:${PORT:-8001}/  (overview: http://127.0.0.1:${PORT:-8001}/-/heritage)"
# Immutable with an inspect file (no --load-extension); the public-site
# settings (suggested facets off, cache TTL for a CDN) come from the package.
exec .venv/bin/datasette serve -i heritage.db --inspect-file heritage.inspect.json \
  -m metadata.yml -p "${PORT:-8001}" $(.venv/bin/datasette-heritage serve-options) "$@"
