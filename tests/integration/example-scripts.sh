#!/bin/bash
# The Sieve scripts shipped in conf.d/sieve, as users and admins would
# use them: each compiles with sievec; on a real Dovecot over LMTP the
# per-user triage files a bounce of our mail into Bounces and discards
# backscatter, the reason script files by reason, and the admin's
# sieve_before script writes X-Backscatter, replacing any that came
# with the message. The maildirs prove where each message went.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
dc_init || exit 1
dc_make_keys || exit 1

# The mail user may not enter the source tree: work on copies
scripts=$DC_DIR/example-scripts
mkdir -p "$scripts"
cp "$DC_TOP"/conf.d/sieve/*.sieve "$scripts/"
chown -R "$DC_MAIL_USER" "$scripts"

for script in "$scripts"/*.sieve; do
	# A set that includes a personal script compiles where that script
	# is: over ManageSieve, in webmail-layout.sh
	grep -q '^[^#]*include :personal' "$script" && continue
	ok sievec -c "$DC_CONF" "$script" "${script%.sieve}.svbin" -- \
		"sievec compiles conf.d/sieve/$(basename "$script")"
done

before=$scripts/x-backscatter-header.sieve
dc_sieve_before "$before"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
dc_restart_enforcing 2020-01-01 || exit 1

ok dc_sieve_put alice@example.com triage "$scripts/triage.sieve" -- \
	"alice's triage script uploaded over ManageSieve"
ok dc_sieve_put bob@example.com by-reason \
	"$scripts/bounces-by-reason.sieve" -- \
	"bob's file-by-reason script uploaded over ManageSieve"

sign() {
	"$cli" sign -k "$DC_KEY_FILE" "$@"
}
# bounce ID FILE RCPT: a DSN from <> to RCPT, delivered as ID
bounce() {
	dc_deliver_as "$1" '<>' "$TEST_DATA/$2" "$3" >/dev/null
}

bounce ours dsn-rfc3464.eml "$(sign alice@example.com)"
is "$(dc_find alice@example.com ours)" Bounces \
	"triage.sieve: a bounce to alice's signed address goes to Bounces"
is "$(dc_header alice@example.com ours X-Backscatter)" legitimate \
	"... and the admin's script wrote X-Backscatter: legitimate"

bounce forged dsn-rfc3464.eml "$("$DC_LIB/tamper" "$(sign alice@example.com)")"
is "$(dc_find alice@example.com forged)" "(not delivered)" \
	"triage.sieve: a bounce to a forged tag is discarded"
bounce untagged dsn-rfc3464.eml alice@example.com
is "$(dc_find alice@example.com untagged)" "(not delivered)" \
	"... and so is one to the untagged address, tags being enforced"

# A bounce of mail from before enforcement: unknown, kept. Enforcement
# began two days ago; the reporting MTA received the original three days
# ago (its Arrival-Date and Received header say so, as does the Date)
dc_restart_enforcing "$(date -u -d '2 days ago' +%F)" || exit 1
sed "s/Wed, 25 Nov 2026/$(LC_ALL=C date -u -d '3 days ago' '+%a, %-d %b %Y')/" \
	"$TEST_DATA/dsn-rfc3464.eml" > "$DC_DIR/old-dsn.eml"
grep -q "^Arrival-Date: $(LC_ALL=C date -u -d '3 days ago' '+%a')" \
	"$DC_DIR/old-dsn.eml" || exit 1
dc_deliver_as old '<>' "$DC_DIR/old-dsn.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com old)" INBOX \
	"triage.sieve: a bounce of mail sent before enforcement is kept"
is "$(dc_header alice@example.com old X-Backscatter)" unknown \
	"... marked X-Backscatter: unknown"
dc_restart_enforcing 2020-01-01 || exit 1

# Someone else's X-Backscatter on ordinary mail is removed
{ printf 'X-Backscatter: legitimate\n'; cat "$TEST_DATA/normal.eml"; } \
	> "$DC_DIR/spoofed.eml"
dc_deliver_as spoofed bob@example.org "$DC_DIR/spoofed.eml" \
	alice@example.com >/dev/null
is "$(dc_find alice@example.com spoofed)" INBOX "ordinary mail is kept"
is "$(dc_header alice@example.com spoofed X-Backscatter)" "" \
	"... without the X-Backscatter header it came with"

bounce reason dsn-userunknown.eml "$(sign bob@example.com)"
is "$(dc_find bob@example.com reason)" Bounces.userunknown \
	"bounces-by-reason.sieve: an unknown user's bounce in Bounces/userunknown"
bounce bob-forged dsn-userunknown.eml \
	"$("$DC_LIB/tamper" "$(sign bob@example.com)")"
is "$(dc_find bob@example.com bob-forged)" "(not delivered)" \
	"... and backscatter discarded"

done_testing
