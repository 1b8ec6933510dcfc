#!/usr/bin/env bash
# device-session against real peers: OpenSSH sshd offering only legacy
# algorithms (password and key auth), OpenSSH with modern defaults and
# keyboard-interactive (PAM) only, inetutils telnetd (via socat, one
# process per connection, like inetd), and fakenos cisco_ios / cisco_nxos.
# Runs crates/device-session/tests/interop.rs (#[ignore = "interop"]).
# Fails, never skips, when a tool is missing. Needs root (a throwaway user).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

for tool in /usr/sbin/sshd /usr/sbin/telnetd socat ss ssh-keygen useradd chpasswd python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
python="${INTEROP_VENV:-$root/interop/.venv}/bin/python"
"$python" -c 'import fakenos' || { echo "fakenos is not installed in the interop venv" >&2; exit 1; }

work="$(mktemp -d)"
# sshd reads AuthorizedKeysFile as the user: the directory must be traversable.
chmod 0755 "$work"
pids=()
user="dsinterop"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  userdel -r "$user" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
  for _ in $(seq 1 100); do
    # Ask the kernel, not the daemon: a probe connection would be a session.
    if [ -n "$(ss -Hltn "sport = :$1")" ]; then return 0; fi
    sleep 0.1 # sleep-ok: polling a third-party daemon's listen socket; it has no readiness signal
  done
  echo "port $1 never opened" >&2
  return 1
}

# A throwaway user with a password and an authorized key.
password="ds-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
userdel -r "$user" >/dev/null 2>&1 || true
useradd -m -s /bin/bash "$user"
echo "$user:$password" | chpasswd
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
install -m 0644 "$work/client_key.pub" "$work/authorized_keys"
chmod 0644 "$work/client_key"  # the test process reads it; the user is throwaway

# OpenSSH, legacy algorithms only: a modern client must fail to negotiate.
ssh-keygen -q -t rsa -b 2048 -N '' -f "$work/host_rsa"
ssh_port="$(free_port)"
mkdir -p /run/sshd
cat >"$work/sshd_config" <<CFG
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $work/host_rsa
PidFile $work/sshd.pid
KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1
HostKeyAlgorithms ssh-rsa
Ciphers aes128-cbc,aes256-cbc
MACs hmac-sha1
PubkeyAcceptedAlgorithms ssh-ed25519,ssh-rsa
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile $work/authorized_keys
StrictModes no
AllowUsers $user
PrintMotd no
LogLevel ERROR
CFG
/usr/sbin/sshd -t -f "$work/sshd_config"
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
pids+=($!)

# OpenSSH with its modern defaults, password only through PAM
# keyboard-interactive (as AAA-backed devices do).
ssh_host_ed="$work/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$ssh_host_ed"
kbd_port="$(free_port)"
cat >"$work/sshd_kbd_config" <<CFG
Port $kbd_port
ListenAddress 127.0.0.1
HostKey $ssh_host_ed
PidFile $work/sshd_kbd.pid
PasswordAuthentication no
PubkeyAuthentication no
KbdInteractiveAuthentication yes
UsePAM yes
AllowUsers $user
PrintMotd no
LogLevel ERROR
CFG
/usr/sbin/sshd -t -f "$work/sshd_kbd_config"
/usr/sbin/sshd -D -e -f "$work/sshd_kbd_config" 2>"$work/sshd_kbd.log" &
pids+=($!)

# inetutils telnetd, one per connection on the accepted socket.
telnet_port="$(free_port)"
socat "TCP-LISTEN:$telnet_port,bind=127.0.0.1,reuseaddr,fork" "EXEC:/usr/sbin/telnetd,nofork" 2>"$work/socat.log" &
pids+=($!)

# fakenos devices.
ios_port="$(free_port)"
nxos_port="$(free_port)"
cat >"$work/fakenos_lab.py" <<'PY'
import signal, sys, threading
from fakenos import FakeNOS
inv = {
    "default": {"username": "admin", "password": "admin"},
    "hosts": {
        "fn-ios": {"port": int(sys.argv[1]), "platform": "cisco_ios"},
        "fn-nxos": {"port": int(sys.argv[2]), "platform": "cisco_nxos"},
    },
}
net = FakeNOS(inventory=inv)
net.start()
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
net.stop()
PY
"$python" "$work/fakenos_lab.py" "$ios_port" "$nxos_port" >"$work/fakenos.log" 2>&1 &
pids+=($!)

wait_port "$ssh_port"
wait_port "$kbd_port"
wait_port "$telnet_port"
wait_port "$ios_port"
wait_port "$nxos_port"

export DS_SSHD="127.0.0.1:$ssh_port" DS_SSHD_KBD="127.0.0.1:$kbd_port" DS_TELNETD="127.0.0.1:$telnet_port"
export DS_FAKENOS_IOS="127.0.0.1:$ios_port" DS_FAKENOS_NXOS="127.0.0.1:$nxos_port"
export DS_USER="$user" DS_PASSWORD="$password" DS_KEY="$work/client_key"
if ! cargo test -q -p device-session --test interop -- --ignored --test-threads=1; then
  echo "--- sshd.log"; cat "$work/sshd.log" || true
  echo "--- sshd_kbd.log"; cat "$work/sshd_kbd.log" || true
  echo "--- socat.log"; cat "$work/socat.log" || true
  echo "--- fakenos.log"; tail -50 "$work/fakenos.log" || true
  exit 1
fi
