# What the tests of the two daemons (socketmap.sh, policy.sh) share,
# sourced after cli.sh; plain sh. The test sets SOCK, the daemon's unix
# socket, below $T/run. DAEMON_PID is the daemon that daemon_start
# started, killed on exit.
DAEMON_PID=
daemon_cleanup() {
	[ -z "$DAEMON_PID" ] || kill "$DAEMON_PID" 2>/dev/null
	rm -rf "$T"
}
trap daemon_cleanup EXIT
mkdir -p "$T/run"

# daemon_start COMMAND: "backscatter COMMAND" on $SOCK with the settings
# of $T/dovecot.conf, its log in $T/daemon.log; waits for the socket
daemon_start() {
	"$BS" "$1" -c "$T/dovecot.conf" --socket "$SOCK" \
		2> "$T/daemon.log" &
	DAEMON_PID=$!
	for i in $(seq 100); do
		[ -S "$SOCK" ] && break
		sleep 0.05
	done
}

# daemon_stall PREFIX: in the background, a connection that sends the
# start of a request (PREFIX, with \n escapes decoded) and never the
# rest; $T/stall.out then says "closed SECONDS" when the daemon closes
# it, or "data SECONDS" if it answers. Sets STALL_PID.
daemon_stall() {
	python3 - "$SOCK" "$1" > "$T/stall.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.settimeout(30)
t = time.time()
data = s.recv(100)
print("closed" if data == b"" else "data", int(time.time() - t))
PY
	STALL_PID=$!
}

# daemon_stop: SIGTERM; asserts that the daemon stops cleanly, removing
# its socket, with no panic in its log
daemon_stop() {
	kill "$DAEMON_PID"
	wait "$DAEMON_PID"
	is "$?" 0 "SIGTERM stops it cleanly"
	DAEMON_PID=
	ok test ! -e "$SOCK" -- "... removing its socket"
	unlike "$(cat "$T/daemon.log")" "Panic|Fatal" "no panic in its log"
}
