#!/bin/bash
# 1,000 messages over 8 LMTP connections kept open, with faults injected
# between phases of the run: corpus bounces and auto-replies from <> to
# signed, forged, expired and untagged addresses, ordinary mail of 1 KB to
# 1 MB, the bad inputs of lmtp-bad-input.sh, and bounces larger than
# backscatter_analyze_max_size, to three users whose script uses every
# test of vnd.backscatter (tests/integration/scripts/load.sieve).
#
# Every message is accounted for: in the expected folder of its user, or
# logged as discarded by the script, once; the folder and the ${bounce.*}
# values each message got are those "backscatter inspect" gives for the
# same message and recipient class. The faults, in order, each before a
# phase of its own:
#   the key file deleted, replaced by garbage, restored, made readable by
#   others, fixed, a key added (rotation), a user script that fails at
#   runtime, then a client dropping its connection in the middle of DATA.
# While the keys cannot be used, verdicts are unknown, never bogus or
# legitimate; once they are back, correct again; each lmtp process logs
# each change of the key file's state once, not once per message.
# tests/bench/bench-load runs 10,000 messages without faults.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/load.sh"

N=1000
CONNS=8
load_init "$N" || exit 1
load_driver_start "$CONNS"

# phase NAME FIRST COUNT [options]: one phase; its sender line as a comment
phase() {
	load_phase "$@" || { echo "# phase $1 failed" >&2; return 1; }
	echo "# $LOAD_REPLY"
}

cli=$BUILD_DIR/cli/backscatter

phase warm 0 150 || exit 1
load_rss > "$LOAD_DIR/rss.first"

# The key file deleted
rm -f "$DC_KEY_FILE"
phase deleted 150 100 --keys none || exit 1

# Replaced by garbage (as deployed otherwise: root:backscatter 0640)
head -c 600 /dev/urandom | base64 > "$DC_KEY_FILE"
chown "root:$DC_KEY_GROUP" "$DC_KEY_FILE"
chmod 0640 "$DC_KEY_FILE"
phase garbage 250 100 --keys none || exit 1

# Restored
cp -p "$LOAD_DIR/keys.orig" "$DC_KEY_FILE"
phase restored 350 100 || exit 1

# Made readable by others, then fixed
chmod 0644 "$DC_KEY_FILE"
phase world-readable 450 100 --keys none || exit 1
chmod 0640 "$DC_KEY_FILE"
phase fixed 550 100 || exit 1

# Rotation: a key added to the live file; half of the signed addresses
# of the next phase carry it, the others the old key
"$cli" keygen --scheme bs1 --add "$DC_KEY_FILE" 2>/dev/null
for u in $DC_USERS; do
	echo "$u signed-new $(load_sign "$u")"
	echo "$u signed-new $(load_sign --form prefix "$u")"
done >> "$LOAD_DIR/pool"
like "$(grep -m 1 ' signed-new ' "$LOAD_DIR/pool" | awk '{ print $3 }' |
	xargs "$cli" verify -k "$DC_KEY_FILE")" "^valid	.*	bs1	1	" \
	"after the rotation, addresses are signed with the new key 1"
phase rotated 650 100 || exit 1

# carol's script fails at runtime for every message
dc_sieve_put carol@example.com load-error \
	"$TEST_SCRIPTS/load-runtime-error.sieve" >/dev/null
phase script-error 750 100 --script-error carol@example.com || exit 1

# carol's script back; a client drops its connection in the middle of
# the DATA of the 10th message, and sends the message again
dc_sieve_put carol@example.com load "$TEST_SCRIPTS/load.sieve" >/dev/null
phase final 850 150 --drop-at 10 || exit 1

load_rss > "$LOAD_DIR/rss.last"
load_driver_stop
# Stopped, Dovecot's log holds every line of the run
dc_stop

load_account \
	--key-error deleted='stat\(.*\) failed: No such file or directory' \
	--key-error garbage='backscatter\.keys line [0-9]+: ' \
	--key-error world-readable='refusing a key file that others may read'
fig() { load_fig "$1"; }

# --- Every message accounted for ---
is "$(fig n)" "$N" "$N messages sent"
is "$(fig accepted)" "$N" "... every one accepted (250)"
is "$(fig tempfail)" 0 "... no tempfail"
is "$(fig refused)" 0 "... none refused"
is "$(fig lost)" 0 "... none lost: each in a mailbox or discarded"
is "$(($(fig in_mailbox) + $(fig discarded)))" "$N" \
	"... in_mailbox ($(fig in_mailbox)) + discarded ($(fig discarded)) = $N"
is "$(fig duplicated)" 0 "... none delivered twice"
is "$(fig unexpected)" 0 "... and no other message in the mailboxes"
is "$(fig wrong_user)" 0 "... each in its recipient's mailbox"
is "$(fig wrong_folder)" 0 \
	"... in the folder load.sieve gives it by what inspect says"
is "$(fig wrong_header)" 0 \
	"... with the \${bounce.*} values inspect gives for it"
is "$(fig errors)" 0 \
	"no error in lmtp's log lines but the key file's, no fatal or panic at all"
[ "$(fig other_errors)" = 0 ] ||
	echo "# other processes logged $(fig other_errors) errors (see above)"
is "$(fig warnings)" 0 "no warning in the log"
like "$(fig lmtp_processes)" "^([1-9]|1[0-9])$" \
	"$(fig lmtp_processes) lmtp processes delivered"
