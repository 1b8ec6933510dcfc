#!/usr/bin/env bash
# `netwalker serve` used in a real browser: headless Chromium (Debian
# package) driven over the DevTools Protocol (interop/netwalker/serve_browser.py,
# aiohttp's websocket; real key and mouse input) against `netwalker demo
# --devices 60 --serve`:
# - /devices lists the API's devices; a prefix typed in the header search box
#   (Go clicked) lists the API's hits; a hostname submitted with Enter opens
#   that device's page (one hit), which lists the API's neighbours;
# - a neighbour link opens the neighbour; its "neighbours" map, once its
#   script laid it out, draws exactly the devices the API's links put within
#   one hop; the mouse wheel zooms about the pointer; clicking a box shows
#   its details;
# - a box dragged with the mouse moves by the drag, its links (and only
#   those) follow, the release is no click; a reload keeps the position, the
#   two-hop map ("+ hop") keeps its own, "− hop" comes back to the dragged
#   one, "reset layout" restores the original;
# - Reports -> "Models and Versions" has the API's rows; Runs shows the one
#   finished run;
# - every page: one h1, lang, labelled inputs, table headers with scope, Tab
#   focuses the first link with a visible outline;
# - every page but the map has a Content-Security-Policy without script (an
#   injected <script> does not run and is reported); the map's allows its
#   hashed script only, and the browser reports no violation or error there;
# - screenshots of /devices, a device page and the map are not blank
#   (copied to docs/screenshots/ when UPDATE_SCREENSHOTS=1);
# - the server exits 0 within 10 s of SIGINT.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
py="${INTEROP_VENV:-$ROOT/interop/.venv}/bin/python"
need chromium python3
[ -x "$py" ] || { echo "interop: missing tool: $py (interop/setup builds it)" >&2; exit 1; }
"$py" -c 'import aiohttp' || { echo "interop: aiohttp is not installed in $py" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  stop_pid "$server" 10 INT
  rm -rf "$work"
}
trap cleanup EXIT

cargo build -q -p netwalker
netwalker="$TARGET_DIR/debug/netwalker"
port="$(free_port)"
# 80 ms a command: a walk from the browser lasts long enough (seconds) to
# be seen running and its counters change; the first walk ~3 s.
echo "== netwalker demo --devices 60 --command-delay 80ms --serve on 127.0.0.1:$port"
start=$(date +%s%N)
(cd "$work" && exec "$netwalker" demo --devices 60 --command-delay 80ms --out "$work/out" --serve \
  --listen "127.0.0.1:$port" --quiet >"$work/serve.out" 2>"$work/serve.err") &
server=$!
wait_until 60 "netwalker demo --serve printing its URL" "$work/serve.err" "$server" \
  grep -q '^netwalker serve: .* at http://' "$work/serve.out"
url="$(grep -o 'http://[^ ]*' "$work/serve.out" | head -1)"
echo "walked and serving at $url after $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$url" = "http://127.0.0.1:$port/" ] || { echo "the printed URL $url is not the address asked for" >&2; exit 1; }

echo "== Chromium drives the UI"
shots=()
if [ "${UPDATE_SCREENSHOTS:-}" = 1 ]; then
  mkdir -p "$ROOT/docs/screenshots"
  shots=("$ROOT/docs/screenshots")
fi
"$py" "$INTEROP_DIR/netwalker/serve_browser.py" "$url" "$work" "${shots[@]}"
for f in serve-devices serve-device serve-map; do
  [ -s "$work/$f.png" ] || { echo "screenshot $f.png missing" >&2; exit 1; }
done
[ ${#shots[@]} -eq 0 ] || echo "screenshots copied to ${shots[0]}: $(cd "${shots[0]}" && ls -s --block-size=K serve-*.png | tr '\n' ' ')"

# exited PID: PID is gone or a zombie (our child, not yet reaped).
exited() {
  local st
  st="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [ -z "$st" ] || [ "${st:0:1}" = Z ]
}
echo "== SIGINT stops the server"
kill -INT "$server"
start=$SECONDS
rc=0
wait_until 10 "netwalker serve stopping after SIGINT" "$work/serve.err" "" exited "$server" || rc=1
if [ "$rc" -ne 0 ]; then exit 1; fi
rc=0
wait "$server" || rc=$?
server=""
echo "netwalker exited with $rc within $((SECONDS - start)) s of SIGINT"
[ "$rc" -eq 0 ] || { show_log "netwalker demo --serve exited with $rc after SIGINT" "$work/serve.err"; exit 1; }
echo "61-netwalker-serve-chromium: ok"
