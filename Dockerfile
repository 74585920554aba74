# syntax=docker/dockerfile:1
# Build: the toolchain and C compilers needed by the bundled SQLite, libpq and
# OpenSSL (nothing is linked from the system at run time).
FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends perl make pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY assets ./assets
COPY templates ./templates
COPY benches ./benches
RUN cargo build --release --locked --bin ocop-trace \
 && cp target/release/ocop-trace /ocop-trace

# Runtime: a slim Debian with CA certificates and curl for the health check.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /srv/ocop-trace --create-home ocop
COPY --from=build /ocop-trace /usr/local/bin/ocop-trace
WORKDIR /srv/ocop-trace
USER ocop
VOLUME ["/srv/ocop-trace/data"]
ENV BIND_ADDRESS=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///srv/ocop-trace/data/ocop-trace.sqlite \
    LOG_FORMAT=json \
    OCOP_PRODUCTION=true
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# JWT_SECRET (>= 32 bytes) and PUBLIC_BASE_URL must be given at run time.
ENTRYPOINT ["ocop-trace"]
CMD ["serve"]
