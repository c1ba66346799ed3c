#!/bin/sh
# backscatter inspect: what the analyzer makes of message files, as text
# and as JSON (one object per file, every field there, always valid
# UTF-8 JSON whatever bytes the message holds), stdin and pipes, files
# that cannot be read, exit codes; and, where the Sisimai corpus is
# present, one parseable line for each of its messages.
#
# Plain sh: needs no Dovecot server, only the built tool and python3.
set -u
. "$(dirname "$0")/../lib/assert.sh"
. "$(dirname "$0")/../lib/cli.sh"
DATA=$TOP/tests/data
CORPUS=${BOUNCE_CORPUS:-$TOP/../shared/corpus/sisimai}/maildir

# run CMD...: runs it, with its stdout in $out (and $T/out, byte for
# byte), stderr in $err and exit status in $rc
run() {
	"$@" > "$T/out" 2> "$T/stderr"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/stderr")
}

# json EXPR: the Python expression EXPR evaluated over the last run's
# output, decoded as strict UTF-8 and parsed as one JSON object per line
# (the list o). Prints "invalid: ..." when the output is not that.
json() {
	python3 -c '
import json, sys
try:
    text = open(sys.argv[1], "rb").read().decode("utf-8")
    o = [json.loads(line) for line in text.split("\n")[:-1]]
except ValueError as e:
    print("invalid: %s" % e)
    sys.exit(0)
print(eval(sys.argv[2]))
' "$T/out" "$1"
}

report_keys="decoder file kind original recipients reporting_mta truncated"
recipient_keys="action class diagnostic hard original_recipient reason reason_rule reason_source recipient remote_mta reply_code status"
original_keys="date from message_id return_path subject to"

#
# --json on the test messages
#

run "$BS" inspect --json "$DATA/dsn-rfc3464.eml"
is "$rc" 0 "inspect --json exits 0"
is "$(json 'len(o)')" 1 "... printing one line for one file"
is "$(json '" ".join(sorted(o[0]))')" "$report_keys" \
	"... an object with every report field"
is "$(json '" ".join(sorted(o[0]["recipients"][0]))')" "$recipient_keys" \
	"... every recipient field"
is "$(json '" ".join(sorted(o[0]["original"]))')" "$original_keys" \
	"... and every field of the original"
is "$(json 'o[0]["file"]')" "$DATA/dsn-rfc3464.eml" "... naming the file"
is "$(json 'o[0]["kind"]')" dsn "an RFC 3464 report is kind dsn"
is "$(json 'o[0]["reporting_mta"]')" mx.example.net "... its reporting MTA"
is "$(json 'len(o[0]["recipients"])')" 1 "... one recipient"
r='o[0]["recipients"][0]'
is "$(json "$r[\"recipient\"]")" nobody@example.net \
	"... the final recipient, without its address type"
is "$(json "$r[\"action\"] + ' ' + $r[\"status\"]")" "failed 5.1.1" \
	"... action failed, status 5.1.1"
