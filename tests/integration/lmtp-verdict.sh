#!/bin/bash
# The triage verdict on a real Dovecot over LMTP: the backscatter test and
# ${bounce.verdict} file a bounce of our own mail into Bounces and discard
# backscatter, by the recipient's tag, the enforcement of tags and the
# quoted original's relays; the maildirs prove where each message went.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
month_ago=$(date -u -d '30 days ago' +%F)

dc_init || exit 1
dc_make_keys || exit 1
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
base="  backscatter_key_file = $DC_KEY_FILE"
dc_restart "$base" || exit 1
ok dc_sieve_put alice@example.com triage \
	"$TEST_SCRIPTS/backscatter-triage.sieve" -- \
	"script using the backscatter test uploaded and activated"

sign() {
	"$cli" sign -k "$DC_KEY_FILE" "$@"
}

# tamper ADDRESS: the tag's MAC changed (tests/lib/tamper)
tamper() {
	"$DC_LIB/tamper" "$1"
}

# bounce ID FILE RCPT: a DSN from <> to RCPT, delivered as ID
bounce() {
	dc_deliver_as "$1" '<>' "$2" "$3"
}

# verdict_trace: the verdict line of the latest delivery's trace
verdict_trace() {
	dc_trace alice@example.com | grep -m 1 "verdict \`"
}

dsn=$TEST_DATA/dsn-rfc3464.eml

# --- The recipient's tag; no enforcement ---
like "$(bounce signed "$dsn" "$(sign alice@example.com)")" " 250 " \
	"a DSN to a signed address is accepted"
is "$(dc_find alice@example.com signed)" Bounces \
	"... and backscatter \"legitimate\" files it into Bounces"
is "$(dc_header alice@example.com signed X-Test-Verdict)" legitimate \
	"... where \${bounce.verdict} says legitimate"
like "$(verdict_trace)" "verdict .legitimate. \(recipient valid: bs1 tag, key 0, expires [0-9-]+\)" \
	"... and the trace states the evidence"

like "$(bounce forged "$dsn" "$(tamper "$(sign alice@example.com)")")" \
	" 250 " "a DSN to a forged tag is accepted"
is "$(dc_find alice@example.com forged)" "(not delivered)" \
	"... and discarded as bogus: it is in no folder"
like "$(verdict_trace)" "verdict .bogus. \(recipient forged: bs1 tag with a bad MAC" \
	"... the trace says why"

bounce expired "$dsn" "$(sign --now "$month_ago" alice@example.com)" >/dev/null
is "$(dc_find alice@example.com expired)" "(not delivered)" \
	"a DSN to an expired tag is discarded"

bounce unsigned "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com unsigned)" INBOX \
	"an unsigned address without enforcement stays in INBOX"
is "$(dc_header alice@example.com unsigned X-Test-Verdict)" unknown \
	"... as unknown"
like "$(verdict_trace)" "verdict .unknown. \(no tag, and tags are not enforced\)" \
	"... because tags are not enforced"

dc_deliver_as normal bob@example.org "$TEST_DATA/normal.eml" \
	alice@example.com >/dev/null
is "$(dc_find alice@example.com normal)" INBOX "normal mail lands in INBOX"
is "$(dc_header alice@example.com normal X-Test-Verdict)" none \
	"... with the verdict none"

# --- Enforcement ---
enforce="$base
  backscatter_sign_domains = example.org example.com
  backscatter_enforce_since = 2020-01-01"
dc_restart "$enforce" || exit 1
bounce enforced "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com enforced)" "(not delivered)" \
	"unsigned, enforced since a past date: bogus, discarded"
# The report's Arrival-Date (written by the reporting MTA) outranks the
# quoted Date (written by whoever sent the original); a date further back
# than lifetime + grace counts as that
like "$(verdict_trace)" "verdict .bogus. \(no tag, and example.com is signed since 2020-01-01; the report says it arrived (no earlier than )?20[0-9-]+\)" \
	"... the trace names the domain, the date and where the date came from"
bounce enforced-signed "$dsn" "$(sign alice@example.com)" >/dev/null
is "$(dc_find alice@example.com enforced-signed)" Bounces \
	"... while a signed address is still legitimate"

