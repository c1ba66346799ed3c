#!/bin/bash
# Signed return paths on a real Dovecot: bounces (MAIL FROM:<>) to tagged
# addresses in both forms and both schemes reach the user over LMTP, and
# the returnpath test gives each its verdict; the LMTP plugin maps prefix
# tags and, when asked, rejects forged bounces at RCPT; the key file is
# readable by delivery only, and a changed one counts at the next delivery.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
today=$(date -u +%F)
month_ago=$(date -u -d '30 days ago' +%F)

dc_init || exit 1
dc_make_keys || exit 1
DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"

# sign [OPTIONS] ADDRESS: a tag as our signer makes it
sign() {
	"$cli" sign -k "$DC_KEY_FILE" "$@"
}

# tamper ADDRESS: the tag's MAC changed (tests/lib/tamper)
tamper() {
	"$DC_LIB/tamper" "$1"
}

# bounce ID ADDRESS...: a bounce to the addresses, delivered as ID; prints
# the LMTP replies
bounce() {
	local id=$1
	shift
	dc_deliver_as "$id" '<>' "$TEST_DATA/dsn-rfc3464.eml" "$@"
}

# --- Without the LMTP plugin: the subaddress form needs none ---
DC_LMTP_PLUGIN=no dc_restart "$DC_PLUGIN_SETTINGS" || exit 1
ok dc_sieve_put alice@example.com verdicts "$TEST_SCRIPTS/verdicts.sieve" -- \
	"verdicts script active"

tag=$(sign alice@example.com)
like "$tag" '^alice\+bs1=[a-z2-7]{17}@example\.com$' "signed in subaddress form by default"
like "$(bounce sub-bs1 "$tag")" " 250 2.0.0 " "bs1 subaddress bounce accepted without the plugin"
is "$(dc_find alice@example.com sub-bs1)" Valid "... and returnpath says valid"
like "$(dc_trace alice@example.com)" "recipient <alice\+bs1=[a-z2-7]+@example.com>: verdict .valid. \(bs1 tag, key 0, expires [0-9-]+\)" \
	"the trace states the verdict and its evidence"

tag=$(sign --scheme prvs alice@example.com)
like "$tag" '^alice\+prvs=[0-9]{4}[0-9a-f]{6}@example\.com$' "prvs in subaddress form"
bounce sub-prvs "$tag" >/dev/null
is "$(dc_find alice@example.com sub-prvs)" Valid "prvs subaddress bounce: valid"

tag=$(sign --form prefix alice@example.com)
like "$(bounce prefix-noplugin "$tag")" " 550 5\.1\.1 " \
	"the prefix form needs the plugin: without it the user is unknown"

# --- With the LMTP plugin ---
DC_LMTP_PLUGIN=yes dc_restart "$DC_PLUGIN_SETTINGS" || exit 1

tag=$(sign --form prefix alice@example.com)
like "$tag" '^bs1=[a-z2-7]{17}=alice@example\.com$' "bs1 prefix form"
like "$(bounce prefix-bs1 "$tag")" " 250 " "bs1 prefix bounce accepted"
is "$(dc_find alice@example.com prefix-bs1)" Valid "... valid"
is "$(dc_header alice@example.com prefix-bs1 X-Test-Envelope-To)" "$tag" \
	"... and Sieve's envelope to still shows the tag (ORCPT)"

tag=$(sign --form prefix --scheme prvs alice@example.com)
like "$tag" '^prvs=[0-9]{4}[0-9a-f]{6}=alice@example\.com$' "prvs prefix form"
bounce prefix-prvs "$tag" >/dev/null
is "$(dc_find alice@example.com prefix-prvs)" Valid "prvs prefix bounce: valid"

tag=$(sign alice@example.com)
bounce forged-sub "$(tamper "$tag")" >/dev/null
is "$(dc_find alice@example.com forged-sub)" Forged "tampered subaddress tag: forged"
tag=$(sign --form prefix alice@example.com)
bounce forged-prefix "$(tamper "$tag")" >/dev/null
is "$(dc_find alice@example.com forged-prefix)" Forged "tampered prefix tag: forged"

