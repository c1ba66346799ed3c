#!/bin/sh
# Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file

# Writes the seed corpora and dictionaries of the fuzz targets into DIR:
#   DIR/tag-parse/, DIR/tag-parse.dict  addresses, tagged and not
#   DIR/keyfile/, DIR/keyfile.dict      key files
#   DIR/bounce-analyzer/, DIR/bounce-analyzer.dict
#                                       messages, bounces and not
#   DIR/socketmap/, DIR/socketmap.dict  socketmap requests (netstrings)
#   DIR/policy/, DIR/policy.dict        policy delegation requests
# made from the test vectors and messages, so that the seeds follow them
# and none are committed. The messages are those of tests/data and, when
# the directory BOUNCE_CORPUS (default ../shared/corpus/sisimai beside the
# source tree) exists, the development bounce corpus in its maildir/.
#
# Usage: tests/fuzz/make-seeds.sh DIR

set -eu

if [ $# -ne 1 ]; then
	echo "Usage: $0 DIR" >&2
	exit 2
fi
data=$(cd "$(dirname "$0")/../data" && pwd)
top=$(cd "$data/../.." && pwd)
corpus=${BOUNCE_CORPUS:-$top/../shared/corpus/sisimai}
out=$1
# Bytes, not characters: the vectors hold UTF-8 addresses
LC_ALL=C
export LC_ALL

for target in tag-parse keyfile bounce-analyzer socketmap policy; do
	rm -rf "${out:?}/$target"
	mkdir -p "$out/$target"
done

# Column N of the data rows of a vector file: comments and the header
# line skipped
tsv_column() {
	awk -F'\t' -v n="$2" '
		/^#/ || /^$/ { next }
		!header { header = 1; next }
		{ print $n }' "$1"
}

# One seed file per distinct line of stdin, named seed-NNN; the line
# without its newline unless the suffix says otherwise
write_seeds() {
	sort -u | awk -v dir="$1" -v suffix="${2:-}" '{
		f = sprintf("%s/seed-%03d", dir, NR)
		printf "%s%s", $0, suffix > f
		close(f)
	}'
}

prvs=$data/exim/vectors-exim-prvs.tsv
prvscheck=$data/exim/vectors-exim-prvscheck.tsv
bs1=$data/bs1-vectors.tsv

# Addresses: what the vectors tag and check, and a few shapes only the
# lib-smtp parsers see (brackets, quoting, the null path)
{
	tsv_column "$prvs" 1
	tsv_column "$prvs" 8 | grep -v '^Failed:'
	tsv_column "$prvscheck" 2
	tsv_column "$bs1" 4
	tsv_column "$bs1" 7
	cat <<'EOF'
<prvs=1261576c6a=user@example.com>
<user+bs1=at6huaelwu2esdvcc@example.com>
"john doe"+bs1=at6huaelwu2esdvcc@example.com
"prvs=1261576c6a=user"@example.com
<>
alice-bs1=aaaaaaaaaaaaaaaaa+bs1=baaaaaaaaaaaaaaaa@example.com
EOF
} | write_seeds "$out/tag-parse"

# Key files: each key and key id of the vectors on a line of its own ...
bs1_key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
{
	tsv_column "$bs1" 1 | awk '{ print "bs1 0 2020-01-01 - " $0 }'
	tsv_column "$bs1" 2 | sort -u | awk -v key="$bs1_key" \
		'{ print "bs1 " $0 " 2020-01-01 2025-11-25 " key }'
	tsv_column "$prvs" 2 | awk '{ print "prvs 1 2020-01-01 - " $0 }'
} | write_seeds "$out/keyfile" '\n'

# ... and two whole files, as an administrator would write them
cat >"$out/keyfile/rotation" <<'EOF'
# scheme id created    retired    key
bs1      0 2025-10-01 2025-12-01 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
bs1      1 2025-12-01 -          Zwqlm+/EORyLgiZ1ebjo6iuYnzds3WelB30G0icsvqc=

prvs     0 2024-01-01 2025-06-01 secret
prvs     1 2025-06-01 -          correct horse battery staple
EOF
# A hosting provider's: tenants with keys of their own, ids shared
# among them, a shared key beside, a prvs secret with spaces
cat >"$out/keyfile/tenants" <<'EOF'
# scheme id created    retired    [domains=...]              key
bs1      0 2025-10-01 2025-12-01 domains=a.example           AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
bs1      1 2025-12-01 -          domains=a.example           Zwqlm+/EORyLgiZ1ebjo6iuYnzds3WelB30G0icsvqc=
bs1      0 2025-10-01 -          domains=B.example,c.example //////////////////////////////////////////8=
bs1      2 2024-01-01 -                                      AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
prvs     1 2025-06-01 -          domains=a.example           correct horse battery staple
prvs     1 2025-06-01 -          domains=xn--bcher-kva.example secret
EOF
# CRLF line ends, a leading tab, the first and last day there are
printf '%s\r\n\t%s\r\n' 'prvs 9 1970-01-01 9999-12-31 x' \
	'bs1 31 2025-11-28 - //////////////////////////////////////////8=' \
	>"$out/keyfile/crlf"

