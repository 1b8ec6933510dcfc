# NetBox from PyPI for a suite, on the PostgreSQL and Redis started by
# start_postgres and start_redis, served by gunicorn on a 127.0.0.1 port, its
# instance root (NETBOX_ROOT: configuration, media, logs) in a directory.
# Sourced by interop/lib.sh.
#
#   start_netbox DIR PORT   (after start_postgres and start_redis)
#   stop_netbox             (idempotent; call it from the EXIT trap before stop_postgres)
#   outage_netbox           (a crash: gunicorn and its workers killed, requests in flight dropped)
#   resume_netbox           (served again on the same URL; stop_netbox stops it as before)
#
# start_netbox exports:
#   NETBOX_URL=http://127.0.0.1:PORT
#   NETBOX_TOKEN     a v2 token, `nbt_<key>.<secret>`: send `Authorization: Bearer $NETBOX_TOKEN`
#   NETBOX_TOKEN_V1  a legacy v1 token (40 characters): send `Authorization: Token $NETBOX_TOKEN_V1`
#   NETBOX_ADMIN_USER, NETBOX_ADMIN_PASSWORD   the superuser both tokens belong to (web UI login)
#   NETBOX_VERSION   the installed package's version; NETBOX_PID, NETBOX_LOG (gunicorn's error log)
# Secrets are in those variables and in 0600 files under DIR, never printed.
#
# NetBox runs from interop/.netbox-venv (Python >= 3.12; interop/netbox/requirements.txt,
# rebuilt when that file changes). Its database schema comes from `netbox migrate`
# (minutes); the migrated, still empty database is kept as a pg_dump in the venv
# and restored on later runs (seconds) after `migrate --check` confirms the dump
# has every migration of the installed NetBox. NETBOX_NO_DUMP=1 forces migrate.

NETBOX_VENV="$INTEROP_DIR/.netbox-venv"

# A Python >= 3.12: $NETBOX_PYTHON, python3.13/python3.12 on PATH, or pyenv's.
netbox_python() {
  local c
  for c in ${NETBOX_PYTHON:-} python3.13 python3.12 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 \
      && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c"
      return 0
    fi
  done
  echo "interop: missing tool: Python >= 3.12 for NetBox (set NETBOX_PYTHON, or install one with pyenv)" >&2
  return 1
}

# netbox_venv LOG: builds interop/.netbox-venv unless it matches the requirements.
netbox_venv() {
  local log="$1" req="$INTEROP_DIR/netbox/requirements.txt" stamp="$NETBOX_VENV/.requirements.sha" want py
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  py="$(netbox_python)" || return 1
  echo "interop: building the NetBox venv with $py"
  rm -rf "$NETBOX_VENV"
  if ! { "$py" -m venv "$NETBOX_VENV" \
    && timeout 600 "$NETBOX_VENV/bin/pip" install -q --upgrade pip \
    && timeout 1800 "$NETBOX_VENV/bin/pip" install -q -r "$req"; } >>"$log" 2>&1; then
    show_log "installing NetBox into $NETBOX_VENV failed" "$log"
    rm -rf "$NETBOX_VENV"
    return 1
  fi
  echo "$want" >"$stamp"
}

# netbox_cmd SECONDS ARGS...: the `netbox` management command for the instance
# under $NETBOX_ROOT, killed after SECONDS.
netbox_cmd() {
  local secs="$1"
  shift
  NETBOX_ROOT="$NETBOX_ROOT" timeout "$secs" "$NETBOX_VENV/bin/netbox" "$@"
}