echo "# lmtp RSS (KB) after the first phase: $(sort -n "$LOAD_DIR/rss.first" |
	tr ' \n' ': ')"
echo "# lmtp RSS (KB) at the end: $(sort -n "$LOAD_DIR/rss.last" | tr ' \n' ': ')"
echo "# largest growth: $(load_rss_growth "$LOAD_DIR/rss.first" "$LOAD_DIR/rss.last") KB"

# --- The phases ---
unusable() {
	local ph=$1 what=$2
	is "$(fig "$ph.lost")$(fig "$ph.tempfail")" 00 \
		"$what: no message lost or deferred"
	is "$(fig "$ph.verdict_bogus")" 0 "$what: no verdict bogus (none discarded)"
	is "$(fig "$ph.verdict_legitimate")" 0 "$what: no verdict legitimate"
	like "$(fig "$ph.verdict_unknown")" '^[1-9]' \
		"$what: bounces unknown ($(fig "$ph.verdict_unknown"))"
	is "$(fig "$ph.wrong_folder")$(fig "$ph.wrong_header")" 00 \
		"$what: every message where unknown puts it, returnpath unknown"
	is "$(fig "$ph.key_error")" "$(fig "$ph.lmtp_processes")" \
		"$what: one error line per lmtp process ($(fig "$ph.key_error")), not per message ($(fig "$ph.n"))"
}
usable() {
	local ph=$1 what=$2 infos=$3
	is "$(fig "$ph.lost")$(fig "$ph.tempfail")" 00 \
		"$what: no message lost or deferred"
	like "$(fig "$ph.verdict_legitimate") $(fig "$ph.verdict_bogus")" \
		'^[1-9][0-9]* [1-9]' \
		"$what: verdicts again ($(fig "$ph.verdict_legitimate") legitimate, $(fig "$ph.verdict_bogus") bogus)"
	is "$(fig "$ph.wrong_folder")$(fig "$ph.wrong_header")" 00 \
		"$what: every message where its verdict puts it"
	is "$(fig "$ph.key_error")" 0 "$what: no key-file error"
	case $infos in
	each)
		is "$(fig "$ph.key_info")" "$(fig "$ph.lmtp_processes")" \
			"$what: \"keys loaded again\" once per lmtp process ($(fig "$ph.key_info"))"
		;;
	none)
		is "$(fig "$ph.key_info")" 0 "$what: nothing logged"
		;;
	esac
}
usable warm "keys usable" none
unusable deleted "key file deleted"
unusable garbage "key file replaced by garbage"
usable restored "key file restored" each
unusable world-readable "key file readable by others"
usable fixed "key file mode fixed" each
usable rotated "key added (rotation)" none
like "$(fig rotated.class_signed-new_legitimate)" '^[1-9]' \
	"rotation: bounces to tags of the new key are legitimate ($(fig rotated.class_signed-new_legitimate))"
is "$(fig rotated.class_signed-new_bogus)" 0 \
	"rotation: ... and none bogus"
like "$(fig rotated.class_signed_legitimate)" '^[1-9]' \
	"rotation: tags of the old key still legitimate ($(fig rotated.class_signed_legitimate))"
is "$(fig key_state_mismatch)" 0 \
	"each lmtp process logged exactly the key-file state changes it saw"

# A user script failing at runtime: implicit keep, nothing lost
like "$(fig script-error.script_error_messages)" '^[1-9]' \
	"script error: carol got $(fig script-error.script_error_messages) messages"
is "$(fig script-error.script_failures)" \
	"$(fig script-error.script_error_messages)" \
	"script error: each logged as kept by implicit keep"
is "$(fig script-error.wrong_folder)$(fig script-error.lost)" 00 \
	"script error: carol's messages in INBOX, others' where they belong"
is "$(fig script_failures)" "$(fig script-error.script_failures)" \
	"... and no script failure in any other phase"

# The client that went away in the middle of DATA
is "$(fig final.dropped)" 1 "drop: one transaction cut off in DATA"
like "$(fig disconnects_in_data)" '^[1-9]' \
	"drop: the server logged the disconnect in DATA"
drop_id=$(awk -F'\t' '$11 == "drop" { print $1 }' "$LOAD_DIR/final.tsv")
drop_user=$(awk -F'\t' '$11 == "drop" { print $8 }' "$LOAD_DIR/final.tsv")
is "$(grep -rlx "X-Test-Id: $drop_id" "$(dc_home "$drop_user")/Maildir" |
	wc -l)$(grep -c "msgid=<$drop_id@load.test>: discard" \
	"$DC_DIR/log/dovecot.log")" "10" \
	"drop: the message sent again is delivered once, the cut one not"

# Larger than backscatter_analyze_max_size
for cls in signed forged; do
	id=$(awk -F'\t' -v c="$cls" '$2 == "oversize" && $5 == c { print $1 }' \
		"$LOAD_DIR/mix.tsv")
	case $cls in
	signed) want="Bounces.userunknown" ;;
	forged) want="(not delivered)" ;;
	esac
	is "$(dc_find alice@example.com "$id")" "$want" \
		"a $(wc -c < "$LOAD_DIR/oversize.eml")-byte bounce to a $cls tag: $want"
done
like "$(grep -c "msgid=<$id@load.test>: discard action" \
	"$DC_DIR/log/dovecot.log")" '^1$' "... the forged one discarded as bogus"

done_testing
