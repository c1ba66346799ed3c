#!/bin/bash
# Bounce analysis in Sieve on a real Dovecot: the dsn test over report
# fields (match types, any recipient, relational :count), the bounce.
# variables namespace, the bounce kinds, and the compile errors scripts
# get on upload. Messages come over LMTP from the null sender.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

DC_EXTRA_CONFIG="mail_debug = yes"
dc_init || exit 1
dc_start || exit 1

# bounce ID FILE USER: a report from <> to USER, delivered as ID
bounce() {
	dc_deliver_as "$1" '<>' "$TEST_DATA/$2" "$3" >/dev/null
}

# --- dsn: fields, match types, any recipient ---
ok dc_sieve_put alice@example.com dsn "$TEST_SCRIPTS/dsn-status.sieve" -- \
	"script using dsn uploaded and activated over ManageSieve"

bounce userunknown dsn-userunknown.eml alice@example.com
is "$(dc_find alice@example.com userunknown)" Bounces \
	'dsn :is "status" "5.1.1" matches a 5.1.1 report'
trace=$(dc_trace alice@example.com)
like "$trace" "dsn test" "the delivery trace has the dsn test"
like "$trace" "message kind is .dsn., report with 1 recipient\(s\)" \
	"... which states what report it looked at"
like "$trace" "field .status. of recipient 1: .5\.1\.1." \
	"... and the values it matched"
like "$trace" "dsn test: true" "... and its result"

bounce two dsn-two-recipients.eml alice@example.com
is "$(dc_find alice@example.com two)" Bounces \
	"a 5.1.1 on the second of two recipients matches: any recipient counts"

bounce delayed dsn-delayed.eml alice@example.com
is "$(dc_find alice@example.com delayed)" Example-org \
	'a 4.4.1 report does not match "5.1.1"; :matches "*@example.org" does'

bounce global dsn-global.eml alice@example.com
is "$(dc_find alice@example.com global)" Bounces \
	"RFC 6533 global DSN: status matched"

dc_deliver_as normal bob@example.org "$TEST_DATA/normal.eml" \
	alice@example.com >/dev/null
is "$(dc_find alice@example.com normal)" INBOX "normal mail: dsn is false"
like "$(dc_trace alice@example.com)" \
	"message kind is .none., without report fields" \
	"... and the trace says why"

# --- relational :count counts values, one per recipient ---
ok dc_sieve_put bob@example.com count "$TEST_SCRIPTS/dsn-count.sieve" -- \
	"script using dsn :count uploaded"
bounce count-two dsn-two-recipients.eml bob@example.com
is "$(dc_find bob@example.com count-two)" Several \
	'dsn :count "ge" "status" "2" on a two-recipient report'
bounce count-one dsn-userunknown.eml bob@example.com
is "$(dc_find bob@example.com count-one)" One \
	'dsn :count "eq" "status" "1" on a one-recipient report'
dc_deliver_as count-none bob@example.org "$TEST_DATA/normal.eml" \
	bob@example.com >/dev/null
is "$(dc_find bob@example.com count-none)" INBOX \
	'normal mail: not even dsn :count "eq" "0" is true'

# No script so far read ${bounce.returnpath}: the key setting was never
# looked at
is "$(grep -c 'backscatter_key_file is not set' "$DC_DIR/log/dovecot.log")" 0 \
	"return-path tags are not judged for scripts that never ask"

# --- the bounce. variables ---
ok dc_sieve_put carol@example.com vars "$TEST_SCRIPTS/dsn-variables.sieve" -- \
	"script using \${bounce.*} uploaded"
bounce vars dsn-userunknown.eml carol@example.com
hdr() { dc_header carol@example.com "$1" "$2"; }
is "$(hdr vars X-Bounce-Kind)" dsn '${bounce.kind}'
is "$(hdr vars X-Bounce-Status)" 5.1.1 '${bounce.status}'
is "$(hdr vars X-Bounce-Status-Upper)" 5.1.1 \
	'${BOUNCE.STATUS}: names are case-insensitive'
