#!/bin/bash
# Several servers, one key: two private Dovecot instances, A and B, as two
# backends behind a director or an LMTP proxy, each with its own copy of
# one key file and its own signer and policy service (the shipped
# conf.d/<version>/91-backscatter-services.conf). Nothing else is shared.
# Mail signed at one is judged at the other, and both agree on valid,
# forged and expired, in Sieve at delivery and in the policy service.
# A key rotation is done on A and copied to B with the README's recipe:
# the new key added with a created date of tomorrow and the file copied
# at once, so that every host verifies the new key before any signs with
# it; then the old key retired and the file copied again.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
today=$(date -u +%F)
tomorrow=$(date -u -d tomorrow +%F)
month_ago=$(date -u -d '30 days ago' +%F)

# copy_keys FROM TO: the key file copied as an admin copies it to another
# host (scp, rsync, configuration management): same contents, owner, mode
copy_keys() {
	install -o root -g "$DC_KEY_GROUP" -m 0640 "$1" "$2.new" &&
	mv "$2.new" "$2"
}

# instance NAME: a Dovecot with the signer and the policy service as its
# own services, listening in $DC_DIR/sockets, and alice's verdicts script
instance() {
	local services

	dc_init || return 1
	if [ "$1" = A ]; then
		dc_make_keys || return 1
	else
		# B gets A's key file, and nothing else of A's
		mkdir -p "$DC_DIR/keys"
		chown "root:$DC_KEY_GROUP" "$DC_DIR/keys"
		chmod 0750 "$DC_DIR/keys"
		DC_KEY_FILE=$DC_DIR/keys/backscatter.keys
		copy_keys "$KEYS_A" "$DC_KEY_FILE" || return 1
	fi
	mkdir -p "$DC_DIR/sockets"
	services=$(sed -e "s|/usr/local/bin/backscatter|$cli|" \
		-e "s|/var/spool/postfix/private|$DC_DIR/sockets|" \
		"$DC_TOP/conf.d/$(dc_version)/91-backscatter-services.conf") ||
		return 1
	DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com"
	DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
	DC_EXTRA_CONFIG=$services
	dc_write_config && dc_start || return 1
	dc_sieve_put alice@example.com verdicts \
		"$TEST_SCRIPTS/verdicts.sieve" || return 1
	dc_save "$1"
}

instance A || exit 1
KEYS_A=$DC_KEY_FILE
DIR_A=$DC_DIR
instance B || exit 1
KEYS_B=$DC_KEY_FILE
DIR_B=$DC_DIR

ok cmp -s "$KEYS_A" "$KEYS_B" -- "A and B hold the same key file"
ok test "$DIR_A" != "$DIR_B" -- "... and nothing else in common"

# sign_at HOST ADDRESS: the tag HOST's signer service makes
sign_at() {
	python3 - "$(eval echo "\$DIR_$1")/sockets/backscatter-sign" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
req = ("sign " + sys.argv[2]).encode()
s.sendall(b"%d:%s," % (len(req), req))
buf = b""
while not buf.endswith(b","):
    buf += s.recv(1000)
reply = buf.split(b":", 1)[1][:-1].decode()
print(reply[3:] if reply.startswith("OK ") else reply)
EOF
}

# policy_at HOST ADDRESS: what HOST's policy service answers a bounce
# (MAIL FROM:<>) to ADDRESS at RCPT
policy_at() {
	python3 - "$(eval echo "\$DIR_$1")/sockets/backscatter-policy" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
           "recipient=%s\nclient_address=192.0.2.7\n\n" % sys.argv[2]).encode())
buf = b""
while not buf.endswith(b"\n\n"):
    buf += s.recv(1000)
print(buf.decode().strip())
EOF
}

# judged_at HOST ID ADDRESS: the folder HOST's Sieve files a bounce to
# ADDRESS into, by its returnpath verdict (Valid, Forged, Expired, ...)
judged_at() {
	dc_select "$1"
	dc_deliver_as "$1-$2" '<>' "$TEST_DATA/dsn-rfc3464.eml" "$3" >/dev/null
	dc_find alice@example.com "$1-$2"
}

