# Debian's PostgreSQL for a suite: a throwaway cluster in a directory, on a
# 127.0.0.1 port, with its unix socket inside that directory. Sourced by
# interop/lib.sh (which provides wait_until, show_log, rand_hex).
#
#   start_postgres DIR PORT [DATABASE [USER]]   (defaults: interop, interop)
#   stop_postgres                               (idempotent; call it from the EXIT trap)
#
# start_postgres exports, for the caller and its children:
#   PG_HOST=127.0.0.1  PG_PORT  PG_DATABASE  PG_USER  PG_PASSWORD (random)
#   PG_URL=postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE
#   PG_SOCKET_DIR (trust auth for the superuser `postgres`), PG_LOG, PG_PID, PG_BIN
# and psql_admin ARGS... runs psql as that superuser over the socket.
# USER owns DATABASE and may create databases (tests may want their own).
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the
# `postgres` system user (the package creates it) and DIR is chowned to it,
# so every parent of DIR must be searchable by that user (mktemp -d makes
# 0700 directories: chmod 711 it). Durability is off (fsync, synchronous
# commit, full-page writes): the cluster lives for one test run.
# Never printed: the password (statements that fail are not logged either).

# The newest installed server's bin directory.
pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$d" ] || [ ! -x "$d/postgres" ]; then
    echo "interop: missing tool: PostgreSQL server (/usr/lib/postgresql/*/bin/postgres; Debian package postgresql)" >&2
    return 1
  fi
  echo "$d"
}

# Runs a command as the cluster's owner.
pg_as() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

psql_admin() {
  pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

start_postgres() {
  local dir="$1" port="$2" db="${3:-interop}" user="${4:-interop}" password
  PG_BIN="$(pg_bindir)" || return 1
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    chmod 700 "$dir"
    if ! pg_as test -w "$dir"; then
      echo "interop: user postgres cannot reach $dir (make its parent directories searchable: chmod o+x)" >&2
      return 1
    fi
  fi
  PG_DATA="$dir/data"
  PG_SOCKET_DIR="$dir/sock"
  PG_LOG="$dir/postgres.log"
  pg_as mkdir "$PG_SOCKET_DIR"
  pg_as touch "$PG_LOG"
  if ! pg_as timeout 120 "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >>"$PG_LOG" 2>&1; then
    show_log "initdb failed" "$PG_LOG"
    return 1
  fi
  pg_as tee -a "$PG_DATA/postgresql.conf" >/dev/null <<CONF
# interop: a throwaway cluster on loopback
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCKET_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_error_statement = panic
# bench walk-distributed counts statements per device with it.
shared_preload_libraries = 'pg_stat_statements'
CONF
  # The postmaster runs as our child (not daemonized by pg_ctl): the caller's
  # trap stops it and reaps it.
  # A simple command, not the pg_as function: a backgrounded function would be
  # a subshell between us and the postmaster, and $! its pid.
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- \
      "$PG_BIN/postgres" -D "$PG_DATA" </dev/null >>"$PG_LOG" 2>&1 &
  else
    "$PG_BIN/postgres" -D "$PG_DATA" </dev/null >>"$PG_LOG" 2>&1 &
  fi
  PG_PID=$!
  wait_until 60 "PostgreSQL on 127.0.0.1:$port" "$PG_LOG" "$PG_PID" \
    "$PG_BIN/pg_isready" -q -h "$PG_SOCKET_DIR" -p "$port" -d postgres || return 1
  PG_PORT="$port"
  if ! psql_admin -d postgres >>"$PG_LOG" 2>&1 <<SQL; then
CREATE ROLE "$user" LOGIN CREATEDB;
CREATE DATABASE "$db" OWNER "$user";
-- In template1: every database a test or benchmark creates has the view.
\c template1
CREATE EXTENSION pg_stat_statements;
SQL
    show_log "creating database $db and role $user failed" "$PG_LOG"
    return 1
  fi
  password="$(rand_hex 18)"
  # Its own statement, output dropped: nothing that could echo the password.
  if ! echo "ALTER ROLE \"$user\" PASSWORD '$password';" | psql_admin -d postgres >/dev/null 2>&1; then
    echo "interop: setting the password of role $user failed" >&2
    return 1
  fi
  export PG_HOST=127.0.0.1 PG_PORT PG_DATABASE="$db" PG_USER="$user" PG_PASSWORD="$password" \
    PG_SOCKET_DIR PG_LOG PG_URL="postgres://$user:$password@127.0.0.1:$port/$db"
}

stop_postgres() {
  [ -n "${PG_PID:-}" ] || return 0
  # SIGINT: fast shutdown (clients are disconnected, not waited for).
  stop_pid "$PG_PID" 30 INT
  PG_PID=""
}
