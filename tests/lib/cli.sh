# The preamble of the tests (in tests/integration) of the backscatter
# program that need no Dovecot server, sourced after assert.sh; plain sh.
# Sets TOP, BS (the built program, which must exist) and T (a temporary
# directory, removed on exit; a test with more to clean up sets its own
# EXIT trap and removes T there).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD_DIR:=$TOP/build}"
BS=$BUILD_DIR/cli/backscatter
[ -x "$BS" ] || { echo "$(basename "$0"): $BS not built" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/backscatter-$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
