# The public site as a container image, with the database baked in.
#
#   docker build -t datasette-heritage .
#   docker run --rm -p 8001:8001 datasette-heritage   # http://localhost:8001/-/heritage
#
# Cloud Run (gcloud run deploy --source .) and Fly.io (fly deploy) build and
# run this file as it is; see README.md, "Publishing". Every container from
# the image is an identical, stateless replica: scale out by running more.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The package first, so this layer is reused when only the records change.
COPY setup.py README.md ./
COPY datasette_heritage ./datasette_heritage
RUN pip install .

# The records, checked and built into the database at image build time: a bad
# record fails the build, so a broken site is never deployed. The inspect file
# holds the table counts, so the server does not count rows at startup.
# The metadata is written as the installed Datasette reads it (for 1.0, with
# the datasette.yml derived from it) into heritage.config/, here, as root; the
# server's own run of serve-options finds it up to date and writes nothing.
COPY metadata.yml ./
COPY data ./data
RUN datasette-heritage build data heritage.db \
 && datasette inspect heritage.db --inspect-file heritage.inspect.json \
 && datasette-heritage serve-options -m metadata.yml --config-dir heritage.config

# The server writes nothing: the database is opened immutable (-i).
USER nobody
ENV PORT=8001
EXPOSE 8001
# Cloud Run and Fly set $PORT. The metadata and the settings for a public
# site (suggested facets off, a cache TTL for the CDN) come from the package,
# as in scripts/serve.sh; never --load-extension.
CMD ["sh", "-c", "exec datasette serve -i heritage.db --inspect-file heritage.inspect.json -h 0.0.0.0 -p \"$PORT\" $(datasette-heritage serve-options -m metadata.yml --config-dir heritage.config)"]
