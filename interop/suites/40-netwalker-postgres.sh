#!/usr/bin/env bash
# netwalker's inventory store on PostgreSQL (issue #15): Debian's
# PostgreSQL in a throwaway cluster on a free 127.0.0.1 port, and the store
# tests run against it (NETWALKER_TEST_PG_URL): store_basic, store_endhosts
# and store_snapshot on both engines; store_postgres (the writer's advisory
# lock, --fresh, a foreign schema, a newer schema, one netsim walk giving
# the same inventory.json on SQLite and PostgreSQL, and report, diagram,
# find, exec, dns-check and the store-seeded walks on PostgreSQL);
# cli_store_url (the URL's password never shows); serve_api (the API
# gives the same answers from either engine); walk_distributed (three
# `netwalker worker` processes and a `discover --distributed` submitter
# on a 1,000-device lab, one worker SIGKILLed mid-walk: the local walk's
# inventory, only the killed worker's devices walked twice; zones; workers
# stopping clearly when their database is dropped). Each test makes its
# own database and drops it: none may be left behind.
#
# The EXIT trap stops PostgreSQL on every exit path.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

apt_ensure postgresql

work="$(mktemp -d)"
# Parents must be searchable by the `postgres` user the cluster runs as.
chmod 711 "$work"
cleanup() {
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
start_postgres "$work/pg" "$(free_port)" netwalker netwalker
echo "postgres up in $((SECONDS - start)) s"

export NETWALKER_TEST_PG_URL="$PG_URL"
cd "$ROOT"
log="$work/tests.log"
if ! cargo test -q -p netwalker --test store_basic --test store_endhosts --test store_snapshot \
  --test store_postgres --test cli_store_url --test serve_api --test walk_distributed -- --nocapture >"$log" 2>&1; then
  # The log names databases and users, never the password (URLs are masked).
  show_log "the store tests failed on PostgreSQL" "$log"
  show_test_failures "$log"
  exit 1
fi
grep -E "^test result" "$log"
# A test that did not see the server would say so: none may.
if grep -q "NETWALKER_TEST_PG_URL is not set" "$log"; then
  echo "interop: a PostgreSQL test ran without the server" >&2
  exit 1
fi
runs="$(grep -c "^backend: postgres" "$log" || true)"
[ "$runs" -gt 0 ] || { echo "interop: no test ran on the postgres backend" >&2; exit 1; }
left="$(psql_admin -d postgres -tA -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'nwt\_%'")"
[ "$left" = 0 ] || { echo "interop: $left test databases were left behind" >&2; exit 1; }
echo "netwalker postgres suite: $runs backend runs on postgres, $((SECONDS - start)) s"
