#!/usr/bin/env bash
# Runs the RealWorld (Conduit) Postman collection with newman against examples/conduit.
# Usage: scripts/conduit-suite.sh [DATABASE_URL]
#   without an argument, the server uses a fresh embedded database (PGlite) in a temp folder.
# Exits non-zero if the server does not start or any assertion fails; always stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

collection=${CONDUIT_COLLECTION:-../shared/realworld/Conduit.postman_collection.json}
if [ ! -f "$collection" ]; then
  echo "conduit-suite: no collection at $collection (set CONDUIT_COLLECTION)" >&2
  exit 1
fi
work=$(mktemp -d)
log="$work/server.log"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

env_args=(PORT=0 HOST=127.0.0.1 DATA_DIR="$work/data")
if [ $# -ge 1 ]; then env_args+=(DATABASE_URL="$1"); fi
env -u DATABASE_URL "${env_args[@]}" node bin/trellis.js start examples/conduit >"$log" 2>&1 &
server=$!

url=""
for _ in $(seq 1 600); do
  url=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | sed 's/^listening on //') || true
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "conduit-suite: the server did not start:" >&2
  cat "$log" >&2
  exit 1
fi

name="u$(date +%s)$RANDOM"
if ! npx --no-install newman run "$collection" \
  --global-var "APIURL=$url/api" \
  --global-var "USERNAME=$name" \
  --global-var "EMAIL=$name@mail.com" \
  --global-var "PASSWORD=password" \
  --reporter-cli-no-console; then
  echo "conduit-suite: assertions failed; the server's log:" >&2
  tail -n 50 "$log" >&2
  exit 1
fi
