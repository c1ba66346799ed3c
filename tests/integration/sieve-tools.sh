#!/bin/bash
# vnd.backscatter in Pigeonhole's own tools: sievec compiles or rejects,
# sieve-dump shows the BOUNCE operation, sieve-test traces the test.
# (sieve-test cannot give a null envelope sender; lmtp-bounce.sh covers
# that over LMTP.)
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

dc_init || exit 1
work=$DC_DIR/sieve-tools
mkdir -p "$work"
# sieve-test reads scripts and messages as the mail user, who may not
# enter the source tree: work on copies
mkdir -p "$work/data"
cp "$TEST_SCRIPTS"/*.sieve "$work/"
cp "$TEST_DATA"/*.eml "$work/data/"
chown -R "$DC_MAIL_USER" "$work"

ok sievec -c "$DC_CONF" "$work/triage.sieve" "$work/triage.svbin" -- \
	"sievec compiles a script using bounce"
dump=$(sieve-dump -c "$DC_CONF" "$work/triage.svbin" 2>&1)
like "$dump" "vnd\.backscatter" "sieve-dump lists the extension"
like "$dump" "BOUNCE" "sieve-dump shows the BOUNCE operation"

ok sievec -c "$DC_CONF" "$work/reports-by-kind.sieve" \
	"$work/reports.svbin" -- "sievec compiles bounce :kind"
dump=$(sieve-dump -c "$DC_CONF" "$work/reports.svbin" 2>&1)
like "$(echo "$dump" | grep -A1 BOUNCE)" 'kind: STR\[3\] "dsn"' \
	"sieve-dump shows the :kind operand"

ok sievec -c "$DC_CONF" "$work/verdicts.sieve" "$work/verdicts.svbin" -- \
	"sievec compiles returnpath"
dump=$(sieve-dump -c "$DC_CONF" "$work/verdicts.svbin" 2>&1)
like "$(echo "$dump" | grep -A1 RETURNPATH | head -n 2)" 'verdicts: STR\[5\] "valid"' \
	"sieve-dump shows RETURNPATH with its verdicts"

# Each broken script, with the compile error it must produce
while IFS='|' read -r name pattern; do
	out=$(sievec -c "$DC_CONF" "$TEST_SCRIPTS/errors/$name.sieve" \
		"$work/$name.svbin" 2>&1)
	status=$?
	[ "$status" != 0 ] && status=failed
	is "$status" failed "sievec rejects $name"
	like "$out" "$pattern" "... with: $pattern"
done <<'CASES'
kind-number|line 2: error: the :kind tag for the bounce test requires a string list as parameter, but a number was found
kind-unknown|line 2: error: bounce test: unknown kind 'bogus' for :kind \(valid kinds are: dsn, mta, autoreply, feedback\)
kind-missing|line 2: error: the :kind tag for the bounce test requires a string list as parameter
positional|line 2: error: the bounce test requires 0 positional argument\(s\)
no-require|line 2: error: unknown test 'bounce'
returnpath-no-verdicts|line 2: error: the returnpath test expects a string list as argument 1 \(verdicts\)|the returnpath test requires 1 positional argument
CASES

# sieve_test MESSAGE SCRIPT: run sieve-test with a matching-level trace
sieve_test() {
	sieve-test -c "$DC_CONF" -o mail_uid="$DC_MAIL_USER" \
		-o mail_gid="$DC_MAIL_USER" -t - -T level=matching \
		"$work/$2" "$work/data/$1" 2>&1
}
# what sievec wrote as root
chown -R "$DC_MAIL_USER" "$work"

out=$(sieve_test dsn-postfix.eml triage.sieve)
like "$out" "bounce test" "sieve-test traces the bounce test"
like "$out" "message kind is .dsn. \(Content-Type multipart/report; report-type=delivery-status\)" \
	"the trace states why it is a DSN"
like "$out" "bounce test: true" "the test is true for a DSN"
like "$out" "store message in folder: Bounces" "a DSN is filed into Bounces"

out=$(sieve_test normal.eml triage.sieve)
like "$out" "bounce test: false" "the test is false for normal mail"
like "$out" "store message in folder: INBOX" "normal mail is kept"

out=$(sieve_test dsn-rfc3464.eml kind-variable.sieve)
like "$out" "ignoring unknown kind .nonsense." \
	"an unknown kind from a variable is ignored at runtime, traced"
like "$out" "store message in folder: Bounces" "... and DSN still matches"

# Broken MIME never fails the script
for msg in broken-no-boundary.eml broken-truncated.eml empty.eml; do
	out=$(sieve_test "$msg" triage.sieve)
	is "$?" 0 "sieve-test succeeds on $msg"
	like "$out" "bounce test: (true|false)" "... with a plain result"
done

done_testing