tag=$(sign --now "$month_ago" alice@example.com)
bounce expired "$tag" >/dev/null
is "$(dc_find alice@example.com expired)" Expired "a month-old tag: expired"

bounce unsigned alice@example.com >/dev/null
is "$(dc_find alice@example.com unsigned)" Unsigned "an untagged address: unsigned"

# Two tagged RCPTs of one user in one transaction
t1=$(sign --form prefix alice@example.com)
t2=$(sign --form prefix --scheme prvs alice@example.com)
out=$(bounce two-tags "$t1" "$t2")
is "$(echo "$out" | grep -c ' 250 ')" 2 "two tagged RCPTs for one user: both accepted"
is "$(grep -rlx 'X-Test-Id: two-tags' "$(dc_home alice@example.com)/Maildir/.Valid" | wc -l)" 2 \
	"... and both delivered, valid"

# --- Rejecting forged bounces at RCPT ---
dc_restart "$DC_PLUGIN_SETTINGS
  backscatter_lmtp_reject = yes" || exit 1
tag=$(sign --form prefix alice@example.com)
like "$(bounce reject-prefix "$(tamper "$tag")")" " 550 5\.7\.1 " \
	"reject on: forged prefix tag from <> refused with 550 5.7.1"
tag=$(sign alice@example.com)
like "$(bounce reject-sub "$(tamper "$tag")")" " 550 5\.7\.1 " \
	"... and a forged subaddress tag"
like "$(bounce reject-expired "$(sign --now "$month_ago" alice@example.com)")" \
	" 550 5\.7\.1 " "... and an expired tag"
out=$(dc_deliver_as nonnull bob@example.org "$TEST_DATA/normal.eml" "$(tamper "$tag")")
like "$out" " 250 " "a forged tag with a non-null sender is accepted"
is "$(dc_find alice@example.com nonnull)" Forged "... and filed as forged"
like "$(bounce reject-valid "$tag")" " 250 " "a valid tag from <> is accepted"
like "$(grep 'rejecting bounce' "$DC_DIR/log/dovecot.log" | head -n 1)" \
	"backscatter: rejecting bounce to .*: bs1 tag with a bad MAC" \
	"the log says why"

# --- Key file deployment ---
is "$(stat -c '%U:%G %a' "$DC_KEY_FILE")" "root:$DC_KEY_GROUP 640" \
	"key file is root:$DC_KEY_GROUP, mode 0640"
if setpriv --reuid="$DC_MAIL_USER" --regid="$DC_MAIL_USER" --clear-groups \
	cat "$DC_KEY_FILE" >/dev/null 2>&1; then
	r=readable
else
	r=unreadable
fi
is "$r" unreadable "a user's own process (mail uid, no key group) cannot read it"
unlike "$(grep -E 'backscatter.*(Error|error)' "$DC_DIR/log/dovecot.log")" \
	"backscatter_key_file" "... while delivery could, without errors"

# A key file others may read: refused, verdicts unknown, mail kept
tag=$(sign alice@example.com)
chmod 0644 "$DC_KEY_FILE"
bounce world-readable "$tag" >/dev/null
is "$(dc_find alice@example.com world-readable)" Unknown \
	"world-readable key file: verdict unknown, mail delivered"
like "$(grep 'refusing a key file' "$DC_DIR/log/dovecot.log")" \
	"Error: .*backscatter_key_file: $DC_KEY_FILE: refusing a key file that others may read" \
	"... with one clear error naming the file"
chmod 0640 "$DC_KEY_FILE"

# A new key takes effect at the next delivery, without a restart
"$cli" keygen --scheme bs1 --add "$DC_KEY_FILE" || exit 1
chown "root:$DC_KEY_GROUP" "$DC_KEY_FILE"
tag=$(sign alice@example.com)
like "$tag" '^alice\+bs1=b' "the new key (id 1) signs"
bounce new-key "$tag" >/dev/null
is "$(dc_find alice@example.com new-key)" Valid \
	"a tag of the new key is valid at the next delivery, no restart"

done_testing
