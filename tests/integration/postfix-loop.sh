#!/bin/bash
# The whole loop on real servers, arranged as admins run them: Postfix in
# front, Dovecot behind it over LMTP, alice's Sieve script (the backscatter
# test) uploaded over ManageSieve, backscatter_enforce_since set. alice's
# mail leaves signed by "backscatter socketmap" in the submission
# service's cleanup; a recipient Dovecot refuses makes Postfix send a real
# DSN back to the tagged address: legitimate, filed into Bounces. So is the
# DSN of mail that left unsigned through our relay (own_relays) is kept as
# unknown: no quoted header makes a bounce legitimate, but the reporting
# MTA's own one keeps our mail from being discarded. Forged backscatter
# from another host, to her untagged address or with a forged tag, is
# bogus and discarded; an untagged bounce of mail the reporting MTA
# received before the enforcement date is unknown and kept; ordinary mail
# lands in INBOX. The
# prefix form of the tag needs a map in Postfix (reject_unlisted_recipient):
# refused without, accepted with the recipe of
# conf.d/postfix/README.postfix-lmtp. Proven by the maildirs' contents; the
# Sieve trace shows the verdicts of discarded messages.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/postfix.sh"

cli=$BUILD_DIR/cli/backscatter
script=$TEST_SCRIPTS/postfix-loop.sieve
# Enforcement began two days ago: a bounce comes back within the tags'
# lifetime + grace, so older dates count as that
enforce_since=$(date -u -d '2 days ago' +%F)

dc_init || exit 1
dc_make_keys || exit 1
DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com
  backscatter_own_relays = mx.example.com
  backscatter_enforce_since = $enforce_since"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
dc_write_config || exit 1
dc_start || exit 1
pf_init || exit 1
# The submission service signs through the project's socketmap signer,
# which reads the sign domains and the key file from Dovecot's settings
pf_signer_start "$DC_CONF" || exit 1
pf_start || exit 1

ok dc_sieve_put alice@example.com triage "$script" -- \
	"alice's triage script uploaded and active"

# tagged ID FILE: FILE with "X-Test-Id: ID" on top, as a new file
tagged() {
	local out=$PF_DIR/msg.$1.eml
	{ echo "X-Test-Id: $1"; cat "$2"; } > "$out"
	echo "$out"
}

# tamper ADDRESS: the tag's MAC changed (tests/lib/tamper)
tamper() {
	"$DC_LIB/tamper" "$1"
}

# XCLIENT attributes of another host on the Internet
from_mx=ADDR=192.0.2.7,NAME=mx.attacker.example,HELO=mx.attacker.example

# --- Ordinary mail from another host: INBOX ---
out=$(pf_send --xclient ADDR=192.0.2.80,NAME=mail.example.org \
	"$PF_SMTP_PORT" bob@example.org "$(tagged normal "$TEST_DATA/normal.eml")" \
	alice@example.com)
like "$out" "^DATA 250 " "ordinary mail from another host accepted by Postfix"

# --- The legitimate bounce: alice's mail, signed by the submission
# service, bounces at Dovecot ---
cat > "$PF_DIR/alice.eml" <<EOF
X-Test-Id: legit
Date: $(date -u -R)
From: Alice <alice@example.com>
To: Nobody <nobody@example.com>
Subject: Lunch on Friday?
Message-ID: <lunch-1@example.com>

Are you in?
EOF
out=$(pf_send "$PF_SUBMIT_PORT" alice@example.com "$PF_DIR/alice.eml" \
	nobody@example.com)
like "$out" "^<nobody@example.com> 250 " \
	"Postfix accepts alice's mail to nobody@example.com (its map lists the mailbox)"

ok pf_wait_queue_empty -- "Postfix's queue drains (delivered or bounced)"

is "$(dc_find alice@example.com normal)" INBOX "ordinary mail: alice's INBOX"
is "$(dc_find alice@example.com legit)" Bounces \
	"Postfix's DSN for alice's signed mail: filed into Bounces"
