# Shared by the scripts that run the release build against demo data: source
# it, then `demo_start`, and `demo_token <kind>` for an access token.
# Sets: bin, work (a temporary directory, removed on exit), port, base,
# server (the pid), db (the demo's SQLite file).

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocop-trace/target}"

# BIN=path/to/ocop-trace runs a given build instead of building this checkout.
demo_build() {
  if [ -z "${BIN:-}" ]; then
    cargo build --release --locked --quiet --bin ocop-trace
  fi
  bin="${BIN:-$CARGO_TARGET_DIR/release/ocop-trace}"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until the server answers /healthz (up to 60 s); fails if it died.
wait_healthy() {
  for _ in $(seq 1 600); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { echo "the server exited; its log:" >&2; tail -20 "$work/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "the server did not answer /healthz within 60 s" >&2
  return 1
}

# demo_start [extra arguments of `ocop-trace demo`]: a fresh demo on a free
# loopback port; the public scan's rate limit raised (the scripts are the
# only client). Environment set by the caller passes through.
demo_start() {
  demo_build
  work="$(mktemp -d)"
  port=$(free_port)
  base="http://127.0.0.1:$port"
  ( cd "$work" && SCAN_BURST="${SCAN_BURST:-1000000000}" SCAN_RATE_PER_MINUTE="${SCAN_RATE_PER_MINUTE:-1000000000}" \
      LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" \
      exec "$bin" demo --bind "127.0.0.1:$port" --public-base-url "$base" "$@" >banner.txt 2>server.log ) &
  server=$!
  trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
  wait_healthy
  db="$work/data/demo.sqlite"
}

# The demo's API key of the first organization of a kind
# (admin, authority, producer, retailer), as its banner prints them.
demo_key() {
  awk -v kind="$1" '$1 == kind && $NF ~ /^ocop_/ {print $NF; exit}' "$work/banner.txt"
}

# An access token for an API key.
token_for_key() {
  curl -fs -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"api_key\":\"$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

demo_token() {
  token_for_key "$(demo_key "$1")"
}
