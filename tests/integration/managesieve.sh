#!/bin/bash
# vnd.backscatter as ManageSieve clients see it: announced in the SIEVE
# capability, scripts checked on upload with Pigeonhole's compile errors.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

dc_init || exit 1
dc_start || exit 1

caps=$(dc_capability)
like " $caps " " vnd\.backscatter " "SIEVE capability lists vnd.backscatter"

ok dc_sieve_connect alice@example.com --upload \
	--localsieve "$TEST_SCRIPTS/triage.sieve" --remotesieve triage -- \
	"PUTSCRIPT accepts a script requiring vnd.backscatter"
ok dc_sieve_connect alice@example.com --checkscript \
	--localsieve "$TEST_SCRIPTS/kind-variable.sieve" -- \
	"CHECKSCRIPT accepts kinds built from variables"
like "$(dc_sieve_connect alice@example.com --list 2>&1)" "triage" \
	"the uploaded script is listed"

# put SCRIPT: upload and print what the server said; fails on success
put_rejected() {
	! dc_sieve_connect alice@example.com --upload \
		--localsieve "$TEST_SCRIPTS/errors/$1.sieve" --remotesieve "$1" 2>&1
}

out=$(put_rejected kind-number)
is "$?" 0 "PUTSCRIPT rejects bounce :kind 5"
like "$out" "line 2: .*:kind tag for the bounce test requires a string list" \
	"... with Pigeonhole's compile error for the argument type"

out=$(put_rejected kind-unknown)
is "$?" 0 "PUTSCRIPT rejects an unknown kind"
like "$out" "line 2: .*unknown kind 'bogus' for :kind \(valid kinds are: dsn, mta, autoreply, feedback\)" \
	"... naming the bad kind and the valid ones"

out=$(put_rejected kind-missing)
is "$?" 0 "PUTSCRIPT rejects :kind without its list"
like "$out" ":kind tag for the bounce test requires a string list" \
	"... saying what is missing"

out=$(put_rejected positional)
is "$?" 0 "PUTSCRIPT rejects a positional argument"
like "$out" "bounce test requires 0 positional argument" \
	"... with the positional-argument error"

out=$(put_rejected no-require)
is "$?" 0 "PUTSCRIPT rejects bounce without require"
like "$out" "unknown test 'bounce'" "... as an unknown test"

unlike "$(dc_sieve_connect alice@example.com --list 2>&1)" "kind-number" \
	"rejected scripts were not stored"

done_testing