dsn=$(grep -rlx -- "X-Test-Id: legit" "$(dc_home alice@example.com)/Maildir/.Bounces" 2>/dev/null | head -n 1)
ok test -n "$dsn" -- "... one file in Bounces holds it"
is "$(sed -n 's/^Return-Path: //p' "$dsn" | head -n 1)" "<>" \
	"... delivered from the null sender"
tag=$(dc_header alice@example.com legit X-Test-Envelope-To)
like "$tag" '^alice\+bs1=[a-z2-7]{17}@example\.com$' \
	"... to alice's address as the signer tagged it, which Postfix took for alice's"
like "$("$cli" verify -k "$DC_KEY_FILE" "$tag")" "valid" \
	"... a valid tag, by the CLI too"
like "$(sed -n '/^Content-Type: message\/rfc822/,$p' "$dsn" | grep '^From: ')" \
	"^From: Alice <alice@example\.com>\$" \
	"... the quoted original's From: header was not rewritten (envelope only)"
like "$(sed -n 's/^From: //p' "$dsn" | head -n 1)" "MAILER-DAEMON@mx\.example\.com" \
	"... written by our Postfix"
like "$(grep -E '^(Reporting-MTA|Status|Final-Recipient):' "$dsn" | tr '\n' ' ')" \
	"Reporting-MTA: dns; mx\.example\.com .*Final-Recipient: rfc822; nobody@example\.com .*Status: 5\.1\.1" \
	"... a real RFC 3464 report: nobody@example.com, 5.1.1"
is "$(dc_header alice@example.com legit X-Test-Verdict)" legitimate \
	"... the verdict: legitimate"
like "$(dc_trace alice@example.com)" "verdict .legitimate. \(recipient valid: bs1 tag" \
	"... the trace names the evidence: the recipient's valid tag"
is "$(dc_folder_files alice@example.com INBOX | wc -l)" 1 \
	"alice's INBOX holds the ordinary mail only"

# --- Forged backscatter from another host ---
# Each goes to bob, too (no script: kept), to prove it reached Dovecot
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(pf_forged_dsn forged-untagged alice@example.com)" \
	alice@example.com bob@example.com)
like "$out" "^DATA 250 " "a DSN to alice's untagged address accepted by Postfix"
ok pf_wait_queue_empty -- "Postfix's queue drains"
like "$(dc_trace alice@example.com)" \
	"verdict .bogus. \(no tag, and example\.com is signed since $enforce_since" \
	"... the verdict: bogus, as signing is enforced and the look-alike relay proves nothing"
is "$(dc_find bob@example.com forged-untagged)" INBOX \
	"... it reached Dovecot (bob's copy kept)"
is "$(dc_find alice@example.com forged-untagged)" "(not delivered)" \
	"... alice's copy discarded: in none of her folders"

forged=$(tamper "$tag")
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(pf_forged_dsn forged-tag "$forged")" "$forged" bob@example.com)
like "$out" "^<$(printf '%s' "$forged" | sed 's/[+.]/\\&/g')> 250 " \
	"a DSN with a forged tag accepted by Postfix (it looks like alice's)"
ok pf_wait_queue_empty -- "Postfix's queue drains"
like "$(dc_trace alice@example.com)" "verdict .bogus. \(recipient forged: " \
	"... the verdict: bogus, by the forged tag"
is "$(dc_find bob@example.com forged-tag)" INBOX \
	"... it reached Dovecot (bob's copy kept)"
is "$(dc_find alice@example.com forged-tag)" "(not delivered)" \
	"... alice's copy discarded: in none of her folders"

# An untagged bounce of mail sent before signing began: unknown, kept
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(pf_forged_dsn before-signing alice@example.com \
		"$(date -u -R -d '3 days ago')")" alice@example.com)
like "$out" "^DATA 250 " "an untagged DSN of mail received 3 days ago accepted by Postfix"
ok pf_wait_queue_empty -- "Postfix's queue drains"
is "$(dc_find alice@example.com before-signing)" INBOX \
	"... kept in INBOX: sent before enforcement began"
