#!/usr/bin/env bash
# Compares the SQLite checkout figure of two `omni` builds in alternating runs, so that a
# noisy machine's drift falls on both alike: each run starts a fresh small demo, opens the
# carts, times 10 s of checkouts and stops the server.
#
#   scripts/checkout-ab.sh OLD_BINARY NEW_BINARY [CONCURRENCY] [ROUNDS]
set -euo pipefail
old=$1 new=$2 concurrency=${3:-8} rounds=${4:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run() {
  local bin=$1 data="$dir/data" log="$dir/serve.log"
  rm -rf "$data"
  "$bin" serve --demo --data-dir "$data" --listen 127.0.0.1:18190 >"$log" 2>&1 &
  local server=$!
  for _ in $(seq 1 120); do grep -q "listening" "$log" && break; sleep 0.5; done
  local key
  key=$(awk '/app:web /{print $2}' "$log")
  "$bin" bench checkout --url http://127.0.0.1:18190 --key "$key" \
    --concurrency "$concurrency" --duration 10 --carts $((concurrency * 1000 + 8000)) |
    grep -E "throughput|latency" | tr '\n' ' '
  kill "$server"
  wait "$server" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
  echo "round $round old: $(run "$old")"
  echo "round $round new: $(run "$new")"
done
