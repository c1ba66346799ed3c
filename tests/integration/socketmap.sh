#!/bin/bash
# backscatter socketmap, the Postfix signer, on a unix socket as Postfix
# would use it: our senders signed (and the tags verify), NOTFOUND for
# everything else and for bad input (never PERM or TEMP: Postfix would
# defer the mail), broken netstrings closed, never a crash or a hang,
# concurrent, pipelined and long-lived connections, a changed key file
# read again, a missing one tolerated until it appears, no busy loop when
# out of file descriptors, and the stdin/stdout mode.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

. "$(dirname "$0")/../lib/cli.sh"
. "$(dirname "$0")/../lib/daemon.sh"
SOCK=$T/run/sign

"$BS" keygen --add "$T/keys" 2>/dev/null
"$BS" keygen --scheme prvs --add "$T/keys" 2>/dev/null
sed -i -E 's/^(bs1|prvs) ([0-9]+) [0-9-]+ /\1 \2 2020-01-01 /' "$T/keys"

# The settings a deployment would give in its Dovecot configuration
case $(dc_version) in
2.3)
	cat > "$T/dovecot.conf" <<EOF
plugin {
  backscatter_key_file = $T/keys
  backscatter_sign_domains = example.com example.net
}
EOF
	;;
*)
	cat > "$T/dovecot.conf" <<EOF
dovecot_config_version = 2.4.1
dovecot_storage_version = 2.4.1
backscatter_key_file = $T/keys
backscatter_sign_domains = example.com example.net
EOF
	;;
esac