is "$(json "$r[\"class\"]")" permanent "... a 5.x.x status is permanent"
is "$(json "type($r[\"hard\"]).__name__ + ' ' + type($r[\"reason\"]).__name__")" \
	"bool str" "... hard a boolean, reason a name"
like "$(json "$r[\"diagnostic\"]")" "User unknown" "... the diagnostic"
is "$(json "$r[\"reason_rule\"] + ' ' + $r[\"reason_source\"]")" \
	"status:5.1.1 RFC 3463" "... the rule that decided the reason"
is "$(json "$r[\"remote_mta\"]")" mx.example.net "... the remote MTA"
is "$(json 'o[0]["original"]["subject"]')" "Lunch on Friday?" \
	"... the original's subject"
is "$(json 'o[0]["original"]["message_id"]')" "<lunch-42@example.com>" \
	"... and Message-ID"
is "$(json 'o[0]["truncated"]')" False "... read to the end"

run "$BS" inspect --json "$DATA/dsn-postfix.eml"
is "$(json "$r[\"recipient\"] + ' ' + $r[\"original_recipient\"] + ' ' + $r[\"status\"]")" \
	"r@p351355.pool.example.ne.jp kijitora@example.org 5.1.1" \
	"Postfix's DSN: final and original recipient, status"

run "$BS" inspect --json "$DATA/dsn-edge-cases.eml"
is "$(json '" ".join(x["recipient"] for x in o[0]["recipients"])')" \
	"bob@example.org carol@example.org dave@example.org" \
	"several recipients, in order"
is "$(json '" ".join(x["class"] for x in o[0]["recipients"])')" \
	"permanent transient permanent" "... failed permanent, delayed transient"
is "$(json 'o[0]["original"]["subject"]')" "Grüße from Alice" \
	"... the original's encoded subject decoded to UTF-8"

run "$BS" inspect --json "$DATA/normal.eml"
is "$(json '[o[0][k] for k in ("kind", "decoder", "reporting_mta", "recipients", "original")]')" \
	"['none', None, None, [], None]" \
	"ordinary mail: kind none, null and empty fields, original null"

run "$BS" inspect --json "$DATA"/*.eml
is "$rc" 0 "inspect --json on all test messages exits 0"
is "$(json '"|".join(x["file"] for x in o)')" \
	"$(printf '%s\n' "$DATA"/*.eml | paste -sd'|')" \
	"... one object per file, in order"

#
# stdin and pipes
#

run "$BS" inspect --json - < "$DATA/dsn-rfc3464.eml"
is "$rc" 0 "inspect --json - reads stdin"
is "$(json 'o[0]["file"] + " " + o[0]["kind"] + " " + o[0]["recipients"][0]["status"]')" \
	"- dsn 5.1.1" "... naming it '-'"

# The analyzer seeks back in its input: a pipe must work all the same
cat "$DATA/dsn-rfc3464.eml" | "$BS" inspect --json - > "$T/out" 2> "$T/stderr"
is "$?:$(cat "$T/stderr")" "0:" "stdin from a pipe: exit 0, nothing on stderr"
is "$(json 'o[0]["kind"] + " " + o[0]["original"]["subject"]')" \
	"dsn Lunch on Friday?" "... and the same report"

# A report with 100 kB of text before its delivery-status part: past the
# analyzer's limit
{
	printf 'From: MAILER-DAEMON@mx.example.org\n'
	printf 'To: alice@example.com\nSubject: Undeliverable\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; '
	printf 'report-type=delivery-status; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\n'
	i=0
	while [ $i -lt 1300 ]; do
		echo "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."
		i=$((i + 1))
	done
	printf -- '\n--b\nContent-Type: message/delivery-status\n\n'
	printf 'Reporting-MTA: dns; mx.example.org\n\n'
	printf 'Final-Recipient: rfc822; bob@example.org\nAction: failed\n'
	printf 'Status: 5.1.1\n\n--b--\n'
} > "$T/big.eml"
run "$BS" inspect --json "$T/big.eml"
is "$rc:$(json 'o[0]["kind"] + " " + str(o[0]["truncated"])')" "0:dsn True" \
	"a message beyond the read limit: truncated"
file_out=$out
cat "$T/big.eml" | "$BS" inspect --json - > "$T/out" 2> "$T/stderr"
is "$?:$(cat "$T/stderr")" "0:" "... also through a pipe: exit 0, no error"
is "$(sed 's/^{"file":"[^"]*"//' "$T/out")" \
	"$(printf '%s\n' "$file_out" | sed 's/^{"file":"[^"]*"//')" \
	"... and the same report as from the file"
run "$BS" inspect --json --max-size 300000 "$T/big.eml"
is "$(json 'str(o[0]["truncated"]) + " " + o[0]["recipients"][0]["status"]')" \
	"False 5.1.1" "--max-size raises the limit: read to the end"
run "$BS" inspect --json --max-size 1000 "$DATA/dsn-rfc3464.eml"
is "$(json 'o[0]["truncated"]')" True "--max-size lowers it: truncated"

#
# Files that cannot be read
#

run "$BS" inspect --json "$DATA/dsn-rfc3464.eml" "$T/missing.eml" \
	"$DATA/normal.eml"
is "$rc" 2 "a missing file: exit 2"
is "$(json 'len(o)')" 3 "... still one line per file"
is "$(json '" ".join(sorted(o[1]))')" "error file" \
	"... an object with file and error only for it"
is "$(json 'o[1]["file"]')" "$T/missing.eml" "... naming the file"
like "$(json 'o[1]["error"]')" "No such file or directory" "... and why"
is "$(json 'o[0]["kind"] + " " + o[2]["kind"]')" "dsn none" \
	"... the other files analyzed all the same"
like "$err" "^backscatter: inspect: $T/missing\.eml: .*No such file" \
	"... the error on stderr, naming the file"
is "$(printf '%s\n' "$err" | wc -l)" 1 "... in one line"

run "$BS" inspect "$T/missing.eml"
is "$rc:$out" "2:" "without --json: exit 2, nothing on stdout"
like "$err" "^backscatter: inspect: $T/missing\.eml: " "... the error on stderr"

mkdir "$T/dir"
run "$BS" inspect --json "$T/dir"
is "$rc:$(json 'o[0]["file"]')" "2:$T/dir" "a directory: exit 2, an error object"
like "$(json 'o[0]["error"]')" "[Ii]s a directory" "... saying it is a directory"

#
# Bytes that are no UTF-8 and control characters
#

# The file name, the reporting MTA, the diagnostic and the original's
# Subject carry: Latin-1 é, an overlong '/', a UTF-16 surrogate, a 5-byte
# sequence, U+FFFE, C0 controls (\001 \002 ESC) and U+2028
bad=$(printf '%s/bad\377name.eml' "$T")
{
	printf 'From: MAILER-DAEMON@mx.example.org\n'
	printf 'To: alice@example.com\nSubject: Undeliverable\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; '
	printf 'report-type=delivery-status; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nFailed.\n\n'
	printf -- '--b\nContent-Type: message/delivery-status\n\n'
	printf 'Reporting-MTA: dns; mx\376.example.org\n\n'
	printf 'Final-Recipient: rfc822; bob@example.org\n'
	printf 'Action: failed\nStatus: 5.1.1\n'
	printf 'Diagnostic-Code: smtp; 550 5.1.1 caf\351 \300\257 \355\240\200 '
	printf '\001\033[31m red \342\200\250 end\n\n'
	printf -- '--b\nContent-Type: text/rfc822-headers\n\n'
	printf 'From: Alice <alice@example.com>\n'
	printf 'Subject: Caf\351 \001\002\033[2J \370\210\200\200\200 '
	printf '\357\277\276 ok\nMessage-ID: <bad-1@example.com>\n\n--b--\n'
} > "$bad"
run "$BS" inspect --json "$bad"
is "$rc" 0 "invalid UTF-8 and control bytes: exit 0"
is "$(json 'len(o)')" 1 "... valid UTF-8, valid JSON (strict), one object"
is "$(json 'o[0]["kind"] + " " + o[0]["recipients"][0]["status"]')" \
	"dsn 5.1.1" "... with the report read"
is "$(json 'o[0]["file"]')" "$(printf '%s/bad\357\277\275name.eml' "$T")" \
	"... the file name's bad byte replaced by U+FFFD"
like "$(json 'o[0]["original"]["subject"].startswith("Caf") and o[0]["original"]["subject"].endswith(" ok")')" \
	"^True$" "... the Subject kept around the bad bytes"
ok python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
assert not any(b < 0x20 for b in data[:-1]), data
assert data.endswith(b"\n")
' "$T/out" -- "... no raw control byte in the output"

run "$BS" inspect "$bad"
is "$rc" 0 "text mode: exit 0"
like "$out" "bob@example\.org: failed 5\.1\.1" "... the recipient and status"
ok python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
assert not any(b < 0x20 and b != 0x0a for b in data), data
' "$T/out" -- "... and no control characters for the terminal"

#
# Text mode
#

run "$BS" inspect "$DATA/dsn-rfc3464.eml"
is "$rc" 0 "inspect exits 0"
like "$(printf '%s\n' "$out" | sed -n 1p)" \
	"^$DATA/dsn-rfc3464\.eml: dsn.*, reported by mx\.example\.net\$" \
	"... the file, its kind and the reporting MTA first"
like "$out" "^  nobody@example\.net: failed 5\.1\.1 [a-z]+ \(permanent(, hard)?\) -- 550 5\.1\.1 <nobody@example\.net>\.\.\. User unknown\$" \
	"... then the recipient: action, status, reason, class, diagnostic"
like "$out" '^  original: <lunch-42@example\.com> "Lunch on Friday\?" from Alice <alice@example\.com>$' \
	"... and the original"

run "$BS" inspect "$DATA/dsn-postfix.eml"
like "$out" "^  r@p351355\.pool\.example\.ne\.jp \(sent to kijitora@example\.org\): failed 5\.1\.1 " \
	"a forwarded recipient: the address the sender used too"

run "$BS" inspect "$DATA/normal.eml" "$DATA/mdn.eml" "$DATA/empty.eml"
is "$out" "$DATA/normal.eml: not a bounce (content type text/plain)
$DATA/mdn.eml: not a bounce (content type multipart/report; report-type=disposition-notification)
$DATA/empty.eml: not a bounce (no content type)" \
	"not a bounce: one line each, saying which content type decided it"

run "$BS" inspect "$T/big.eml"
like "$out" "truncated: only the first 65536 bytes were read" \
	"a truncated message says so"

run "$BS" inspect - < "$DATA/dsn-rfc3464.eml"
like "$out" "^-: dsn" "stdin is '-' in text mode too"

#
# --rcpt: the verdict delivery would give, with a key file of the test's
#

"$BS" keygen --scheme bs1 --add "$T/keys" > /dev/null 2>&1 || exit 1
# created long ago, so that a tag signed a month ago is ours
sed -i -E 's/^(bs1 [0-9]+) [0-9-]+ /\1 2020-01-01 /' "$T/keys"
chmod 0600 "$T/keys"
tag=$("$BS" sign -k "$T/keys" alice@example.com)
old=$("$BS" sign -k "$T/keys" --now "$(date -u -d '30 days ago' +%F)" \
	alice@example.com)
forged=$("$TOP/tests/lib/tamper" "$tag")

run "$BS" inspect --rcpt "$tag" -k "$T/keys" "$DATA/dsn-rfc3464.eml"
is "$rc" 0 "inspect --rcpt: exit 0"
like "$out" "^  verdict: legitimate \(recipient valid: bs1 tag, key 0, expires [0-9-]+\)$" \
	"... a DSN to a signed address: legitimate, with the evidence"
run "$BS" inspect --rcpt "$forged" -k "$T/keys" "$DATA/dsn-rfc3464.eml"
like "$out" "verdict: bogus \(recipient forged: bs1 tag with a bad MAC" \
	"a forged tag: bogus"
run "$BS" inspect --rcpt "$old" --key-file "$T/keys" "$DATA/dsn-rfc3464.eml"
like "$out" "verdict: bogus \(recipient expired: " "an expired tag: bogus"
run "$BS" inspect --rcpt alice@example.com -k "$T/keys" "$DATA/dsn-rfc3464.eml"
like "$out" "verdict: unknown \(no tag, and tags are not enforced\)" \
	"an untagged address without enforcement: unknown"
run "$BS" inspect --rcpt "$tag" "$DATA/dsn-rfc3464.eml"
like "$out" "verdict: unknown \(no keys loaded\)" "no keys: unknown"
run "$BS" inspect --rcpt "$tag" -k "$T/keys" "$DATA/normal.eml" \
	"$DATA/arf-abuse.eml"
is "$(sed -n 1,2p "$T/out")" "$DATA/normal.eml: not a bounce (content type text/plain)
  verdict: none (not a bounce)" "normal mail: none, on the line after"
like "$out" "verdict: none \(a feedback report, not a bounce of our mail\)" \
	"an ARF report: none"

run "$BS" inspect --json --rcpt "$tag" -k "$T/keys" "$DATA/dsn-rfc3464.eml" \
	"$DATA/normal.eml"
is "$(json '" ".join(sorted(o[0]))')" "$report_keys verdict" \
	"--json --rcpt: a verdict object besides the report"
is "$(json 'sorted(o[0]["verdict"])')" "['evidence', 'verdict']" \
	"... with verdict and evidence"
is "$(json 'o[0]["verdict"]["verdict"] + " " + o[1]["verdict"]["verdict"]')" \
	"legitimate none" "... legitimate for the DSN, none for normal mail"
like "$(json 'o[0]["verdict"]["evidence"]')" "^recipient valid: bs1 tag" \
	"... and the evidence as in text"

run "$BS" inspect --rcpt "<>" -k "$T/keys" "$DATA/normal.eml"
is "$rc:$out" "2:" "--rcpt with a bad address: exit 2"
run "$BS" inspect -k "$T/keys" "$DATA/normal.eml"
is "$rc:$out" "2:" "-k without --rcpt: exit 2"
like "$err" "need --rcpt" "... saying so"
run "$BS" inspect --rcpt "$tag" -k "$T/nonexistent" "$DATA/normal.eml"
is "$rc:$out" "2:" "a key file that cannot be read: exit 2"

#
# Usage
#

run "$BS" inspect
is "$rc:$out" "2:" "no file: exit 2, nothing on stdout"
like "$err" "no file given" "... saying so"
run "$BS" inspect --help
like "$rc:$out" "^0:Usage: backscatter inspect " "inspect --help: exit 0, usage"
run "$BS" --help
like "$out" "backscatter inspect \[--json\]" "backscatter --help lists inspect"
run "$BS" inspect --max-size 0 "$DATA/normal.eml"
is "$rc:$out" "2:" "--max-size 0: exit 2"
run "$BS" inspect --max-size 10k "$DATA/normal.eml"
is "$rc:$out" "2:" "--max-size with a suffix: exit 2 (bytes only)"
run "$BS" inspect --frobnicate "$DATA/normal.eml"
is "$rc" 2 "an unknown option: exit 2"

#
# The Sisimai corpus, where present: whatever the analyzer makes of
# them, one valid JSON object per message
#

if [ -d "$CORPUS" ] && ls "$CORPUS"/*/*.eml > /dev/null 2>&1; then
	n=$(ls "$CORPUS"/*/*.eml | wc -l)
	run "$BS" inspect --json "$CORPUS"/*/*.eml
	is "$rc:$err" "0:" "the corpus ($n messages): exit 0, no errors"
	is "$(json 'len(o)')" "$n" "... one line per message, each valid JSON"
	ok python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().decode("utf-8").split("\n")[:-1]
files = sys.argv[2:]
assert len(lines) == len(files), (len(lines), len(files))
kinds = {"none", "dsn", "mta", "autoreply", "feedback"}
for line, f in zip(lines, files):
    o = json.loads(line)
    assert o["file"] == f, (o["file"], f)
    assert o["kind"] in kinds, o
    assert isinstance(o["recipients"], list), o
    assert isinstance(o["truncated"], bool), o
' "$T/out" "$CORPUS"/*/*.eml -- "... in order, each a report"
	run "$BS" inspect "$CORPUS"/*/*.eml
	is "$rc" 0 "... and in text mode: exit 0"
else
	echo "# skipped the corpus: no $CORPUS/*/*.eml"
fi

done_testing
