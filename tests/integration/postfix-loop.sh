#!/bin/bash
# The whole loop on real servers, arranged as admins run them: Postfix in
# front, Dovecot behind it over LMTP, alice's Sieve script uploaded over
# ManageSieve. alice's mail leaves signed through the submission service;
# a recipient Dovecot refuses makes Postfix send a real DSN back to the
# tagged address, which alice's script files into Bounces. Forged
# backscatter from another host, to her untagged address or with a forged
# tag, is discarded; ordinary mail lands in INBOX. The prefix form of the
# tag needs a map in Postfix (reject_unlisted_recipient): refused without,
# accepted with the recipe of conf.d/postfix/README.postfix-lmtp.
# Everything is proven by the maildirs' contents.
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/postfix.sh"

cli=$BUILD_DIR/plugin/backscatter
script=$TEST_SCRIPTS/postfix-loop.sieve

dc_init || exit 1
dc_make_keys || exit 1
DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com
  backscatter_own_relays = mx.example.com
  backscatter_enforce_since = 2020-01-01"
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

# tamper ADDRESS: the address with the tag's last MAC character changed
tamper() {
	python3 -c '
import re, sys
a = sys.argv[1]
i = re.search(r"(?i)(bs1|prvs)=([a-z0-9]+)", a).end(2) - 1
print(a[:i] + ("b" if a[i] == "a" else "a") + a[i + 1:])' "$1"
}

# forged_dsn ID RCPT: a Postfix-style DSN as another host would send it,
# for a message alice never sent (a joe job: her address forged as the
# sender by a spam host); its quoted Received header names a look-alike
# of our relay, which must not count as ours
forged_dsn() {
	local out=$PF_DIR/msg.$1.eml
	cat > "$out" <<-EOF
	X-Test-Id: $1
	Date: $(date -u -R)
	From: MAILER-DAEMON@mx.attacker.example (Mail Delivery System)
	Subject: Undelivered Mail Returned to Sender
	To: $2
	Auto-Submitted: auto-replied
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status;
	 boundary="B.forged"
	Message-Id: <forged-$1@mx.attacker.example>

	--B.forged
	Content-Description: Notification
	Content-Type: text/plain; charset=us-ascii

	This is the mail system at host mx.attacker.example.

	<victim@attacker.example>: host mail.attacker.example said: 550 5.1.1
	    <victim@attacker.example>: Recipient address rejected: User unknown

	--B.forged
	Content-Description: Delivery report
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.attacker.example
	X-Postfix-Sender: rfc822; $2
	Arrival-Date: $(date -u -R)

	Final-Recipient: rfc822; victim@attacker.example
	Action: failed
	Status: 5.1.1
	Diagnostic-Code: smtp; 550 5.1.1 <victim@attacker.example>: User unknown

	--B.forged
	Content-Description: Undelivered Message
	Content-Type: message/rfc822

	Received: from bot.dialup.example (bot.dialup.example [198.51.100.9])
	 by mx.example.com.evil.org (Postfix) with ESMTP id 4AB12
	 for <victim@attacker.example>; $(date -u -R)
	Date: $(date -u -R)
	From: Alice <alice@example.com>
	To: victim@attacker.example
	Subject: Cheap watches
	Message-ID: <spam-$1@bot.dialup.example>

	Buy now.

	--B.forged--
	EOF
	echo "$out"
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
is "$(dc_folder_files alice@example.com INBOX | wc -l)" 1 \
	"alice's INBOX holds the ordinary mail only"

# --- Forged backscatter from another host ---
# Each goes to bob, too (no script: kept), to prove it reached Dovecot
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(forged_dsn forged-untagged alice@example.com)" \
	alice@example.com bob@example.com)
like "$out" "^DATA 250 " "a DSN to alice's untagged address accepted by Postfix"
forged=$(tamper "$tag")
out=$(pf_send --xclient "$from_mx" "$PF_SMTP_PORT" '<>' \
	"$(forged_dsn forged-tag "$forged")" "$forged" bob@example.com)
like "$out" "^<$(printf '%s' "$forged" | sed 's/[+.]/\\&/g')> 250 " \
	"a DSN with a forged tag accepted by Postfix (it looks like alice's)"
ok pf_wait_queue_empty -- "Postfix's queue drains"

is "$(dc_find bob@example.com forged-untagged)" INBOX \
	"the DSN to the untagged address reached Dovecot (bob's copy kept)"
is "$(dc_find alice@example.com forged-untagged)" "(not delivered)" \
	"... alice's copy discarded: in none of her folders"
is "$(dc_find bob@example.com forged-tag)" INBOX \
	"the DSN with the forged tag reached Dovecot (bob's copy kept)"
is "$(dc_find alice@example.com forged-tag)" "(not delivered)" \
	"... alice's copy discarded: in none of her folders"
is "$(dc_folder_files alice@example.com Bounces | wc -l)" 1 \
	"alice's Bounces still holds the legitimate DSN only"

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
is "$(dc_header alice@example.com prefix X-Test-Envelope-To)" "$ptag" \
	"... Sieve saw the tagged recipient"

# --- Nothing went astray ---
is "$(dc_folder_files carol@example.com INBOX | wc -l)" 0 \
	"no postmaster notices (carol gets them): nothing deferred or failed in Postfix"

done_testing
