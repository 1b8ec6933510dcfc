# Debian's redis-server for a suite: in a directory, on a 127.0.0.1 port, no
# persistence (no RDB snapshots, no AOF). Sourced by interop/lib.sh.
#
#   start_redis DIR PORT   -> exports REDIS_HOST=127.0.0.1 REDIS_PORT REDIS_URL; REDIS_PID, REDIS_LOG
#   stop_redis             (idempotent; call it from the EXIT trap)

redis_ping() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

start_redis() {
  local dir="$1" port="$2" t
  for t in redis-server redis-cli; do
    command -v "$t" >/dev/null 2>&1 || { echo "interop: missing tool: $t (Debian package redis-server)" >&2; return 1; }
  done
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  REDIS_LOG="$dir/redis.log"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --logfile "$REDIS_LOG" --daemonize no </dev/null >/dev/null 2>&1 &
  REDIS_PID=$!
  wait_until 20 "redis-server on 127.0.0.1:$port" "$REDIS_LOG" "$REDIS_PID" redis_ping "$port" || return 1
  export REDIS_HOST=127.0.0.1 REDIS_PORT="$port" REDIS_URL="redis://127.0.0.1:$port"
}

stop_redis() {
  [ -n "${REDIS_PID:-}" ] || return 0
  stop_pid "$REDIS_PID" 10
  REDIS_PID=""
}
