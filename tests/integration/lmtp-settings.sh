#!/bin/bash
# backscatter_* settings reach the extension inside real deliveries, and a
# bad value is one clear error that loses no mail.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

# A DSN whose human-readable part is 16 KB long: with a 4 KiB limit the
# analyzer must stop before the status part that follows it
DC_PLUGIN_SETTINGS="  backscatter_analyze_max_size = 4k"
dc_init || exit 1
long=$DC_DIR/dsn-long-notice.eml
awk '{ print } /^from mail.example.com/ {
	for (i = 0; i < 256; i++)
		print "Details of the delivery attempt, line " i ", padded out.."
}' "$TEST_DATA/dsn-rfc3464.eml" > "$long"

dc_start || exit 1
ok dc_sieve_put alice@example.com triage "$TEST_SCRIPTS/triage.sieve" -- \
	"triage script active"

dc_deliver_as small-limit '<>' "$long" alice@example.com >/dev/null
is "$(dc_find alice@example.com small-limit)" Bounces \
	"with a 4 KiB limit the header still makes it a DSN"
like "$(dc_trace alice@example.com)" "report-type=delivery-status, without a status part" \
	"... and the status part was not read"

dc_restart "  backscatter_analyze_max_size = 64k"
dc_deliver_as default-limit '<>' "$long" alice@example.com >/dev/null
unlike "$(dc_trace alice@example.com)" "without a status part" \
	"with 64k the status part is read"

# A bad value: Dovecot 2.4 refuses the whole configuration with file and
# line (doveconf.sh proves that); 2.3 cannot check plugin {} settings, so
# the extension logs the error and keeps working with its defaults
if [ "$(dc_version)" = 2.3 ]; then
	dc_restart "  backscatter_analyze_max_size = lots"
	out=$(dc_deliver_as bad-value '<>' "$TEST_DATA/dsn-rfc3464.eml" alice@example.com)
	like "$out" "^alice@example.com 250 " "a bad setting does not fail delivery"
	is "$(dc_find alice@example.com bad-value)" Bounces \
		"... and the extension works with its defaults"
	errors=$(grep -F "vnd.backscatter: backscatter_analyze_max_size: " \
		"$DC_DIR/log/dovecot.log")
	like "$errors" "Error: .*vnd\.backscatter: backscatter_analyze_max_size: .*lots.* \(using defaults\)" \
		"the log names the setting and its bad value"
fi

done_testing
