# sponsorsync as a container image: `docker build -t sponsorsync:0.1.0 .`
# The image runs one command and exits (a scheduler starts it: Kubernetes CronJob, compose, cron).
#   state:   XDG_STATE_HOME=/state, a volume; each CRM org gets its own folder below it
#            (README "Where the state lives"); SPONSORSYNC_STATE_DIR still chooses another place.
#   secrets: files in /run/secrets/sponsorsync (sponsorsync's default secrets directory) named like
#            the settings (SPONSORSYNC_HUBSPOT__ACCESS_TOKEN, ...): mount a Docker or Kubernetes secret
#            there (README "Settings"). No secret is ever baked into the image.

FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md cli.py ./
COPY commands ./commands
COPY connectors ./connectors
COPY sync ./sync
COPY mappings ./mappings
COPY sandbox ./sandbox
RUN python -m venv /opt/sponsorsync \
    && /opt/sponsorsync/bin/pip install --no-cache-dir --disable-pip-version-check ".[fleet]" \
    && /opt/sponsorsync/bin/sponsorsync --version

FROM python:3.11.11-slim-bookworm
RUN groupadd --system --gid 10001 sponsorsync \
    && useradd --system --uid 10001 --gid sponsorsync --home-dir /state --no-create-home \
       --shell /usr/sbin/nologin sponsorsync \
    && mkdir -p /state \
    && chown sponsorsync:sponsorsync /state \
    && chmod 0700 /state
COPY --from=build /opt/sponsorsync /opt/sponsorsync
ENV PATH=/opt/sponsorsync/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XDG_STATE_HOME=/state
VOLUME ["/state"]
WORKDIR /state
USER 10001:10001
# No HEALTHCHECK: each container runs one sync (or one command) and exits; its exit code is its
# health (README "Exit codes"). The compose example gives the long-running sandbox one.
HEALTHCHECK NONE
ENTRYPOINT ["sponsorsync"]
CMD ["--help"]
