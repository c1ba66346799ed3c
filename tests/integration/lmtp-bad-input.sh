#!/bin/bash
# Broken and hostile messages delivered for real: none may make delivery
# fail or lose mail; bounce is simply true or false.
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/dovecot.sh"

dc_init || exit 1
dc_start || exit 1
ok dc_sieve_put alice@example.com triage "$TEST_SCRIPTS/triage.sieve" -- \
	"triage script active"

gen=$DC_DIR/generated
mkdir -p "$gen"

dsn_header() {
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\n'
	printf 'Subject: Undelivered Mail\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=delivery-status;'
	printf ' boundary="%s"\n\n' "$1"
}

# A DSN carrying a 20 MB attachment
{
	dsn_header big
	printf -- '--big\nContent-Type: message/delivery-status\n\n'
	printf 'Final-Recipient: rfc822; x@example.net\nAction: failed\n'
	printf 'Status: 5.3.4\n\n--big\nContent-Type: application/octet-stream\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 15000000 /dev/urandom | base64
	printf -- '--big--\n'
} > "$gen/dsn-20mb.eml"

# A DSN with 10,000 nested multiparts
{
	dsn_header b0
	for i in $(seq 0 9999); do
		printf -- '--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' \
			"$i" "$((i + 1))"
	done
	printf -- '--b10000\nContent-Type: text/plain\n\nbottom\n'
} > "$gen/dsn-nested.eml"

# Headers only, no body; and a 600 KB Content-Type header, far beyond the
# analyzer's 64 KiB read limit (it repeats its report-type, so the part
# that is read already says DSN)
printf 'From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n' \
	> "$gen/header-only.eml"
{
	printf 'From: x@example.net\nContent-Type: multipart/report;\n'
	for i in $(seq 20000); do printf ' report-type=delivery-status;\n'; done
} > "$gen/endless-header.eml"

ls -l "$gen" | awk 'NR > 1 { printf "# %s: %d bytes\n", $9, $5 }'

while IFS='|' read -r id file folder; do
	case $file in
	/*) path=$file ;;
	gen/*) path=$gen/${file#gen/} ;;
	*) path=$TEST_DATA/$file ;;
	esac
	out=$(dc_deliver_as "$id" '<>' "$path" alice@example.com)
	like "$out" "^alice@example.com 250 " "$id: delivered (250)"
	is "$(dc_find alice@example.com "$id")" "$folder" "$id: filed into $folder"
	like "$(dc_trace alice@example.com)" "bounce test: (true|false)" \
		"$id: the test had a plain result"
done <<'CASES'
dsn-20mb|gen/dsn-20mb.eml|Bounces
dsn-nested|gen/dsn-nested.eml|Bounces
header-only|gen/header-only.eml|Bounces
endless-header|gen/endless-header.eml|Bounces
no-boundary|broken-no-boundary.eml|Bounces
truncated|broken-truncated.eml|Bounces
CASES

# A 0-byte body (dc_deliver_as adds its one header line)
out=$(dc_deliver_as empty '<>' "$TEST_DATA/empty.eml" alice@example.com)
like "$out" "^alice@example.com 250 " "0-byte body: delivered"
is "$(dc_find alice@example.com empty)" INBOX "0-byte body: kept in INBOX"

unlike "$(grep -E 'Error|Fatal|Panic' "$DC_DIR/log/dovecot.log")" "." \
	"no errors in the Dovecot log"

done_testing
