#!/bin/bash
# Real delivery under valgrind: the lmtp service runs under memcheck
# (service lmtp { executable = valgrind ... lmtp }) while 350 messages of
# the load mix go through it over 2 connections (corpus bounces and
# auto-replies to signed, forged and untagged addresses, ordinary mail,
# the bad inputs, an oversized bounce), with the key file deleted,
# broken, restored and rotated between phases, a failing user script and
# a client dropping its connection in DATA. Every message must still be
# accounted for; memcheck must find no error at all, and no block
# definitely lost from an allocation in our modules
# (lib90_sieve_backscatter_plugin, lib10_backscatter_*).
#
# Dovecot 2.3 only (valgrind is not part of the Debian 13 chroot).
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/load.sh"

if [ "$(dc_version)" != 2.3 ] || ! command -v valgrind >/dev/null; then
	echo "# skipped: needs Dovecot 2.3 and valgrind"
	done_testing
	exit 0
fi

# Our sources, to tell our frames in a stack from Dovecot's
OURS=$(cd "$DC_TOP" && ls lib-bounce/*.c lib-backscatter/*.c lib-backscatter-storage/*.c plugin/*/*.c sieve-ext/*.c | xargs -n 1 basename |
	sed 's/\./\\./' | paste -sd '|')
OURS="lib90_sieve_backscatter_plugin|lib10_backscatter|\\(($OURS):[0-9]+\\)"

# One process per connection (service_count = 1): each exits when its
# client quits, and memcheck reports its leaks then
VG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/backscatter-valgrind.XXXXXX")
chmod 0777 "$VG_DIR"
LOAD_LMTP_SETTINGS=""
DC_EXTRA_CONFIG="service lmtp {
  executable = $(command -v valgrind) --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none --suppressions=$DC_LIB/valgrind.supp --num-callers=40 --log-file=$VG_DIR/lmtp.%p /usr/lib/dovecot/lmtp
  service_count = 1
  vsz_limit = 0
}"

N=350
load_init "$N" || { rm -rf "$VG_DIR"; exit 1; }
trap '[ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$VG_DIR"; dc_cleanup' EXIT
load_driver_start 2

phase() {
	load_phase "$@" || { echo "# phase $1 failed" >&2; return 1; }
	echo "# $LOAD_REPLY"
}
phase warm 0 100 || exit 1
rm -f "$DC_KEY_FILE"
phase deleted 100 40 --keys none || exit 1
echo "garbage" > "$DC_KEY_FILE"
chown "root:$DC_KEY_GROUP" "$DC_KEY_FILE"
chmod 0640 "$DC_KEY_FILE"
phase garbage 140 40 --keys none || exit 1
cp -p "$LOAD_DIR/keys.orig" "$DC_KEY_FILE"
phase restored 180 40 || exit 1
"$BUILD_DIR/cli/backscatter" keygen --scheme bs1 --add "$DC_KEY_FILE" \
	2>/dev/null
for u in $DC_USERS; do
	echo "$u signed-new $(load_sign "$u")"
done >> "$LOAD_DIR/pool"
phase rotated 220 40 || exit 1
dc_sieve_put carol@example.com load-error \
	"$TEST_SCRIPTS/load-runtime-error.sieve" >/dev/null
phase script-error 260 40 --script-error carol@example.com || exit 1
dc_sieve_put carol@example.com load "$TEST_SCRIPTS/load.sieve" >/dev/null
phase final 300 50 --drop-at 5 || exit 1
load_driver_stop

# The processes exit once their clients are gone; memcheck then writes
# its summary
for i in $(seq 600); do
	[ -z "$(load_lmtp_pids)" ] && break
	sleep 0.5
done
ok test -z "$(load_lmtp_pids)" -- "every lmtp process exited"
dc_stop

load_account \
	--key-error deleted='No such file or directory' \
	--key-error garbage='line 1: '
fig() { load_fig "$1"; }
is "$(fig accepted)" "$N" "$N messages accepted under valgrind"
is "$(fig lost)$(fig duplicated)$(fig tempfail)" 000 \
	"... none lost, deferred or delivered twice"
is "$(fig wrong_folder)$(fig wrong_header)" 00 \
	"... each where load.sieve puts it, with the right \${bounce.*}"
is "$(fig errors)" 0 "... and no error in Dovecot's log"
is "$(fig key_state_mismatch)" 0 "... key-file states logged once per process"

logs=$(ls "$VG_DIR"/lmtp.* 2>/dev/null | wc -l)
like "$logs" '^[1-9]' "memcheck ran $logs lmtp processes"
is "$(grep -L 'ERROR SUMMARY' "$VG_DIR"/lmtp.* | wc -l)" 0 \
	"... each to its end (an ERROR SUMMARY in each log)"
# valgrind runs lmtp in its own process: the pids in Dovecot's log are
# those of memcheck's logs
delivering=$(sed -n 's/.* lmtp([^)]*)<\([0-9]*\)><.*/\1/p' \
	"$DC_DIR/log/dovecot.log" | sort -u)
missing=0
for pid in $delivering; do
	[ -f "$VG_DIR/lmtp.$pid" ] || missing=$((missing + 1))
done
like "$(echo "$delivering" | wc -w) $missing" '^[1-9][0-9]* 0$' \
	"... and every process that delivered ran under memcheck"
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' \
	"$VG_DIR"/lmtp.* | awk '{ n += $1 } END { print n + 0 }')
suppressed=$(sed -n 's/.*(suppressed: \([0-9]*\) from.*/\1/p' \
	"$VG_DIR"/lmtp.* | awk '{ n += $1 } END { print n + 0 }')
is "$errors" 0 "memcheck: no error (invalid access, uninitialised value, bad free; $suppressed suppressed by tests/lib/valgrind.supp)"
[ "$errors" = 0 ] || grep -h -A 30 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and)' \
	"$VG_DIR"/lmtp.* | head -n 80 | sed 's/^/#   /'

# Each definitely lost block with its stack, one per paragraph
awk '/definitely lost in loss record/ { inrec = 1; rec = $0; next }
     inrec && /^==[0-9]+== *$/ { print rec; print "%%"; inrec = 0; next }
     inrec { rec = rec "\n" $0 }' "$VG_DIR"/lmtp.* > "$VG_DIR/definite"
ours=$(awk -v RS='%%\n' -v re="$OURS" '$0 ~ re { n++ } END { print n + 0 }' \
	"$VG_DIR/definite")
total=$(grep -c 'definitely lost in loss record' "$VG_DIR/definite")
is "$ours" 0 "memcheck: no block definitely lost from our modules ($total elsewhere)"
[ "$ours" = 0 ] || awk -v RS='%%\n' -v re="$OURS" '$0 ~ re' \
	"$VG_DIR/definite" | head -n 60 | sed 's/^/#   /'
echo "# definitely lost, all processes: $(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' \
	"$VG_DIR"/lmtp.* | tr -d , | awk '{ n += $1 } END { print n + 0 }') bytes"

done_testing
