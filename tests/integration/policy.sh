#!/bin/bash
# backscatter policy, the Postfix policy service, standalone on a unix
# socket and on stdin/stdout, as Postfix's smtpd talks to it: bounces to
# forged and expired tags refused with the configured text, everything
# else DUNNO, many requests on one connection, pipelined ones in order,
# garbage, oversized and cut requests answered DUNNO and closed, never a
# DEFER or 4xx, a stalled request dropped, keys read again when the file
# changes, a missing key file tolerated.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

. "$(dirname "$0")/../lib/cli.sh"
. "$(dirname "$0")/../lib/daemon.sh"
SOCK=$T/run/policy

"$BS" keygen --add "$T/keys" 2>/dev/null
sed -i -E 's/^(bs1|prvs) ([0-9]+) [0-9-]+ /\1 \2 2020-01-01 /' "$T/keys"

# The settings a deployment would give in its Dovecot configuration
settings="backscatter_key_file = $T/keys
backscatter_sign_domains = example.com
backscatter_enforce_since = 2020-01-01
backscatter_policy_unsigned = reject
backscatter_policy_reject_text = Go away, backscatter"
case $(dc_version) in
2.3)
	printf 'plugin {\n%s\n}\n' "$settings" > "$T/dovecot.conf"
	;;
*)
	printf 'dovecot_config_version = 2.4.1\ndovecot_storage_version = 2.4.1\n%s\n' \
		"$settings" > "$T/dovecot.conf"
	;;
esac

valid=$("$BS" sign -k "$T/keys" alice@example.com)
forged=$("$DC_LIB/tamper" "$valid")
expired=$("$BS" sign -k "$T/keys" --now "$(date -u -d '30 days ago' +%F)" \
	alice@example.com)

# pq [--raw] [--eof] [--half-close] ITEM...: one connection. Each ITEM is
# "SENDER RECIPIENT" made into a request as Postfix sends it at RCPT, or
# with --raw sent as it is (with \n and \x00 escapes decoded). Prints each
# reply's action, one per line, then "EOF" if the server closed; with
# --eof it reads on after the last reply until the server closes.
pq() {
	python3 - "$SOCK" "$@" <<'EOF'
import socket, sys
path, args = sys.argv[1], sys.argv[2:]
raw = eof = half = False
while args and args[0].startswith("--"):
    raw |= args[0] == "--raw"
    eof |= args[0] == "--eof"
    half |= args[0] == "--half-close"
    args = args[1:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(path)
buf = b""
def reply():
    global buf
    while b"\n\n" not in buf:
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            return None
        buf += data
    r, buf = buf.split(b"\n\n", 1)
    return r.decode()
def request(a):
    if raw:
        return a.encode().decode("unicode_escape").encode("latin-1")
    sender, rcpt = a.split(" ", 1)
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
            "protocol_name=ESMTP\nclient_address=192.0.2.7\n"
            "client_name=mx.attacker.example\nsender=%s\nrecipient=%s\n"
            "queue_id=\ninstance=1.2.3\nsize=0\n\n" % (sender, rcpt)).encode()
for a in args:
    s.sendall(request(a))
    if half:
        s.shutdown(socket.SHUT_WR)
    r = reply()
    if r is None:
        print("EOF")
        sys.exit(0)
    print(r)
if eof:
    r = reply()
    print(r if r is not None else "EOF")
EOF
}

daemon_start policy
ok test -S "$SOCK" -- "the policy service listens on its unix socket"

#
# Decisions
#

is "$(pq " $forged")" "action=550 5.7.1 Go away, backscatter (tag forged)" \
	"a bounce to a forged tag: 550 5.7.1 with the configured text"
is "$(pq " $expired")" "action=550 5.7.1 Go away, backscatter (tag expired)" \
	"a bounce to an expired tag: 550, tag expired"
is "$(pq " alice@example.com")" "action=550 5.7.1 Go away, backscatter (no tag)" \
	"an untagged bounce, enforced with policy_unsigned = reject: 550, no tag"
is "$(pq " $valid")" "action=DUNNO" "a bounce to a valid tag: DUNNO"
is "$(pq " bob@example.org")" "action=DUNNO" \
	"a bounce to another domain: DUNNO"
is "$(pq "bob@example.org $forged")" "action=DUNNO" \
	"another sender to a forged tag: DUNNO"
like "$(cat "$T/daemon.log")" \
	"policy: bounce to <$(printf '%s' "$forged" | sed 's/[+.]/\\&/g')> refused \(client 192\.0\.2\.7\): bs1 tag with a bad MAC" \
	"a refusal is logged with the client and the reason"

# One connection for many requests, as smtpd keeps it
out=$(pq " $forged" " $valid" "bob@example.org $forged" " $expired")
is "$(echo "$out" | tr '\n' '|')" \
	"action=550 5.7.1 Go away, backscatter (tag forged)|action=DUNNO|action=DUNNO|action=550 5.7.1 Go away, backscatter (tag expired)|" \
	"four requests on one connection, answered in order"
# Pipelined in one write
two="request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=$forged\n\nrequest=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=$valid\n\n"
out=$(python3 - "$SOCK" "$two" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
buf = b""
while buf.count(b"\n\n") < 2:
    buf += s.recv(65536)
print(buf.decode().replace("\n\n", "|"))
EOF
)
is "$out" "action=550 5.7.1 Go away, backscatter (tag forged)|action=DUNNO|" \
	"two requests in one write: both answered, in order"