# netbox_status_ok: /api/status/ answers 200 to the v2 token (read from its file, not argv).
netbox_status_ok() {
  python3 - "$NETBOX_URL" "$NETBOX_DIR/token" <<'PY'
import sys, urllib.request
url, token_file = sys.argv[1], sys.argv[2]
token = open(token_file).read()
req = urllib.request.Request(url + "/api/status/", headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
with urllib.request.urlopen(req, timeout=5) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# The migrated database: from the cached dump when it is complete, else migrate (and cache it).
netbox_schema() {
  local log="$1" dump pgmajor
  pgmajor="$(basename "$(dirname "$PG_BIN")")"
  dump="$NETBOX_VENV/migrated-pg$pgmajor.dump"
  if [ -f "$dump" ] && [ -z "${NETBOX_NO_DUMP:-}" ]; then
    if PGPASSWORD="$PG_PASSWORD" timeout 300 "$PG_BIN/pg_restore" --no-owner --role="$PG_USER" \
      -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" "$dump" >>"$log" 2>&1 \
      && netbox_cmd 300 migrate --check >>"$log" 2>&1; then
      echo "netbox: schema restored from $(basename "$dump")"
      return 0
    fi
    echo "netbox: the cached schema $(basename "$dump") is stale or broken; migrating from scratch"
    rm -f "$dump"
    psql_admin -d postgres >>"$log" 2>&1 <<SQL || { show_log "recreating database $PG_DATABASE failed" "$log"; return 1; }
DROP DATABASE "$PG_DATABASE";
CREATE DATABASE "$PG_DATABASE" OWNER "$PG_USER";
SQL
  fi
  if ! netbox_cmd 1200 migrate --no-input >>"$log" 2>&1; then
    show_log "netbox migrate failed or took over 20 min" "$log"
    return 1
  fi
  # Cache the migrated, empty database (no users or tokens yet); atomically.
  if PGPASSWORD="$PG_PASSWORD" timeout 300 "$PG_BIN/pg_dump" -Fc -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DATABASE" -f "$dump.tmp" >>"$log" 2>&1; then
    mv "$dump.tmp" "$dump"
  else
    rm -f "$dump.tmp"
    echo "netbox: could not cache the migrated schema (carrying on)" >&2
  fi
}

start_netbox() {
  local dir="$1" port="$2" log t0
  if [ -z "${PG_PORT:-}" ] || [ -z "${REDIS_PORT:-}" ]; then
    echo "interop: start_netbox needs start_postgres and start_redis first" >&2
    return 1
  fi
  mkdir -p "$dir"
  NETBOX_DIR="$(cd "$dir" && pwd)"
  chmod 700 "$NETBOX_DIR"
  NETBOX_ROOT="$NETBOX_DIR/root"
  NETBOX_LOG="$NETBOX_DIR/gunicorn.log"
  log="$NETBOX_DIR/setup.log"
  t0=$SECONDS
  netbox_venv "$log" || return 1
  NETBOX_VERSION="$("$NETBOX_VENV/bin/netbox" version)"
  echo "netbox: venv ready (NetBox $NETBOX_VERSION) after $((SECONDS - t0)) s"

  mkdir -p "$NETBOX_ROOT/conf"
  cp "$INTEROP_DIR/netbox/configuration.py" "$NETBOX_ROOT/conf/configuration.py"
  "$NETBOX_VENV/bin/python" "$INTEROP_DIR/netbox/instance.py" configure "$NETBOX_ROOT" >>"$log" 2>&1 \
    || { show_log "writing the NetBox configuration failed" "$log"; return 1; }
  netbox_schema "$log" || return 1
  echo "netbox: schema ready after $((SECONDS - t0)) s"
  NETBOX_ROOT="$NETBOX_ROOT" timeout 300 "$NETBOX_VENV/bin/python" "$INTEROP_DIR/netbox/instance.py" bootstrap "$NETBOX_DIR" >>"$log" 2>&1 \
    || { show_log "creating the NetBox superuser and tokens failed" "$log"; return 1; }

  netbox_serve "$port" || return 1
  echo "netbox: serving $NETBOX_URL after $((SECONDS - t0)) s"
  NETBOX_TOKEN="$(cat "$NETBOX_DIR/token")"
  NETBOX_TOKEN_V1="$(cat "$NETBOX_DIR/token-v1")"
  NETBOX_ADMIN_PASSWORD="$(cat "$NETBOX_DIR/admin-password")"
  export NETBOX_TOKEN NETBOX_TOKEN_V1 NETBOX_ADMIN_USER=interop-admin NETBOX_ADMIN_PASSWORD NETBOX_VERSION
}

# netbox_serve PORT: gunicorn for the configured instance on 127.0.0.1:PORT,
# until /api/status/ answers; sets NETBOX_PID and NETBOX_URL.
netbox_serve() {
  local port="$1"
  # gunicorn, not `runserver`: NetBox's own production server (a dependency of
  # the package), several workers, so concurrent API calls are served
  # concurrently, as by a real deployment; static files by Django's handler
  # (interop/netbox/static_wsgi.py) where a deployment has nginx.
  NETBOX_ROOT="$NETBOX_ROOT" "$NETBOX_VENV/bin/gunicorn" --bind "127.0.0.1:$port" \
    --workers 3 --threads 2 --timeout 120 --chdir "$NETBOX_DIR" \
    --pythonpath "$INTEROP_DIR/netbox" \
    --error-logfile "$NETBOX_LOG" --access-logfile "$NETBOX_DIR/access.log" \
    static_wsgi:application </dev/null >>"$NETBOX_DIR/setup.log" 2>&1 &
  NETBOX_PID=$!
  export NETBOX_URL="http://127.0.0.1:$port"
  wait_until 120 "NetBox /api/status/ on $NETBOX_URL" "$NETBOX_LOG" "$NETBOX_PID" netbox_status_ok
}

# outage_netbox: an outage, as a crash: gunicorn's master and its workers
# killed (SIGKILL: requests in flight dropped, their transactions rolled
# back), the master reaped, the workers gone (the port free); PostgreSQL and
# Redis keep running. resume_netbox serves the same instance on the same URL.
outage_netbox() {
  [ -n "${NETBOX_PID:-}" ] || return 0
  local workers w end
  workers="$(pgrep -P "$NETBOX_PID" || true)"
  kill -KILL "$NETBOX_PID" 2>/dev/null || true
  # shellcheck disable=SC2086 # one pid per word
  [ -z "$workers" ] || kill -KILL $workers 2>/dev/null || true
  wait "$NETBOX_PID" 2>/dev/null || true
  NETBOX_PID=""
  end=$((SECONDS + 10))
  for w in $workers; do
    # Gone, or a zombie waiting for init: either way it holds no socket.
    while [ "$SECONDS" -lt "$end" ] && [ -n "$(ps -o stat= -p "$w" | grep -v Z || true)" ]; do
      read -rt 0.1 <> <(:) || true   # 100 ms wait without spawning sleep(1)
    done
  done
}

resume_netbox() {
  local t0=$SECONDS
  netbox_serve "${NETBOX_URL##*:}" || return 1
  echo "netbox: serving $NETBOX_URL again after $((SECONDS - t0)) s"
}

stop_netbox() {
  [ -n "${NETBOX_PID:-}" ] || return 0
  # gunicorn's master stops its workers on SIGTERM (graceful, up to --graceful-timeout 30 s).
  stop_pid "$NETBOX_PID" 35
  NETBOX_PID=""
}
