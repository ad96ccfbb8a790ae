# syntax=docker/dockerfile:1
# Reskill in a container: a release build in the official Rust image, then a Debian slim
# runtime holding only the binary. Templates, static files and the demo data are compiled in.
#
#   docker build -t reskill .
#   docker run -p 8080:8080 -v reskill-data:/data reskill
#
# deploy/compose.yaml runs it with PostgreSQL.

ARG RUST_VERSION=1.94
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the registry and the build folder between builds; the binary is copied
# out of the cache because the mount is gone once this step ends.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p reskill \
    && cp target/release/reskill /usr/local/bin/reskill

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# A fixed uid so a host folder mounted on /data can be given to it (chown 10001).
RUN groupadd --system --gid 10001 reskill \
    && useradd --system --uid 10001 --gid reskill --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin reskill \
    && mkdir /data && chown reskill:reskill /data
COPY --from=builder /usr/local/bin/reskill /usr/local/bin/reskill

# Listen on every interface inside the container; RESKILL_PUBLIC_URL should still be set to
# the address people reach, for emailed links.
ENV RESKILL_DATA_DIR=/data \
    RESKILL_BIND=0.0.0.0:8080 \
    RESKILL_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# Numeric, so a runtime checking for non-root (Kubernetes runAsNonRoot) can verify it.
USER 10001:10001
WORKDIR /data

# The binary probes itself (`reskill healthcheck` GETs /healthz on RESKILL_BIND), so the image
# needs no curl. The start period covers migrations and the first index build.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["reskill", "healthcheck"]

ENTRYPOINT ["reskill"]
CMD ["serve"]