# smq [--raw] [--half-close] [--escapes] [--pipelined] [--eof] REQUEST...:
# one connection; sends each request as a netstring (as is with --raw;
# with \x00 escapes decoded with --escapes; all in one write with
# --pipelined) and prints each reply's payload, one per line, then "EOF"
# if the server closed. With --eof it reads on after the last reply until
# the server closes (or 20 s pass), printing any further replies, then
# "EOF"; without, it stops at the last reply (the server keeps a good
# connection open for 60 s).
smq() {
	python3 - "$SOCK" "$@" <<'EOF'
import socket, sys
path, args = sys.argv[1], sys.argv[2:]
raw = half = escapes = eof = pipelined = False
while args and args[0].startswith("--"):
    raw |= args[0] == "--raw"
    pipelined |= args[0] == "--pipelined"
    half |= args[0] == "--half-close"
    escapes |= args[0] == "--escapes"
    eof |= args[0] == "--eof"
    args = args[1:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(path)
buf = b""
def reply():
    global buf
    while True:
        if b":" in buf:
            n, rest = buf.split(b":", 1)
            if len(rest) > int(n):
                buf = rest[int(n) + 1:]
                return rest[:int(n)].decode()
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            # closed with our unread request in its buffer
            data = b""
        if not data:
            return None
        buf += data
def request(a):
    data = a.encode()
    if escapes:
        data = data.decode("unicode_escape").encode("latin-1")
    return data if raw else b"%d:%s," % (len(data), data)
if pipelined:
    s.sendall(b"".join(request(a) for a in args))
for a in args:
    if not pipelined:
        s.sendall(request(a))
    if half:
        s.shutdown(socket.SHUT_WR)
    r = reply()
    if r is None:
        print("EOF")
        sys.exit(0)
    print(r)
if not eof:
    sys.exit(0)
try:
    while True:
        r = reply()
        if r is None:
            print("EOF")
            break
        print(r)
except socket.timeout:
    pass
EOF
}

daemon_start socketmap
ok test -S "$SOCK" -- "the daemon listens on its unix socket"
is "$(stat -c %a "$SOCK")" 660 "... mode 0660 by default"

#
# Lookups
#

out=$(smq "sign alice@example.com")
tagged=${out#OK }
like "$out" '^OK alice\+bs1=[a-z0-9]{17}@example\.com$' \
	"an address of a sign domain is answered with its tagged address"
like "$("$BS" verify -k "$T/keys" "$tagged")" "^valid	alice@example\.com	bs1	" \
	"... which verifies"
is "$(smq "sign $tagged")" "NOTFOUND " \
	"the tagged address is NOTFOUND, so that Postfix's mapping stops"
is "$(smq "sign bob@example.org")" "NOTFOUND " "another domain: NOTFOUND"
is "$(smq "sign bob@sub.example.com")" "NOTFOUND " "a subdomain: NOTFOUND"
is "$(smq "sign <>")" "NOTFOUND " "the null sender <>: NOTFOUND"
is "$(smq "sign ")" "NOTFOUND " "an empty key: NOTFOUND"
is "$(smq "sign alice")" "NOTFOUND " "a local part alone: NOTFOUND"
long=$(printf 'a%.0s' $(seq 60))
is "$(smq "sign $long@example.com")" "NOTFOUND " \
	"a local part too long to tag: NOTFOUND"
like "$(cat "$T/daemon.log")" "$long@example\.com: left unsigned: .*64" \
	"... and the log says so"
is "$(smq "other alice@example.com" "sign")" "NOTFOUND 
NOTFOUND " \
	"an unknown map and a request without key: NOTFOUND, the connection stays"
like "$(cat "$T/daemon.log")" "left unsigned: unknown map 'other' \(this server answers 'sign'\)" \
	"... and the log says why"

#
# Bad input
#

# A broken netstring leaves no way to find the next request: the
# connection closes, but its reply is NOTFOUND, never PERM (Postfix
# defers on PERM as on TEMP)
is "$(smq --eof --raw "99999999999:x")" "NOTFOUND 
EOF" "an oversized length: NOTFOUND and close"
big=$(head -c 10001 /dev/zero | tr '\0' a)
is "$(smq --eof "sign $big")" "NOTFOUND 
EOF" "an oversized request: NOTFOUND and close"
is "$(smq --eof --raw "hello world")" "NOTFOUND 
EOF" "garbage: NOTFOUND and close"
is "$(smq --eof --raw "5xsign ,")" "NOTFOUND 
EOF" "no ':' after the length: NOTFOUND and close"
is "$(smq --eof --raw "4:sign;")" "NOTFOUND 
EOF" "no ',' after the payload: NOTFOUND and close"
like "$(cat "$T/daemon.log")" "protocol error: netstring not terminated by ','" \
	"... and the log says why"
is "$(smq --eof --raw --half-close "30:sign alice")" "NOTFOUND 
EOF" "half-closed within a request: NOTFOUND and close"
is "$(smq --eof --half-close "sign bob@example.org")" "NOTFOUND 
EOF" "half-closed after a request: its reply, then close"
is "$(smq --escapes 'sign \x00x@example.com')" "NOTFOUND " \
	"a NUL in the request: NOTFOUND"
unlike "$(cat "$T/daemon.log")" "Panic|Fatal" "no panic so far"

# A request that never completes is dropped after the request timeout;
# meanwhile others are served
daemon_stall '100:sign a'
is "$(smq "sign bob@example.org")" "NOTFOUND " \
	"others are served while a request is incomplete"
wait $STALL_PID
like "$(cat "$T/stall.out")" '^closed (9|10|11)$' \
	"an incomplete request is dropped after 10 seconds"

#
# Concurrency and long connections
#

python3 - "$SOCK" > "$T/concurrent.out" <<'EOF'
import socket, sys, threading
errors = []
def client(n):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sys.argv[1])
    for i in range(200):
        req = b"sign user%d.%d@example.net" % (n, i)
        s.sendall(b"%d:%s," % (len(req), req))
        buf = b""
        while not buf.endswith(b","):
            buf += s.recv(1000)
        if not buf.split(b":", 1)[1].startswith(b"OK user%d.%d+bs1=" % (n, i)):
            errors.append(buf)
    s.close()
threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print("errors", len(errors))
EOF
is "$(cat "$T/concurrent.out")" "errors 0" \
	"20 concurrent clients, 200 lookups each, all answered right"
# Pipelined: many requests in one write, the replies in order
out=$(smq --pipelined "sign p1@example.com" "sign p2@example.com" \
	"sign p3@example.com")
like "$(echo "$out" | sed 's/+bs1=[a-z0-9]*@/@/' | tr '\n' ' ')" \
	'^OK p1@example\.com OK p2@example\.com OK p3@example\.com $' \
	"pipelined requests are answered in order"
# Their replies outgrow the first reply buffer (256 octets) in one batch
requests30=()
for i in $(seq 30); do
	requests30+=("sign u$i@other.example")
done
out=$(smq --pipelined "${requests30[@]}")
is "$(echo "$out" | grep -c '^NOTFOUND $')" 30 \
	"30 pipelined requests in one write: all answered"
ok kill -0 "$DAEMON_PID" -- "... and the daemon lives on"

#
# Keys read again when the file changes
#

"$BS" keygen --add "$T/keys" 2>/dev/null
sed -i -E 's/^bs1 0 .*$/bs1 0 2020-01-01 2020-02-01 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=/' "$T/keys"
out=$(smq "sign alice@example.com")
like "$out" '^OK alice\+bs1=b[a-z0-9]{16}@example\.com$' \
	"a key added to the file signs at once (key id 1)"
cp "$T/keys" "$T/keys.good"
echo "bs1 broken" >> "$T/keys"
is "$(smq "sign alice@example.com")" "NOTFOUND " \
	"a broken key file: no keys, the mail leaves unsigned (never deferred)"
like "$(cat "$T/daemon.log")" "keys line [0-9]+: .*\(until it is fixed, no tag is verified or signed" \
	"... and says so in the log"
smq "sign alice@example.com" > /dev/null
is "$(grep -c 'keys line [0-9]*:' "$T/daemon.log")" 1 \
	"... once, not at every request"
mv "$T/keys.good" "$T/keys"
like "$(smq "sign alice@example.com")" '^OK alice\+bs1=b' \
	"the file fixed: signing again"
like "$(cat "$T/daemon.log")" "keys loaded again" \
	"... and the log says so"

ok kill -0 "$DAEMON_PID" -- "the daemon is still running after all that"
daemon_stop

# start_daemon SOCKET LOG SHELL-COMMAND ARGS...: a signer on SOCKET, run
# by a shell after SHELL-COMMAND (such as a ulimit); waits for the socket
start_daemon() {
	sock=$1 log=$2 pre=$3
	shift 3
	bash -c "$pre; exec \"\$0\" socketmap \"\$@\"" "$BS" "$@" \
		--socket "$sock" 2> "$log" &
	DAEMON_PID=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	test -S "$sock"
}
stop_daemon() {
	kill "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	return $rc
}

#
# A missing or unusable key file: the signer starts all the same, answers
# NOTFOUND (the mail leaves unsigned instead of deferred), and signs once
# the file is there
#

sed "s|$T/keys|$T/keys2|" "$T/dovecot.conf" > "$T/nokeys.conf"
SOCK2=$T/run/sign2
start_daemon "$SOCK2" "$T/nokeys.log" : -c "$T/nokeys.conf"
ok test -S "$SOCK2" -- "a missing key file does not stop the signer from starting"
is "$(SOCK=$SOCK2 smq "sign alice@example.com" "sign bob@example.net")" \
"NOTFOUND 
NOTFOUND " "... it answers NOTFOUND"
is "$(grep -c "stat(.*/keys2) failed: No such file" "$T/nokeys.log")" 1 \
	"... and logs the missing file once, not at each request"
# One connection throughout: the file appears with a mode the signer
# refuses (others may read it), then is made private
python3 - "$SOCK2" "$T/keys" "$T/keys2" > "$T/nokeys.out" <<'EOF'
import os, socket, sys
path, good, keys = sys.argv[1:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(path)
def ask(req):
    req = req.encode()
    s.sendall(b"%d:%s," % (len(req), req))
    buf = b""
    while not buf.endswith(b","):
        data = s.recv(1000)
        if not data:
            return "EOF"
        buf += data
    return buf.split(b":", 1)[1][:-1].decode()
print(ask("sign alice@example.com"))
fd = os.open(keys, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
os.fchmod(fd, 0o644)
os.write(fd, open(good, "rb").read())
os.close(fd)
print(ask("sign alice@example.com"))
os.chmod(keys, 0o600)
print(ask("sign alice@example.com"))
EOF
is "$(sed -n 1p "$T/nokeys.out")" "NOTFOUND " \
	"... on a connection made before the file exists"
is "$(sed -n 2p "$T/nokeys.out")" "NOTFOUND " \
	"... and while the file is readable by others"
like "$(cat "$T/nokeys.log")" "keys2.*\(until it is fixed, no tag is verified or signed" \
	"... which is logged"
like "$(sed -n 3p "$T/nokeys.out")" '^OK alice\+bs1=[a-z0-9]{17}@example\.com$' \
	"once the file is mode 0600, the same connection signs"
like "$(SOCK=$SOCK2 smq "sign alice@example.com")" '^OK alice\+bs1=' \
	"... and so does a new one"
like "$(cat "$T/nokeys.log")" "keys2: [0-9]+ keys loaded again" \
	"... and the log says the keys were read"
stop_daemon
is "$?" 0 "... SIGTERM stops it cleanly"
rm -f "$T/keys2"

#
# Out of file descriptors: accept() fails with EMFILE. The signer must
# not spin on its listener (which stays readable), and must serve again
# once descriptors are free. Not a timing test: a busy loop burns about
# 200 ticks in the 2 seconds, a waiting signer next to none.
#

SOCK3=$T/run/sign3
start_daemon "$SOCK3" "$T/emfile.log" "ulimit -n 12" -k "$T/keys"
ok test -S "$SOCK3" -- "a signer with 12 file descriptors starts"
python3 - "$SOCK3" "$DAEMON_PID" "$T/emfile.log" > "$T/emfile.out" <<'EOF'
import socket, sys, time
path, pid, log = sys.argv[1:]
def cpu_ticks():
    # utime + stime: fields 14 and 15 of /proc/PID/stat, counted after
    # the command name in parentheses
    fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    s.sendall(b"4:sign,")
    return s
held = [connect() for i in range(20)]
# Wait (generously) until the signer has run out of descriptors
for i in range(200):
    if "Too many open files" in open(log).read():
        break
    time.sleep(0.05)
print("emfile", "Too many open files" in open(log).read())
before = cpu_ticks()
time.sleep(2)
print("ticks", cpu_ticks() - before)
# Counted while the connections are held: draining the queue afterwards
# may run out again, which is a new episode
print("logged", open(log).read().count("accept("))
for s in held:
    s.close()
s = connect()
try:
    print("reply", s.recv(100).decode())
except socket.timeout:
    print("reply timeout")
EOF
is "$(sed -n 1p "$T/emfile.out")" "emfile True" \
	"20 connections at once exhaust its descriptors"
ticks=$(sed -n 's/^ticks //p' "$T/emfile.out")
ok test "${ticks:-999}" -le 50 -- \
	"... and it does not spin meanwhile (CPU ticks in 2 s: ${ticks:-?})"
is "$(sed -n 3p "$T/emfile.out")" "logged 1" "... which it logs once"
like "$(cat "$T/emfile.log")" "accept\(.*\) failed: Too many open files" \
	"... saying why"
is "$(sed -n 4p "$T/emfile.out")" "reply 9:NOTFOUND ," \
	"once they close, a new connection is served"
stop_daemon
is "$?" 0 "... SIGTERM stops it cleanly"
unlike "$(cat "$T/nokeys.log" "$T/emfile.log")" "Panic|Fatal" \
	"no panic in their logs"

#
# stdin/stdout, for systemd's Accept=yes and inetd
#

out=$(printf '22:sign alice@example.com,20:sign bob@example.org,' |
	"$BS" socketmap -c "$T/dovecot.conf" 2>/dev/null)
like "$out" '^42:OK alice\+bs1=[a-z0-9]{17}@example\.com,9:NOTFOUND ,$' \
	"without --socket it serves stdin/stdout and exits at its end"
# The same 30 requests through a pipe
for r in "${requests30[@]}"; do
	printf '%d:%s,' ${#r} "$r"
done > "$T/requests30"
out=$(cat "$T/requests30" |
	"$BS" socketmap -c "$T/dovecot.conf" 2> "$T/stdio.log")
rc=$?
is "$(printf '%s' "$out" | grep -o '9:NOTFOUND ,' | wc -l)" 30 \
	"stdin/stdout: 30 pipelined requests, all answered"
is "$rc" 0 "... and exit 0"
unlike "$(cat "$T/stdio.log")" "Panic|Fatal" "... without a panic"

run_rc() { "$@" > /dev/null 2>&1 < /dev/null; echo $?; }
out=$(printf '22:sign alice@example.com,' |
	"$BS" socketmap -c "$T/nokeys.conf" 2> "$T/stdio.log")
is "$out" "9:NOTFOUND ," \
	"stdin/stdout with a missing key file: NOTFOUND, not a refusal"
like "$(cat "$T/stdio.log")" "stat\(.*/keys2\) failed: No such file" \
	"... and the log says why"
is "$(run_rc "$BS" socketmap)" 2 "no key file at all: exit 2"
# epoll cannot wait for a regular file: a clear error, not a panic
"$BS" socketmap -k "$T/keys" < "$T/requests30" > /dev/null 2> "$T/stdio.log"
is "$?" 2 "a regular file on stdin: exit 2"
like "$(cat "$T/stdio.log")" "stdin must be a socket, a pipe or a terminal" \
	"... saying why"
unlike "$(cat "$T/stdio.log")" "Panic|Fatal" "... without a panic"

done_testing
