#!/bin/bash
# The backscatter_verdict event counted by Dovecot's own stats, as an
# admin would set it up (README, "Events and metrics"): a metric on the
# event grouped by verdict, and one on the LMTP plugin's refusals only;
# bounces delivered over LMTP (legitimate, bogus, unknown, none, and one
# refused at RCPT); then the OpenMetrics listener scraped, as Prometheus
# would, and doveadm stats dump read: each count as delivered.
set -u
DC_USERS="alice@example.com dave@example.net"
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
dsn=$TEST_DATA/dsn-rfc3464.eml

dc_init || exit 1
dc_make_keys || exit 1
stats_port=$("$DC_LIB/free-ports" 1)

# The metric blocks of README, and the OpenMetrics listener
DC_EXTRA_CONFIG="$(dc_metric backscatter_verdicts event=backscatter_verdict verdict)
$(dc_metric backscatter_refusals 'event=backscatter_verdict AND stage=lmtp')
$(dc_stats_listener "$stats_port")"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
# example.com is signed and enforced; example.net is not ours to sign
dc_restart "  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com
  backscatter_enforce_since = 2020-01-01
  backscatter_lmtp_reject = yes" || exit 1
for user in alice@example.com dave@example.net; do
	ok dc_sieve_put "$user" triage \
		"$TEST_SCRIPTS/backscatter-triage.sieve" -- \
		"$user: script using the backscatter test active"
done

# scrape: the OpenMetrics page, as Prometheus reads it
scrape() {
	curl -sf "http://127.0.0.1:$stats_port/metrics"
}

# count METRIC [LABELS]: the value of one sample of the scrape, "" when
# it is not there. A counter's sample ends in _total; Dovecot 2.3 names
# the sum of a metric with group_by _count instead.
count() {
	scrape | python3 -c '
import re, sys
name, labels = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    m = re.match(r"^([a-z_]+?)_(total|count)(\{[^}]*\})? ([0-9.e+]+)$",
                 line.strip())
    if m and m.group(1) == name and (m.group(3) or "") == labels:
        print(int(float(m.group(4))))
' "$1" "${2:-}"
}

# Nothing delivered yet: the metrics are there, at 0
is "$(count dovecot_backscatter_verdicts)" 0 \
	"the OpenMetrics listener serves the verdict metric, at 0"
is "$(count dovecot_backscatter_refusals)" 0 \
	"... and the refusals metric"

signed=$("$cli" sign -k "$DC_KEY_FILE" alice@example.com)
tampered=$("$DC_LIB/tamper" "$("$cli" sign -k "$DC_KEY_FILE" alice@example.com)")

like "$(dc_deliver_as legit1 '<>' "$dsn" "$signed")" " 250 " \
	"a bounce to a signed address is delivered"
dc_deliver_as legit2 '<>' "$dsn" \
	"$("$cli" sign -k "$DC_KEY_FILE" --scheme prvs alice@example.com)" \
	>/dev/null
like "$(dc_deliver_as refused '<>' "$dsn" "$tampered")" " 550 " \
	"a bounce to a forged tag is refused at RCPT by the LMTP plugin"
dc_deliver_as enforced '<>' "$dsn" alice@example.com >/dev/null
is "$(dc_find alice@example.com enforced)" "(not delivered)" \
	"an untagged bounce to an enforced domain is bogus, discarded by Sieve"
dc_deliver_as other '<>' "$dsn" dave@example.net >/dev/null
is "$(dc_header dave@example.net other X-Test-Verdict)" unknown \
	"an untagged bounce to a domain we do not sign is unknown"
dc_deliver_as normal bob@example.org "$TEST_DATA/normal.eml" \
	alice@example.com >/dev/null
is "$(dc_header alice@example.com normal X-Test-Verdict)" none \
	"ordinary mail is none"

# The processes send their events to stats on their own time: wait until
# all six are counted (or a minute has passed), then check each count
for i in $(seq 300); do
	[ "$(count dovecot_backscatter_verdicts)" = 6 ] && break
	sleep 0.2
done
is "$(count dovecot_backscatter_verdicts)" 6 \
	"the scrape counts six verdicts, one per delivery and refusal"
is "$(count dovecot_backscatter_verdicts '{verdict="legitimate"}')" 2 \
	"... legitimate: 2"
is "$(count dovecot_backscatter_verdicts '{verdict="bogus"}')" 2 \
	"... bogus: 2 (one discarded by Sieve, one refused by LMTP)"
is "$(count dovecot_backscatter_verdicts '{verdict="unknown"}')" 1 \
	"... unknown: 1"
is "$(count dovecot_backscatter_verdicts '{verdict="none"}')" 1 \
	"... none: 1"
is "$(count dovecot_backscatter_refusals)" 1 \
	"a metric filtered on stage=lmtp counts the one refusal"

# The same from doveadm, for those without Prometheus
dump=$(dc_stats_dump 2>&1)
like "$dump" "^backscatter_verdicts[[:space:]]+duration[[:space:]]+6[[:space:]]" \
	"doveadm stats dump counts the six verdicts too"
like "$dump" "^backscatter_verdicts_legitimate[[:space:]]+duration[[:space:]]+2[[:space:]]" \
	"... and the legitimate ones among them"

done_testing
