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
# - a walk started from the Runs page's form (seeds and depth typed, Walk
#   clicked) shows running; #live-walked changes in the DOM (the page's
#   script, from the event stream) before the page reloads itself at the
#   end, "finished" with the API's end message and a new run row with the
#   API's walked count; a device page's "Walk again" walks that one device;
# - every page: one h1, lang, labelled inputs, table headers with scope, Tab
#   focuses the first link with a visible outline;
# - every page but the map and Runs has a Content-Security-Policy without
#   script (an injected <script> does not run and is reported); those two
#   allow their hashed script only, and the browser reports no violation or
#   error there;
# - screenshots of /devices, a device page and the map are not blank
#   (copied to docs/screenshots/ when UPDATE_SCREENSHOTS=1);
# - the server exits 0 within 10 s of SIGINT;
# - then users on that store (`netwalker user add`, an admin and a viewer,
#   passwords from the environment) and `netwalker serve` on it: /devices
#   redirects to /login?next=/devices (the API answers 401); a wrong
#   password and an unknown user get the same message, no cookie; the
#   viewer's login goes back to /devices with an HttpOnly SameSite session
#   cookie script cannot read; the viewer's Runs page has no start form
#   ("needs the admin role"), no "Walk again", /admin/users 403; Log out
#   (the link, then the POST button) drops the cookie and /devices asks for
#   a login again; the admin's /admin/users lists both users with no
#   password or hash; no password in netwalker's output.
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
"$py" "$INTEROP_DIR/netwalker/serve_browser.py" demo "$url" "$work" "${shots[@]}"
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

echo "== users on the demo's store: netwalker serve asks for a login"
store="$work/out/inventory.sqlite"
NW_ADMIN_PASSWORD="$(rand_hex 12)"
NW_VIEWER_PASSWORD="$(rand_hex 12)"
export NW_ADMIN_PASSWORD NW_VIEWER_PASSWORD
"$netwalker" user add ada --role admin --password-env NW_ADMIN_PASSWORD --store "$store"
"$netwalker" user add vic --role viewer --password-env NW_VIEWER_PASSWORD --store "$store"
port="$(free_port)"
# Device credentials turn walks on (the viewer is then told they need the
# admin role); the lab is gone, so nobody starts one. A config of this
# directory only (no user config).
mkdir -p "$work/xdg"
(cd "$work" && XDG_CONFIG_HOME="$work/xdg" NETWALKER_USERNAME=admin NETWALKER_PASSWORD=admin \
  exec "$netwalker" serve --store "$store" --listen "127.0.0.1:$port" >"$work/serve2.out" 2>"$work/serve2.err") &
server=$!
wait_until 30 "netwalker serve printing its URL" "$work/serve2.err" "$server" \
  grep -q '^netwalker serve: .* at http://' "$work/serve2.out" "$work/serve2.err"
line="$(cat "$work/serve2.out" "$work/serve2.err" | grep '^netwalker serve: .* at http://' | head -1)"
echo "$line"
case "$line" in
  *"at http://127.0.0.1:$port/ (login required, 2 user(s)"*) ;;
  *) echo "netwalker serve does not say it serves 127.0.0.1:$port with a login for 2 users" >&2; exit 1 ;;
esac
"$py" "$INTEROP_DIR/netwalker/serve_browser.py" login "http://127.0.0.1:$port/" "$work"
if grep -qF -e "$NW_ADMIN_PASSWORD" -e "$NW_VIEWER_PASSWORD" "$work"/serve*.out "$work"/serve*.err; then
  echo "a user's password is in netwalker's output" >&2; exit 1
fi
stop_pid "$server" 10 INT
server=""
echo "61-netwalker-serve-chromium: ok"