# Tokens libFuzzer would take long to find by chance
cat >"$out/tag-parse.dict" <<'EOF'
"bs1="
"prvs="
"+bs1="
"-prvs="
"BS1="
"@"
"<"
">"
"\x22"
"\x5c"
EOF
cat >"$out/keyfile.dict" <<'EOF'
"bs1"
"prvs"
"1970-01-01"
"2025-11-28"
"9999-12-31"
" - "
"domains="
"a.example"
","
"#"
"\x0d\x0a"
"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
EOF

# Messages: the test messages, and the corpus's under their path there
# (maildir/bsd/arf-01.eml as bsd-arf-01.eml: the same name is in dos/ and
# mac/ with other line ends)
for f in "$data"/*.eml; do
	[ -f "$f" ] && cp "$f" "$out/bounce-analyzer/"
done
if [ -d "$corpus/maildir" ]; then
	for f in "$corpus"/maildir/*/*.eml; do
		[ -f "$f" ] || continue
		dir=$(basename "$(dirname "$f")")
		cp "$f" "$out/bounce-analyzer/$dir-$(basename "$f")"
	done
fi

# The words a report is made of; most are in the seeds already, but
# libFuzzer splices them in where no seed has them
cat >"$out/bounce-analyzer.dict" <<'EOF'
"Content-Type: "
"multipart/report"
"multipart/mixed"
"report-type=delivery-status"
"report-type=feedback-report"
"boundary="
"\x0a--"
"--\x0a"
"message/delivery-status"
"message/global-delivery-status"
"message/rfc822"
"message/global"
"text/rfc822-headers"
"message/feedback-report"
"text/plain"
"text/html"
"Content-Transfer-Encoding: "
"base64"
"quoted-printable"
"charset="
"=?utf-8?q?"
"=?iso-8859-1?b?"
"?="
"Reporting-MTA: dns; "
"Final-Recipient: rfc822; "
"Original-Recipient: rfc822; "
"Action: failed"
"Status: 5.1.1"
"Diagnostic-Code: smtp; "
"Remote-MTA: dns; "
"550 5.1.1 "
"Feedback-Type: abuse"
"Auto-Submitted: auto-replied"
"X-Failed-Recipients: "
"From: MAILER-DAEMON"
"Subject: Undelivered Mail Returned to Sender"
"Received: "
"Message-ID: "
"<user@example.com>"
"\x0d\x0a"
"\x0a\x0a"
"Return-Path: <>"
"List-Id: "
"{\"notificationType\":\"Bounce\",\"bounce\":{"
"\"bouncedRecipients\":[{\"emailAddress\":\""
"\"Message\" : \""
"!\x0a "
EOF

# Socketmap requests: what Postfix sends for senders to sign and not,
# pipelined, and broken framing
netstring() {
	printf '%d:%s,' "${#1}" "$1"
}
i=0
for request in "sign alice@example.com" \
	"sign bob+bs1=at6huaelwu2esdvcc@example.com" \
	"sign carol@other.example" "sign <>" "other alice@example.com" \
	"sign" "sign prvs=1261576c6a=user@example.com" \
	"sign Alice@EXAMPLE.com"; do
	i=$((i + 1))
	netstring "$request" >"$out/socketmap/seed-$i"
done
{ netstring "sign a@example.com"; netstring "sign b@example.com"; } \
	>"$out/socketmap/pipelined"
printf '10001:sign x@example.com,' >"$out/socketmap/too-long"
printf '5:sign x@example.com,' >"$out/socketmap/bad-length"
cat >"$out/socketmap.dict" <<'EOF'
"sign "
"@example.com"
"+bs1="
"prvs="
":"
","
EOF

# Policy requests: bounces at RCPT to tagged, forged and untagged
# recipients, other states and senders, and broken framing
policy_request() {
	printf 'request=smtpd_access_policy\nprotocol_state=%s\n' "$1"
	printf 'protocol_name=ESMTP\nclient_address=192.0.2.1\n'
	printf 'queue_id=\nsender=%s\nrecipient=%s\n\n' "$2" "$3"
}
policy_request RCPT "" "alice+bs1=at6huaelwu2esdvcc@example.com" \
	>"$out/policy/forged"
policy_request RCPT "" "alice@example.com" >"$out/policy/untagged"
policy_request RCPT "" "prvs=1261576c6a=user@example.com" \
	>"$out/policy/prvs"
policy_request RCPT "bob@example.net" "alice@example.com" \
	>"$out/policy/sender"
policy_request DATA "" "alice@example.com" >"$out/policy/data"
{
	policy_request RCPT "" "a@example.com"
	policy_request RCPT "" "b@other.example"
} >"$out/policy/pipelined"
printf 'request=smtpd_access_policy\nsender=\nsender=x\n\n' \
	>"$out/policy/duplicate"
printf 'no equals sign\n\n' >"$out/policy/broken"
cat >"$out/policy.dict" <<'EOF'
"request=smtpd_access_policy"
"protocol_state=RCPT"
"sender="
"recipient="
"@example.com"
"+bs1="
"prvs="
"\x0a\x0a"
EOF