# Requests that are well-formed but not for us: DUNNO, connection stays
out=$(pq --raw \
	'request=smtpd_access_policy\nprotocol_state=DATA\nsender=\nrecipient=x@example.com\n\n' \
	'request=junk\n\n' \
	'\n' \
	'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=a@example.com\nrecipient=b@example.com\n\n')
is "$(echo "$out" | tr '\n' '|')" "action=DUNNO|action=DUNNO|action=DUNNO|action=DUNNO|" \
	"another state, request type, an empty request, an attribute twice: DUNNO each, the connection stays"
like "$(cat "$T/daemon.log")" "not judged, DUNNO: protocol_state=DATA: only RCPT is judged" \
	"... and the log says why"

#
# Bad input: DUNNO and close, never a deferral
#

is "$(pq --raw --eof 'hello world\n')" "action=DUNNO
EOF" "garbage: DUNNO and close"
is "$(pq --raw --eof 'request=smtpd_access_policy\nsender=\x00\n\n')" "action=DUNNO
EOF" "a NUL: DUNNO and close"
big=$(head -c 20000 /dev/zero | tr '\0' a)
is "$(pq --raw --eof "request=smtpd_access_policy\nccert_subject=$big\n\n")" "action=DUNNO
EOF" "a request over 16384 octets: DUNNO and close"
like "$(cat "$T/daemon.log")" "protocol error: request longer than 16384 octets" \
	"... and the log says why"
is "$(pq --raw --eof --half-close 'request=smtpd_access_policy\nsender=')" "action=DUNNO
EOF" "half-closed within a request: DUNNO and close"
is "$(pq --eof --half-close " $forged")" "action=550 5.7.1 Go away, backscatter (tag forged)
EOF" "half-closed after a request: its reply, then close"
unlike "$(cat "$T/daemon.log")" "action=DEFER|Panic|Fatal" "no panic so far"

# A request that never completes is dropped after 10 s; meanwhile others
# are served
daemon_stall 'request=smtpd_access_policy\nsend'
is "$(pq " $valid")" "action=DUNNO" "others are served while a request is incomplete"
wait $STALL_PID
like "$(cat "$T/stall.out")" '^closed (9|10|11)$' \
	"an incomplete request is dropped after 10 seconds, without a reply"

# 20 connections at once, 100 requests each
python3 - "$SOCK" "$forged" "$valid" > "$T/concurrent.out" <<'EOF'
import socket, sys, threading
path, forged, valid = sys.argv[1:]
errors = []
def client(n):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(path)
    for i in range(100):
        rcpt = forged if i % 2 == 0 else valid
        s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\n"
                   "sender=\nrecipient=%s\n\n" % rcpt).encode())
        buf = b""
        while not buf.endswith(b"\n\n"):
            buf += s.recv(1000)
        want = b"action=550" if i % 2 == 0 else b"action=DUNNO"
        if not buf.startswith(want):
            errors.append(buf)
    s.close()
threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print("errors", len(errors))
EOF
is "$(cat "$T/concurrent.out")" "errors 0" \
	"20 concurrent connections, 100 requests each, all answered right"

#
# Keys
#

# A new key: tags it signs are judged at once
"$BS" keygen --add "$T/keys" 2>/dev/null
newtag=$("$BS" sign -k "$T/keys" alice@example.com)
like "$newtag" '^alice\+bs1=b' "a key added to the file (id 1) signs"
is "$(pq " $newtag")" "action=DUNNO" "... and its tag is valid to the running service"
cp "$T/keys" "$T/keys.good"
echo "bs1 broken" >> "$T/keys"
is "$(pq " $forged")" "action=DUNNO" \
	"a broken key file: no keys, nothing refused"
mv "$T/keys.good" "$T/keys"
like "$(pq " $forged")" "^action=550" "the file fixed: refusing again"

ok kill -0 "$DAEMON_PID" -- "the service is still running after all that"
daemon_stop

#
# stdin/stdout, for spawn(8) and systemd's Accept=yes
#

out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=%s\n\nrequest=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=%s\n\n' \
	"$forged" "$valid" | "$BS" policy -c "$T/dovecot.conf" 2> "$T/stdio.log")
rc=$?
is "$out" "action=550 5.7.1 Go away, backscatter (tag forged)

action=DUNNO" "without --socket it answers on stdin/stdout"
is "$rc" 0 "... and exits 0 at the end of its input"
out=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\nrecipient=%s\n\n' \
	"$forged" | "$BS" policy -k "$T/nokeys" 2> "$T/stdio.log")
is "$out" "action=DUNNO" "a missing key file: DUNNO, never a refusal or a deferral"
like "$(cat "$T/stdio.log")" "stat\(.*/nokeys\) failed: No such file" \
	"... and the log says why"
run_rc() { "$@" > /dev/null 2>&1 < /dev/null; echo $?; }
is "$(run_rc "$BS" policy)" 2 "no key file at all: exit 2"
like "$("$BS" policy --help)" "check_policy_service" "--help explains it"

done_testing
