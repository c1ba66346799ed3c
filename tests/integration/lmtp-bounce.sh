#!/bin/bash
# The bounce test on a real Dovecot: messages delivered over LMTP, DSNs
# from the null sender as MTAs send them, filed by a script uploaded over
# ManageSieve.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

DC_EXTRA_CONFIG="mail_debug = yes"
dc_init || exit 1
dc_start || exit 1

ok dc_sieve_put alice@example.com triage "$TEST_SCRIPTS/triage.sieve" -- \
	"triage script uploaded and activated over ManageSieve"
ok dc_sieve_put bob@example.com reports "$TEST_SCRIPTS/reports-by-kind.sieve" -- \
	"bob's :kind script uploaded"

# A Postfix DSN from <>, with the original recipient an MTA would pass
out=$(dc_deliver_as postfix-dsn '<>' "$TEST_DATA/dsn-postfix.eml" \
	"alice@example.com ORCPT=alice@example.com")
like "$out" "^alice@example.com 250 " "DSN from <> accepted over LMTP"
is "$(dc_find alice@example.com postfix-dsn)" Bounces "DSN filed into Bounces"
is "$(dc_header alice@example.com postfix-dsn X-Test-Envelope-From)" "<>" \
	"Sieve saw the null envelope sender"
trace=$(dc_trace alice@example.com)
like "$trace" "bounce test" "delivery trace has the bounce test"
like "$trace" "message kind is .dsn. \(Content-Type multipart/report; report-type=delivery-status\)" \
	"trace states the evidence"

out=$(dc_deliver_as rfc3464 '<>' "$TEST_DATA/dsn-rfc3464.eml" \
	"alice@example.com ORCPT=alias-of-alice@example.net")
is "$(dc_find alice@example.com rfc3464)" Bounces "RFC 3464 report filed"
is "$(dc_header alice@example.com rfc3464 X-Test-Envelope-To)" \
	"alias-of-alice@example.net" "Sieve's envelope to is the ORCPT"

dc_deliver_as global '<>' "$TEST_DATA/dsn-global.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com global)" Bounces \
	"RFC 6533 global DSN filed"

# Not bounces
dc_deliver_as normal bob@example.org "$TEST_DATA/normal.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com normal)" INBOX "normal mail lands in INBOX"
trace=$(dc_trace alice@example.com)
like "$trace" "message kind is .none. \(Content-Type text/plain\)" \
	"trace explains why normal mail is no bounce"
dc_deliver_as mentions carol@example.org "$TEST_DATA/mentions-dsn.eml" \
	alice@example.com >/dev/null
is "$(dc_find alice@example.com mentions)" INBOX \
	"text that merely mentions delivery-status is not a bounce"
dc_deliver_as mdn '<>' "$TEST_DATA/mdn.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com mdn)" INBOX \
	"a read receipt from <> is not a bounce"

# One transaction, two users, two scripts
out=$(dc_deliver_as both '<>' "$TEST_DATA/dsn-rfc3464.eml" \
	alice@example.com bob@example.com)
is "$(echo "$out" | grep -c ' 250 ')" 2 "both recipients accepted"
is "$(dc_find alice@example.com both)" Bounces "alice: Bounces"
is "$(dc_find bob@example.com both)" Reports "bob: bounce :kind \"dsn\" matched"
dc_deliver_as bob-normal bob@example.org "$TEST_DATA/normal.eml" bob@example.com >/dev/null
is "$(dc_find bob@example.com bob-normal)" INBOX "bob: normal mail kept"

# However many tests ask, the message is read and analysed once
ok dc_sieve_put carol@example.com many "$TEST_SCRIPTS/many-tests.sieve" -- \
	"carol's script with four bounce tests uploaded"
dc_deliver_as many '<>' "$TEST_DATA/dsn-rfc3464.eml" carol@example.com >/dev/null
is "$(dc_find carol@example.com many)" Checked "all four tests were true"
is "$(grep -c 'lmtp(carol@example.com).*vnd.backscatter: message analysed: kind=dsn' \
	"$DC_DIR/log/dovecot.log")" 1 "the message was analysed once"

done_testing