is "$(hdr vars X-Bounce-Action)" failed '${bounce.action}'
is "$(hdr vars X-Bounce-Recipient)" bob@example.org '${bounce.recipient}'
like "$(hdr vars X-Bounce-Diagnostic)" \
	"550 5\.1\.1 <bob@example\.org>: Recipient address" \
	'${bounce.diagnostic}'
is "$(hdr vars X-Bounce-Original-Subject)" "Quarterly figures" \
	'${bounce.original_subject}'
is "$(hdr vars X-Bounce-Original-Message-Id)" "<q3-figures@example.com>" \
	'${bounce.original_message_id}'
# Needs the analyzer's reason classification
is "$(dc_find carol@example.com vars)" Bounces.userunknown \
	'fileinto :create "Bounces/${bounce.reason}": Bounces/userunknown'
is "$(grep -c 'lmtp(carol@example.com).*vnd.backscatter: message analysed' \
	"$DC_DIR/log/dovecot.log")" 1 \
	"nine variables and a test: the message was analysed once"

bounce vars-two dsn-two-recipients.eml carol@example.com
is "$(hdr vars-two X-Bounce-Status)" 5.2.2 \
	'${bounce.status} is of the first failed recipient'
is "$(hdr vars-two X-Bounce-Recipient)" full@example.org \
	'... and so is ${bounce.recipient}'

dc_deliver_as vars-normal bob@example.org "$TEST_DATA/normal.eml" \
	carol@example.com >/dev/null
is "$(dc_find carol@example.com vars-normal)" INBOX "normal mail kept"
is "$(hdr vars-normal X-Bounce-Kind)" none '${bounce.kind} of normal mail'
is "$(hdr vars-normal X-Bounce-Status)" "" '${bounce.status} absent: ""'
is "$(hdr vars-normal X-Bounce-Original-Subject)" "" \
	'${bounce.original_subject} absent: ""'

ok dc_sieve_put carol@example.com rp \
	"$TEST_SCRIPTS/dsn-returnpath-variable.sieve" -- \
	"script reading \${bounce.returnpath} uploaded"
bounce rp dsn-userunknown.eml carol@example.com
is "$(hdr rp X-Bounce-Returnpath)" unknown \
	'${bounce.returnpath}: no keys, verdict unknown'
is "$(grep -c 'backscatter_key_file is not set' "$DC_DIR/log/dovecot.log")" 1 \
	"... judged because the script read it"

# --- kinds: auto-replies, and feedback reports are no bounces ---
ok dc_sieve_put bob@example.com kinds "$TEST_SCRIPTS/kinds.sieve" -- \
	"script with bounce :kind uploaded"
bounce kind-dsn dsn-userunknown.eml bob@example.com
is "$(dc_find bob@example.com kind-dsn)" Bounces "a DSN is a bounce"
# Needs the analyzer's auto-reply detection
bounce kind-autoreply autoreply.eml bob@example.com
is "$(dc_find bob@example.com kind-autoreply)" Autoreplies \
	'an RFC 3834 auto-reply: bounce :kind "autoreply"'
# Needs the analyzer's feedback report detection
bounce kind-arf arf-abuse.eml bob@example.com
is "$(dc_find bob@example.com kind-arf)" Complaints \
	'an ARF abuse report: no bounce, but bounce :kind "feedback"'

# --- compile errors, for ManageSieve clients and sievec ---
put_rejected() {
	! dc_sieve_connect alice@example.com --upload \
		--localsieve "$TEST_SCRIPTS/errors/$1.sieve" --remotesieve "$1" 2>&1
}
out=$(put_rejected dsn-unknown-field)
is "$?" 0 "PUTSCRIPT rejects an unknown dsn field"
like "$out" "line 2: .*dsn test: unknown field 'bogus-field' \(valid fields are: reporting-mta, .*, class\)" \
	"... naming it and the valid ones"