# --- One key, one rule: signed at one, judged at the other ---
tag_a=$(sign_at A alice@example.com)
tag_b=$(sign_at B alice@example.com)
like "$tag_a" '^alice\+bs1=a[a-z2-7]{16}@example\.com$' "A's signer tags alice (key 0)"
is "$tag_b" "$tag_a" "B's signer makes the very same tag: one key, one rule, no state"

is "$(judged_at B signed-at-a "$tag_a")" Valid "a bounce to A's tag, delivered at B: valid"
is "$(judged_at A signed-at-b "$tag_b")" Valid "a bounce to B's tag, delivered at A: valid"
is "$(policy_at B "$tag_a")" "action=DUNNO" "B's policy service passes A's tag"

forged=$("$DC_LIB/tamper" "$tag_a")
expired=$("$cli" sign -k "$KEYS_A" --now "$month_ago" alice@example.com)
for host in A B; do
	is "$(judged_at $host forged "$forged")" Forged "$host's Sieve: forged"
	is "$(judged_at $host expired "$expired")" Expired "$host's Sieve: expired"
	is "$(judged_at $host unsigned alice@example.com)" Unsigned "$host's Sieve: unsigned"
	like "$(policy_at $host "$forged")" "^action=550 5\.7\.1 .*\(tag forged\)$" \
		"$host's policy service refuses the forged tag"
	like "$(policy_at $host "$expired")" "^action=550 5\.7\.1 .*\(tag expired\)$" \
		"$host's policy service refuses the expired tag"
	is "$(policy_at $host alice@example.com)" "action=DUNNO" \
		"$host's policy service passes the untagged address (not enforced)"
done

# --- Rotation on A, copied to B (README, "Several servers, one key") ---
"$cli" keygen --add "$KEYS_A" --created "$tomorrow" 2>/dev/null
like "$(grep '^bs1 1 ' "$KEYS_A")" "^bs1 1 $tomorrow - " \
	"A: a new key, id 1, created tomorrow"
new=$("$cli" sign -k "$KEYS_A" --now "$tomorrow" alice@example.com)
like "$new" '^alice\+bs1=b[a-z2-7]{16}@example\.com$' \
	"from tomorrow on, A signs with key 1"
is "$(sign_at A alice@example.com)" "$tag_a" "... today A's signer still signs with key 0"
like "$(policy_at B "$new")" "\(tag forged\)$" \
	"B without the new key calls its tags forged: why the file is copied before the key signs"

copy_keys "$KEYS_A" "$KEYS_B"
ok cmp -s "$KEYS_A" "$KEYS_B" -- "the key file copied to B"
is "$(policy_at B "$new")" "action=DUNNO" \
	"B's running policy service knows key 1 at once (the file is read again)"
is "$(judged_at B key1 "$new")" Valid "... and B's Sieve calls its tags valid"
is "$(judged_at A key1 "$new")" Valid "... as A's does"
is "$(sign_at B alice@example.com)" "$tag_a" "today B's signer too still signs with key 0"
is "$("$cli" sign -k "$KEYS_B" --now "$tomorrow" alice@example.com)" "$new" \
	"from tomorrow on, B signs with key 1, exactly as A"

# Days later the old key is retired, on A, and the file copied again;
# its tags keep verifying for their lifetime and grace
sed -i -E "s/^(bs1 0 [0-9-]+) - /\1 $today /" "$KEYS_A"
like "$(grep '^bs1 0 ' "$KEYS_A")" "^bs1 0 [0-9-]+ $today " "A: key 0 retired today"
copy_keys "$KEYS_A" "$KEYS_B"
for host in A B; do
	is "$(judged_at $host retired "$tag_a")" Valid \
		"$host: a tag of the retired key, signed before, still valid"
	is "$(policy_at $host "$tag_a")" "action=DUNNO" \
		"... and $host's policy service passes it"
	is "$(policy_at $host "$new")" "action=DUNNO" \
		"... as it does the new key's"
done

for host in A B; do
	dc_select $host
	unlike "$(cat "$DC_DIR/log/dovecot.log")" "Panic|Fatal|backscatter-.*: Error" \
		"no error in $host's log"
done

done_testing