is "$(dc_header alice@example.com before-signing X-Test-Verdict)" unknown \
	"... the verdict: unknown"

# Mail that left through our relay unsigned (the MX, not submission): its
# DSN is untagged, but the reporting MTA received it from our relay: kept,
# never discarded, and never called legitimate on a header's word
cat > "$PF_DIR/relayed.eml" <<EOF
X-Test-Id: via-relay
Date: $(date -u -R)
From: Alice <alice@example.com>
To: Nobody <nobody@example.com>
Subject: Sent around the signer

Hello.
EOF
out=$(pf_send "$PF_SMTP_PORT" alice@example.com "$PF_DIR/relayed.eml" \
	nobody@example.com)
like "$out" "^DATA 250 " "alice's unsigned mail through our relay accepted"
ok pf_wait_queue_empty -- "Postfix's queue drains"
is "$(dc_find alice@example.com via-relay)" INBOX \
	"... its DSN to the untagged address: kept in INBOX"
like "$(dc_trace alice@example.com)" \
	"verdict .unknown. \(no tag, but the reporting MTA received the original from our relay mx\.example\.com" \
	"... the verdict: unknown, by the reporting MTA's own Received header"

is "$(dc_folder_files alice@example.com Bounces | wc -l)" 1 \
	"alice's Bounces holds the legitimate DSN only"
is "$(dc_folder_files alice@example.com INBOX | wc -l)" 3 \
	"alice's INBOX holds the ordinary mail, the old bounce and the relayed one"

# --- The prefix form: Postfix needs a map ---
ptag=$("$cli" sign -k "$DC_KEY_FILE" --form prefix alice@example.com)
like "$ptag" '^bs1=[a-z2-7]{17}=alice@example\.com$' "prefix-form tag"
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(tagged prefix-nomap "$TEST_DATA/dsn-rfc3464.eml")" "$ptag")
like "$out" "^<$ptag> 550 5\.1\.1 " \
	"without a map, Postfix refuses the prefix form (reject_unlisted_recipient)"

# The recipe of conf.d/postfix/README.postfix-lmtp: strip the tag with
# the shipped regexp, then look the user up in the same table
cp "$DC_TOP/conf.d/postfix/backscatter-prefix.regexp" "$PF_DIR/etc/" || exit 1
PF_VIRTUAL_MAILBOX_MAPS="texthash:$PF_DIR/etc/vmailbox,
	pipemap:{regexp:$PF_DIR/etc/backscatter-prefix.regexp, texthash:$PF_DIR/etc/vmailbox}"
pf_restart || exit 1
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(tagged prefix "$TEST_DATA/dsn-rfc3464.eml")" "$ptag")
like "$out" "^<$ptag> 250 " "with the pipemap recipe, Postfix accepts the prefix form"
ntag=$("$cli" sign -k "$DC_KEY_FILE" --form prefix nosuchuser@example.com)
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(tagged prefix-unknown "$TEST_DATA/dsn-rfc3464.eml")" "$ntag")
like "$out" "^<$ntag> 550 5\.1\.1 " \
	"... and still refuses a tagged unknown user at RCPT (no backscatter of its own)"
ok pf_wait_queue_empty -- "Postfix's queue drains"
is "$(dc_find alice@example.com prefix)" Bounces \
	"a bounce to the prefix form reaches alice (LMTP plugin) and is filed into Bounces"
is "$(dc_header alice@example.com prefix X-Test-Verdict)" legitimate \
	"... legitimate"
is "$(dc_header alice@example.com prefix X-Test-Envelope-To)" "$ptag" \
	"... Sieve saw the tagged recipient"

# --- Nothing went astray ---
is "$(dc_folder_files carol@example.com INBOX | wc -l)" 0 \
	"no postmaster notices (carol gets them): nothing deferred or failed in Postfix"

done_testing