out=$(put_rejected bounce-variable-unknown)
is "$?" 0 "PUTSCRIPT rejects an unknown \${bounce.*} name inside a string"
like "$out" "line 2: .*unknown variable .bounce\.colour. \(valid names are: kind, .*returnpath, verdict\)" \
	"... naming it and the valid ones"
out=$(put_rejected bounce-variable-assign)
is "$?" 0 "PUTSCRIPT rejects setting a bounce.* variable"
like "$out" "line 2: .*cannot assign to variable .bounce\.kind.: the bounce namespace is read-only" \
	"... saying it is read-only"
unlike "$(dc_sieve_connect alice@example.com --list 2>&1)" "dsn-unknown-field|bounce-variable" \
	"rejected scripts were not stored"

work=$DC_DIR/dsn-tools
mkdir -p "$work"
while IFS='|' read -r name pattern; do
	out=$(sievec -c "$DC_CONF" "$TEST_SCRIPTS/errors/$name.sieve" \
		"$work/$name.svbin" 2>&1)
	status=$?
	[ "$status" != 0 ] && status=failed
	is "$status" failed "sievec rejects $name"
	like "$out" "$pattern" "... with: $pattern"
done <<'CASES'
dsn-unknown-field|line 2: error: dsn test: unknown field 'bogus-field' \(valid fields are: reporting-mta, received-from-mta, arrival-date, original-envelope-id, final-recipient, original-recipient, action, status, remote-mta, diagnostic-code, last-attempt-date, will-retry-until, reply-code, reason, class\)
dsn-one-argument|line 2: error: the dsn test expects a string list as argument 2 \(key list\)|the dsn test requires 2 positional argument
bounce-variable-unknown|line 2: error: vnd.backscatter: unknown variable .bounce\.colour. \(valid names are: kind, reason, status, action, recipient, diagnostic, original_subject, original_message_id, returnpath, verdict\)
bounce-variable-assign|line 2: error: vnd.backscatter: cannot assign to variable .bounce\.kind.: the bounce namespace is read-only
CASES

# sieve-dump shows the operation and the namespace variables
ok sievec -c "$DC_CONF" "$TEST_SCRIPTS/dsn-count.sieve" "$work/count.svbin" -- \
	"sievec compiles dsn :count"
dump=$(sieve-dump -c "$DC_CONF" "$work/count.svbin" 2>&1)
like "$(echo "$dump" | grep -A4 ': DSN$' | head -n 5)" 'field names: STR\[6\] "status"' \
	"sieve-dump shows DSN with its field names"
ok sievec -c "$DC_CONF" "$TEST_SCRIPTS/dsn-variables.sieve" "$work/vars.svbin" -- \
	"sievec compiles \${bounce.*}"
like "$(sieve-dump -c "$DC_CONF" "$work/vars.svbin" 2>&1)" 'VAR \$\{bounce\.reason\}' \
	"sieve-dump shows the bounce. variables"
# The namespace works whichever of the two extensions is required first
ok sievec -c "$DC_CONF" "$TEST_SCRIPTS/dsn-returnpath-variable.sieve" \
	"$work/rp.svbin" -- "variables required before vnd.backscatter"

# A trace below the matching level: sieve_match() in Pigeonhole 0.5 then
# ascends once more than it descends; the dsn test's own lines must not
# inherit the underflow (they did: gigabytes of indentation). Read
# through a pipe with a bound, never into a file.
cp "$TEST_SCRIPTS/dsn-status.sieve" "$TEST_DATA/dsn-delayed.eml" "$work/"
chown -R "$DC_MAIL_USER" "$work"
trace=$(timeout 20 sieve-test -c "$DC_CONF" -o mail_uid="$DC_MAIL_USER" \
	-o mail_gid="$DC_MAIL_USER" -t - -T level=tests \
	"$work/dsn-status.sieve" "$work/dsn-delayed.eml" 2>&1 | head -c 100000)
like "$trace" "dsn test: false" "a trace at level tests has the dsn results"
is "$(printf '%s\n' "$trace" | awk 'length > 200 { n++ } END { print n + 0 }')" 0 \
	"... and no runaway indentation"

done_testing
