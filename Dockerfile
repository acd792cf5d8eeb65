# DTI Open Data: the API with its seeded embedded database, run as a non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DTI_DATABASE_URL=sqlite:////srv/dti/var/dti.sqlite
WORKDIR /srv/dti
COPY pyproject.toml README.md LICENSE ./
COPY api ./api
COPY models ./models
COPY seed ./seed
# DejaVu: the charts' font (every Vietnamese glyph). The data release is built here,
# once, so the read-only image serves it from the first request.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN pip install . && useradd --system --uid 10001 --home /srv/dti dti \
    && mkdir -p var && dti-api seed --quiet \
    && dti-api release --out "var/releases/$(python -c 'import seed.build as b; \
print(b.dataset_version(b.DEFAULT_DATA)[0])')" \
    && chown -R root:root /srv/dti && chmod -R a+rX /srv/dti
USER dti
EXPOSE 8000
# Built to run behind the proxy we ship (deploy/nginx: TLS, client timeouts, request-size
# limits, the HTTP cache), as deploy/compose.yaml does. Alone on a port it still times out
# connections that do not send a whole request within DTI_READ_TIMEOUT_SECONDS, caps open
# connections per address (DTI_MAX_CLIENT_CONNECTIONS) and counts requests, not sockets,
# against DTI_LIMIT_CONCURRENCY; set DTI_TRUSTED_PROXIES to the proxy's address behind one.
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health')"
CMD ["dti-api", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
