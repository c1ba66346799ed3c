#!/bin/bash
# Broken and hostile messages delivered for real: none may make delivery
# fail or lose mail; bounce is simply true or false.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/bad-input.sh"

dc_init || exit 1
dc_start || exit 1
ok dc_sieve_put alice@example.com triage "$TEST_SCRIPTS/triage.sieve" -- \
	"triage script active"

gen=$DC_DIR/generated
bad_input_generate "$gen"

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
done <<<"$BAD_INPUT_CASES"

# A 0-byte body (dc_deliver_as adds its one header line)
out=$(dc_deliver_as empty '<>' "$TEST_DATA/empty.eml" alice@example.com)
like "$out" "^alice@example.com 250 " "0-byte body: delivered"
is "$(dc_find alice@example.com empty)" INBOX "0-byte body: kept in INBOX"

unlike "$(grep -E 'Error|Fatal|Panic' "$DC_DIR/log/dovecot.log")" "." \
	"no errors in the Dovecot log"

done_testing
