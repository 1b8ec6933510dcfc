#!/usr/bin/env bash
# A real NetBox (PyPI's netbox, pinned in interop/netbox/requirements.txt) on
# Debian's PostgreSQL and Redis, each in a temp dir on a free 127.0.0.1 port:
# the harness `netwalker sync netbox` (issue #19) will be tested against.
# Through NetBox's REST API (interop/netbox/api_check.py): the status reports
# the pinned version; v2 `Bearer nbt_...` and legacy v1 `Token ...` tokens
# authenticate; tagged objects, two devices and their interfaces by bulk
# create, a cable between them read back from both ends; tag filtering,
# pagination, bulk update and delete.
#
# The EXIT trap stops NetBox, Redis and PostgreSQL on every exit path.
# A cold run (no interop/.netbox-venv) builds the venv and migrates: minutes;
# later runs restore the migrated schema from the venv's cached pg_dump.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

apt_ensure postgresql redis-server libpq-dev
need python3 redis-server redis-cli

work="$(mktemp -d)"
# Parents must be searchable by the `postgres` user the cluster runs as.
chmod 711 "$work"
cleanup() {
  stop_netbox
  stop_redis
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
start_postgres "$work/pg" "$(free_port)" netbox netbox
start_redis "$work/redis" "$(free_port)"
start_netbox "$work/netbox" "$(free_port)"
echo "postgres + redis + netbox up in $((SECONDS - start)) s"

want="$(sed -nE 's/^netbox==([^ #]+).*/\1/p' "$INTEROP_DIR/netbox/requirements.txt")"
[ -n "$want" ] || { echo "interop: no netbox==VERSION pin in interop/netbox/requirements.txt" >&2; exit 1; }
NETBOX_WANT_VERSION="$want" python3 "$INTEROP_DIR/netbox/api_check.py"
echo "netbox suite: $((SECONDS - start)) s"
