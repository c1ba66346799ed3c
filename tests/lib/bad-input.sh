# The broken and hostile messages of the integration tests, generated:
# tests/integration/lmtp-bad-input.sh delivers them one by one, the load
# test (tests/integration/lmtp-load.sh, tests/bench/bench-load) among the
# rest of its mix.
#
#   . tests/lib/bad-input.sh
#   bad_input_generate DIR       # writes DIR/*.eml, lists them
#   bad_input_files DIR          # every bad input: DIR's and tests/data's
#
# Each is listed with the folder the triage script of lmtp-bad-input.sh
# files it into, in BAD_INPUT_CASES ("id|file|folder"; file relative to
# tests/data, or gen/NAME for one generated in DIR).

BAD_INPUT_DATA=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../data" && pwd)

BAD_INPUT_CASES='dsn-20mb|gen/dsn-20mb.eml|Bounces
dsn-nested|gen/dsn-nested.eml|Bounces
header-only|gen/header-only.eml|Bounces
endless-header|gen/endless-header.eml|Bounces
no-boundary|broken-no-boundary.eml|Bounces
truncated|broken-truncated.eml|Bounces'

_bad_input_dsn_header() {
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\n'
	printf 'Subject: Undelivered Mail\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=delivery-status;'
	printf ' boundary="%s"\n\n' "$1"
}

bad_input_generate() {
	local gen=$1 i

	mkdir -p "$gen"
	# A DSN carrying a 20 MB attachment
	{
		_bad_input_dsn_header big
		printf -- '--big\nContent-Type: message/delivery-status\n\n'
		printf 'Final-Recipient: rfc822; x@example.net\nAction: failed\n'
		printf 'Status: 5.3.4\n\n--big\nContent-Type: application/octet-stream\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c 15000000 /dev/urandom | base64
		printf -- '--big--\n'
	} > "$gen/dsn-20mb.eml"

	# A DSN with 10,000 nested multiparts
	{
		_bad_input_dsn_header b0
		for i in $(seq 0 9999); do
			printf -- '--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' \
				"$i" "$((i + 1))"
		done
		printf -- '--b10000\nContent-Type: text/plain\n\nbottom\n'
	} > "$gen/dsn-nested.eml"

	# Headers only, no body; and a 600 KB Content-Type header, far
	# beyond the analyzer's 64 KiB read limit (it repeats its
	# report-type, so the part that is read already says DSN)
	printf 'From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n' \
		> "$gen/header-only.eml"
	{
		printf 'From: x@example.net\nContent-Type: multipart/report;\n'
		for i in $(seq 20000); do
			printf ' report-type=delivery-status;\n'
		done
	} > "$gen/endless-header.eml"
}

# bad_input_files DIR: the paths of every bad input, the generated ones
# (in DIR) and those of tests/data, the 0-byte body last
bad_input_files() {
	local id file folder

	while IFS='|' read -r id file folder; do
		case $file in
		gen/*) echo "$1/${file#gen/}" ;;
		*) echo "$BAD_INPUT_DATA/$file" ;;
		esac
	done <<<"$BAD_INPUT_CASES"
	echo "$BAD_INPUT_DATA/empty.eml"
}
