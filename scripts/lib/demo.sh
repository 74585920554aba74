# Shared by the scripts that run the release build against demo data: source
# it, then `demo_start`, and `demo_token <kind>` for an access token.
# Sets: bin, work (a temporary directory, removed on exit), port, base,
# server (the pid), db (the demo's SQLite file).

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocop-trace/target}"

# BIN=path/to/ocop-trace runs a given build instead of building this
# checkout; PROFILE another cargo profile (default release).
demo_build() {
  local profile="${PROFILE:-release}"
  if [ -z "${BIN:-}" ]; then
    cargo build --profile "$profile" --locked --quiet --bin ocop-trace
  fi
  bin="${BIN:-$CARGO_TARGET_DIR/$profile/ocop-trace}"
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

# serve_start: `ocop-trace serve` on $database_url (SQLite or PostgreSQL) on
# a free loopback port, logging to $work/server.log; sets port, base, server.
# Extra environment comes from the caller.
serve_start() {
  port="${port:-$(free_port)}"
  base="http://127.0.0.1:$port"
  ( cd "$work" && DATABASE_URL="$database_url" JWT_SECRET="${JWT_SECRET:-scripts-secret-of-at-least-32-bytes-long}" \
      SCAN_BURST=1000000000 SCAN_RATE_PER_MINUTE=1000000000 CODES_PER_DAY=1000000000 \
      TOKEN_TTL_SECONDS=3600 LOG_FORMAT=json RUST_LOG="${RUST_LOG:-info}" \
      exec "$bin" serve --bind "127.0.0.1:$port" --public-base-url "$base" >>"$work/server.log" 2>&1 ) &
  server=$!
  wait_healthy
}

# fresh_database <sqlite|postgres>: sets database_url to an empty database
# ($work/<name>.sqlite, or a new database on TEST_DATABASE_URL's server,
# dropped by drop_database).
fresh_database() {
  case "$1" in
    sqlite) database_url="sqlite://$work/scripts.sqlite" ;;
    postgres)
      local server_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
      pg_db="ocop_scripts_$$_$RANDOM"
      psql -q "$server_url" -c "CREATE DATABASE $pg_db" >/dev/null
      database_url="${server_url%/*}/$pg_db" ;;
    *) echo "unknown backend $1" >&2; return 1 ;;
  esac
}

drop_database() {
  if [ -n "${pg_db:-}" ]; then
    psql -q "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" \
      -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    pg_db=""
  fi
}

# One value from the database under test.
sql() {
  case "$database_url" in
    sqlite://*) sqlite3 "${database_url#sqlite://}" "$1" ;;
    *) psql -qtAX "$database_url" -c "$1" ;;
  esac
}

# call <method> <path> <token> [body] [curl arguments…]: the JSON answer.
call() {
  local method=$1 path=$2 token=$3 body=${4:-}
  shift 4 2>/dev/null || shift $#
  curl -fsS -X "$method" "$base$path" -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' ${body:+--data-binary "$body"} "$@"
}

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# bootstrap_registry <codes>: on a fresh database (before serve_start), an
# authority, a producer and a retailer with API keys; then, served, a farming
# area, a product, a batch and a first run of <codes> codes. Sets
# producer_org, *_key, area, product, batch, run.
# `ocop-trace admin …` on the database under test; its notes go to
# $work/admin.log, shown if it fails.
admin() {
  DATABASE_URL="$database_url" "$bin" admin "$@" 2>>"$work/admin.log" \
    || { echo "ocop-trace admin $1 failed:" >&2; tail -5 "$work/admin.log" >&2; return 1; }
}

bootstrap_keys() {
  local authority_org retailer_org
  authority_org=$(admin create-org --name "Sở Nông nghiệp Hòa Bình" --kind authority)
  producer_org=$(admin create-org --name "HTX Mật ong Hưng Thi" --kind producer --producer-type cooperative)
  retailer_org=$(admin create-org --name "WinMart Hòa Bình" --kind retailer)
  authority_key=$(admin create-key --org "$authority_org")
  producer_key=$(admin create-key --org "$producer_org")
  retailer_key=$(admin create-key --org "$retailer_org")
}

bootstrap_registry() {
  local authority producer
  authority=$(token_for_key "$authority_key")
  producer=$(token_for_key "$producer_key")
  area=$(call POST /api/v1/farming-areas "$authority" '{"code": "VN-HBHO-0007", "name": "Khu nuôi ong Hưng Thi", "province": "Hòa Bình", "farming": "bees"}' | json_field '["id"]')
  call POST "/api/v1/farming-areas/$area/producers" "$authority" "{\"producer_id\": \"$producer_org\"}" >/dev/null
  product=$(call POST /api/v1/products "$producer" '{"name_vi": "Mật ong rừng Hưng Thi", "group": "food"}' | json_field '["id"]')
  batch=$(call POST /api/v1/batches "$producer" "{\"product_id\": \"$product\", \"lot\": \"MOHT-2612\", \"farming_area_codes\": [\"VN-HBHO-0007\"], \"quantity\": 1000000, \"unit\": \"chai\"}" | json_field '["id"]')
  run=$(call POST "/api/v1/batches/$batch/code-runs" "$producer" "{\"count\": $1, \"farming_area_code\": \"VN-HBHO-0007\"}" | json_field '["id"]')
}