# A bounce with no DSN part, from no mail system's name, titled "Mail":
# only the envelope's MAIL FROM:<>, which LMTP records as Return-Path: <>,
# marks it as a mail system's. It quotes mail received in 2013, before
# enforcement; no bounce comes back years late, so that counts as
# lifetime + grace ago: bogus, where a message that is no bounce would be
# none.
nameless=$DC_DIR/nameless-bounce.eml
grep -v '^Return-Path:' "$TEST_DATA/corpus/lhost-kddi-03.eml" > "$nameless"
bounce nameless "$nameless" alice@example.com >/dev/null
is "$(dc_find alice@example.com nameless)" "(not delivered)" \
	"a carrier's bounce from <> with no other sign is a bounce: bogus"
like "$(verdict_trace)" "verdict .bogus. \(no tag, .*the reporting MTA received it no earlier than 20[0-9-]+\)" \
	"... judged by the reporting MTA's date, clamped to a bounce's age"
dc_deliver_as nameless-mail carol@example.org "$nameless" \
	alice@example.com >/dev/null
is "$(dc_header alice@example.com nameless-mail X-Test-Verdict)" none \
	"... while the same text from a person's address is ordinary mail"

# An Amazon SES notification goes to whoever subscribed to it, not back
# to a return path: tags say nothing about it, it is never discarded
dc_deliver_as ses bounces@ses.example.net \
	"$TEST_DATA/corpus/lhost-amazonses-09.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com ses)" INBOX \
	"an SES bounce notification to an unsigned address is kept"
is "$(dc_header alice@example.com ses X-Test-Verdict)" none \
	"... with the verdict none"
like "$(verdict_trace)" "verdict .none. \(a notification to its subscriber" \
	"... the trace says why"

dc_restart "$base
  backscatter_sign_domains = example.com
  backscatter_enforce_since = 2099-01-01" || exit 1
bounce not-yet "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com not-yet)" INBOX \
	"unsigned before enforcement begins: unknown, kept"

# --- Evidence from the quoted original: our relays ---
# The reporting MTA received the DSN's original from mail.example.com
# [192.0.2.25] (its topmost quoted Received header). Text in a quoted
# original never makes a bounce legitimate, but this header keeps our own
# unsigned mail from being discarded under enforcement.
dc_restart "$enforce
  backscatter_own_relays = mail.example.com" || exit 1
bounce relay-name "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com relay-name)" INBOX \
	"unsigned, but the reporting MTA received it from our relay: kept"
like "$(verdict_trace)" "verdict .unknown. \(no tag, but the reporting MTA received the original from our relay mail.example.com \(as mail\.example\.com\)\)" \
	"... as unknown; the trace names the relay, and the name it was seen as"

forged_relay=$DC_DIR/forged-relay.eml
sed 's/mail\.example\.com/evil-mail.example.com/g' "$dsn" > "$forged_relay"
bounce relay-substring "$forged_relay" alice@example.com >/dev/null
is "$(dc_find alice@example.com relay-substring)" "(not delivered)" \
	"a forged bounce through evil-mail.example.com is not ours: bogus"
# the TCP-info comment never closed
sed 's/\(mail\.example\.com \[192\.0\.2\.25\]\))/\1/' "$dsn" > "$forged_relay"
grep -q '^Received: from mail.example.com (mail.example.com \[192.0.2.25\]$' \
	"$forged_relay" || exit 1
bounce relay-malformed "$forged_relay" alice@example.com >/dev/null
is "$(dc_find alice@example.com relay-malformed)" "(not delivered)" \
	"... nor one whose quoted Received header is malformed"

dc_restart "$enforce
  backscatter_own_relays = 192.0.2.25" || exit 1
bounce relay-ip "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com relay-ip)" INBOX \
	"a relay given by IP address matches the quoted Received header"

# --- editheader around the analysis ---
ok dc_sieve_put alice@example.com header \
	"$TEST_SCRIPTS/verdict-header.sieve" -- \
	"script adding headers before and after the verdict uploaded"
bounce edited "$dsn" "$(sign alice@example.com)" >/dev/null
is "$(dc_find alice@example.com edited)" Bounces \
	"a header added before the verdict and one after: delivered"
is "$(dc_header alice@example.com edited X-Backscatter)" legitimate \
	"... with the verdict in its header"
is "$(dc_header alice@example.com edited X-Before-Triage)" yes \
	"... and the header added before it"

done_testing
