#!/bin/bash
# The backscatter command-line tool: keys made and added to a key file
# safely, tags signed and verified in both schemes and both forms, the
# verdicts, JSON output, exit codes, and settings read from a Dovecot
# configuration file through doveconf.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

. "$(dirname "$0")/../lib/cli.sh"

# run CMD...: runs it, with its stdout in $out, stderr in $err and exit
# status in $rc
run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}

day() {
	date -u -d "$1" +%F
}

today=$(day today)
# The default backscatter_tag_lifetime is 7 days
expiry=$(day "+7 days")
keys=$T/keys
tab=$(printf '\t')

#
# keygen
#

run "$BS" keygen
is "$rc" 0 "keygen exits 0"
like "$out" "^bs1 0 $today - [A-Za-z0-9+/]{43}=\$" \
	"keygen prints a bs1 key line: base64 of 32 bytes, id 0, today"
run "$BS" keygen --scheme prvs
like "$out" "^prvs 0 $today - [0-9a-f]{32}\$" \
	"keygen --scheme prvs prints a printable 32 hex digit secret"
a=$("$BS" keygen)
b=$("$BS" keygen)
ok test "$a" != "$b" -- "two keys differ"
run "$BS" keygen --created 2030-01-02
like "$out" "^bs1 0 2030-01-02 - " "keygen --created dates the key ahead"
run "$BS" keygen --created 2030-02-30
is "$rc" 2 "... and refuses a date that is none"

# The file must come out 0600 whatever the umask
(umask 022 && "$BS" keygen --add "$keys" > "$T/add.out" 2> "$T/add.err")
is "$?" 0 "keygen --add exits 0"
is "$(stat -c %a "$keys")" 600 "keygen --add creates the key file mode 0600"
is "$(cat "$T/add.out")" "" "... printing nothing on stdout"
key=$(awk '{ print $5 }' "$keys")
unlike "$(cat "$T/add.err")" "$(printf '%s' "$key" | sed 's/[+/]/./g')" \
	"... and no key material on stderr"
like "$(cat "$T/add.err")" "bs1 key 0" "... confirming which key was added"

run "$BS" keygen --add "$keys"
is "$rc" 0 "a second keygen --add exits 0"
run "$BS" keygen --scheme prvs --add "$keys"
is "$(awk '{ print $1, $2 }' "$keys" | tr '\n' ,)" "bs1 0,bs1 1,prvs 0," \
	"keys are appended with the lowest free id of their scheme"
like "$(sed -n 2p "$keys")" "^bs1 1 $today - [A-Za-z0-9+/]{43}=\$" \
	"... as complete key lines"
is "$(stat -c %a "$keys")" 600 "... and the file stays 0600"

# Key lines parse: the engine's reader accepts the file
run "$BS" verify -k "$keys" alice@example.com
is "$rc:$out" "1:unsigned${tab}alice@example.com$tab-$tab-$tab-" \
	"the engine reads the key file keygen wrote"

# A mode that is safe is kept
chmod 0640 "$keys"
run "$BS" keygen --add "$keys"
is "$(stat -c %a "$keys")" 640 "keygen --add keeps a safe mode (0640)"
like "$(sed -n 4p "$keys")" "^bs1 2 " "... and added bs1 key 2"
ls -a "$T" | grep -q '^\.keys\.' && leftover=yes || leftover=no
is "$leftover" no "no temporary file is left behind"

# keygen --domain and keys list (tests/integration/lmtp-tenants.sh has
# the tenants themselves)
run "$BS" keygen --domain example.org --domain Example.NET,example.org
is "$rc" 0 "keygen --domain exits 0"
like "$out" "^bs1 0 $today - domains=example\.org,example\.net [A-Za-z0-9+/]{43}=\$" \
	"... the domains lower-cased, once each, before the key"
for bad in @example.org "a..example" "a_b.example" ""; do
	run "$BS" keygen --domain "$bad"
	is "$rc:$out" "2:" "keygen --domain '$bad': exit 2, no key"
done
like "$err" "empty domain" "... saying what is wrong"
run "$BS" keys list -k "$keys"
is "$rc" 0 "keys list exits 0"
is "$(echo "$out" | cut -f1,2,6 | tr '\n' ,)" \
	"bs1${tab}0$tab*,bs1${tab}1$tab*,prvs${tab}0$tab*,bs1${tab}2$tab*," \
	"... one line per key, \"*\" for a key of every domain"
# A key for later: every server can have it before any signs with it
later=$T/later-keys
"$BS" keygen --add "$later" 2>/dev/null
"$BS" keygen --created "$(day '+3 days')" --add "$later" 2>/dev/null
is "$("$BS" keys list -k "$later" | cut -f2,3,5 | tr '\n' ,)" \
	"0$tab$today${tab}signing,1$tab$(day '+3 days')${tab}future," \
	"keygen --created: a key that signs from a later day is \"future\""
like "$("$BS" sign -k "$later" alice@example.com)" '^alice\+bs1=a' \
	"... key 0 signs today"
like "$("$BS" sign -k "$later" --now "$(day '+3 days')" alice@example.com)" \
	'^alice\+bs1=b' "... key 1 from its day on"
run "$BS" keygen --created 2030-02-30
is "$rc:$out" "2:" "keygen --created with an impossible date: exit 2, no key"
run "$BS" keys list
is "$rc" 2 "keys list without a key file: exit 2"
run "$BS" keys frobnicate
is "$rc" 2 "keys with an unknown subcommand: exit 2"

#
# sign and verify
#

for scheme in bs1 prvs; do
	for form in subaddress prefix; do
		run "$BS" sign -k "$keys" --scheme $scheme --form $form \
			alice@example.com
		tagged=$out
		is "$rc" 0 "sign $scheme $form exits 0"
		if [ $form = subaddress ]; then
			like "$tagged" "^alice\+$scheme=[0-9a-z]+@example\.com\$" \
				"sign $scheme $form: the tag after '+'"
		else
			like "$tagged" "^$scheme=[0-9a-z]+=alice@example\.com\$" \
				"sign $scheme $form: the tag first"
		fi
		run "$BS" verify -k "$keys" "$tagged"
		is "$rc" 0 "verify $scheme $form exits 0"
		fields="alice@example\.com$tab$scheme$tab[0-9]+$tab$expiry"
		like "$out" "^valid$tab$fields\$" \
			"verify $scheme $form: valid, untagged, scheme, key, expiry"

		run "$BS" verify -k "$keys" --now "$(day '+30 days')" "$tagged"
		is "$rc:${out%%$tab*}" "1:expired" \
			"verify $scheme $form 30 days later: expired, exit 1"

		# Change the MAC's last character
		if [ $form = subaddress ]; then
			head=${tagged%@example.com}
			rest=@example.com
		else
			head=${tagged%=alice@example.com}
			rest==alice@example.com
		fi
		[ "${head: -1}" = a ] && c=b || c=a
		forged=${head%?}$c$rest
		run "$BS" verify -k "$keys" "$forged"
		is "$rc:${out%%$tab*}" "1:forged" \
			"verify $scheme $form with a tampered MAC: forged, exit 1"
	done
done
# From here on: bs1, subaddress, the defaults
tagged=$("$BS" sign -k "$keys" alice@example.com)

run "$BS" sign -k "$keys" '<bob@example.com>' carol@example.com
is "$rc" 0 "sign takes several addresses, with or without <>"
is "$(echo "$out" | wc -l)" 2 "... printing one line each"
run "$BS" verify -k "$keys" $out
is "$rc" 0 "verify exits 0 when every address is valid"

run "$BS" verify -k "$keys" alice@example.com
is "$out" "unsigned${tab}alice@example.com$tab-$tab-$tab-" \
	"an untagged address is unsigned, '-' for the absent fields"
is "$rc" 1 "... exit 1"
run "$BS" verify -k "$keys" "$tagged" alice@example.com
is "$rc" 1 "one address not valid among valid ones: exit 1"
run "$BS" verify -k "$keys" 'alice+bs1=tooshort@example.com'
is "$rc:${out%%$tab*}" "1:forged" "a malformed tag is forged"
run "$BS" verify -k "$keys" 'not an address'
is "$rc:${out%%$tab*}" "1:unsigned" \
	"a bad address is a verdict, not an error"

run "$BS" verify "$tagged"
is "$rc:${out%%$tab*}" "1:unknown" "without keys the verdict is unknown"
like "$err" "no key file" "... and stderr says why"

# Addresses that must stay unsigned are printed unchanged
run "$BS" sign -k "$keys" "$tagged" '"a b"@example.com' nodomain \
	dave@example.com
is "$rc" 1 "sign exits 1 when an address stays unsigned"
is "$(echo "$out" | sed -n 1,3p | tr '\n' ,)" "$tagged,\"a b\"@example.com,nodomain," \
	"... printing those unchanged"
like "$(echo "$out" | sed -n 4p)" "^dave\+bs1=" "... and signing the others"
like "$err" "$(printf '%s' "$tagged" | sed 's/[+.]/./g'): left unsigned: already tagged" \
	"... with the reason on stderr: already tagged"
like "$err" "\"a b\"@example.com: left unsigned: local part needs quoting" \
	"... local part needs quoting"
like "$err" "nodomain: left unsigned: bad address syntax" \
	"... bad address syntax"

#
# --json
#

run "$BS" verify -k "$keys" --json "$tagged" alice@example.com \
	'"quo\"te\\d"@example.com' "$(printf 'tab\there@example.com')" \
	'alice+prvs=0123456789@example.com'
is "$rc" 1 "verify --json exits as verify does"
is "$(echo "$out" | wc -l)" 5 "verify --json prints one line per address"
ok python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    assert set(o) == {"address", "verdict", "untagged", "scheme",
                      "key_id", "expiry", "reason"}, o
' <<< "$out" -- "... each one valid JSON object with every field"
is "$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["verdict"] for l in sys.stdin))
' <<< "$out")" "valid unsigned unsigned unsigned forged" \
	"... with the verdicts"
is "$(python3 -c '
import json, sys
o = json.loads(sys.stdin.readline())
print(o["untagged"], o["scheme"], type(o["key_id"]).__name__, o["expiry"])
' <<< "$out")" "alice@example.com bs1 int $expiry" \
	"... untagged address, scheme, key id as a number, expiry"
is "$(python3 -c '
import json, sys
o = json.loads(sys.stdin.readline())
print(o["scheme"], o["key_id"], o["expiry"])
' <<< "$(echo "$out" | sed -n 2p)")" "None None None" \
	"... and null for absent fields"
is "$(python3 -c '
import json, sys
lines = sys.stdin.readlines()
print(json.loads(lines[2])["address"] + "|" + json.loads(lines[3])["address"])
' <<< "$out")" '"quo\"te\\d"@example.com|tab'"$tab"'here@example.com' \
	"... with quotes, backslashes and tabs escaped"

#
# Bad key files: one error line naming the file, exit 2
#

cp "$keys" "$T/open-keys"
chmod 0644 "$T/open-keys"
run "$BS" verify -k "$T/open-keys" "$tagged"
is "$rc" 2 "a key file others may read: exit 2"
like "$err" "^backscatter: $T/open-keys: refusing" "... naming the file"
is "$(echo "$err" | wc -l)" 1 "... on one line"
run "$BS" sign -k "$T/open-keys" alice@example.com
is "$rc" 2 "... for sign too"

printf '# keys\nbs1 0 2026-01-01 - not-base64\n' > "$T/bad-keys"
chmod 0600 "$T/bad-keys"
run "$BS" verify -k "$T/bad-keys" "$tagged"
is "$rc" 2 "a malformed key file: exit 2"
like "$err" "^backscatter: $T/bad-keys line 2: " "... naming the file and line"
cp "$T/bad-keys" "$T/bad-keys.orig"
run "$BS" keygen --add "$T/bad-keys"
is "$rc" 2 "keygen --add refuses a malformed key file: exit 2"
like "$err" "$T/bad-keys line 2: " "... naming the file and line"
ok cmp "$T/bad-keys" "$T/bad-keys.orig" -- "... and leaves it as it was"

run "$BS" verify -k "$T/missing" "$tagged"
is "$rc" 2 "a missing key file: exit 2"
like "$err" "$T/missing" "... naming the file"

run "$BS" sign alice@example.com
is "$rc" 2 "sign without a key file: exit 2"

#
# Settings from a Dovecot configuration file (-c)
#

# write_config FILE NAME=VALUE...: a configuration with these
# backscatter_* settings, for the installed Dovecot
write_config() {
	local file=$1 setting
	shift
	case $(dc_version) in
	2.3)
		{
			echo "plugin {"
			for setting in "$@"; do
				echo "  backscatter_${setting%%=*} = ${setting#*=}"
			done
			echo "}"
		} > "$file"
		;;
	*)
		{
			echo "dovecot_config_version = 2.4.1"
			echo "dovecot_storage_version = 2.4.1"
			for setting in "$@"; do
				echo "backscatter_${setting%%=*} = ${setting#*=}"
			done
		} > "$file"
		;;
	esac
}

write_config "$T/dovecot.conf" "key_file=$keys" sign_scheme=prvs
run "$BS" sign -c "$T/dovecot.conf" alice@example.com
is "$rc" 0 "sign -c exits 0"
like "$out" "^alice\+prvs=[0-9a-f]{10}@example\.com\$" \
	"sign -c uses the key file and scheme of the configuration"
run "$BS" verify -c "$T/dovecot.conf" "$out"
like "$rc:$out" "^0:valid${tab}alice@example\.com${tab}prvs" \
	"verify -c uses its key file"

write_config "$T/other.conf" "key_file=$T/missing" tag_form=prefix
run "$BS" sign -c "$T/other.conf" -k "$keys" alice@example.com
like "$rc:$out" "^0:bs1=[0-9a-z]+=alice@example\.com\$" \
	"-k overrides the configuration's key file, its other settings stay"

write_config "$T/bad.conf" "key_file=$keys" sign_scheme=bogus
run "$BS" sign -c "$T/bad.conf" alice@example.com
is "$rc" 2 "a bad setting in the configuration: exit 2"
like "$err" "backscatter_sign_scheme" "... naming the setting"

printf 'this is { not a configuration\n' > "$T/broken.conf"
run "$BS" verify -c "$T/broken.conf" alice@example.com
is "$rc" 2 "a configuration doveconf refuses: exit 2"
like "$err" "^backscatter: doveconf -c $T/broken.conf: .+" \
	"... with doveconf's message"
run "$BS" verify -c "$T/missing.conf" alice@example.com
is "$rc" 2 "a missing configuration: exit 2"

#
# Usage
#

run "$BS"
is "$rc" 2 "no arguments: exit 2"
like "$err" "^Usage: backscatter keygen" "... usage on stderr"
is "$out" "" "... nothing on stdout"
run "$BS" --help
is "$rc" 0 "--help: exit 0"
like "$out" "^Usage: backscatter keygen" "... usage on stdout"
for cmd in keygen keys sign verify; do
	run "$BS" $cmd --help
	like "$rc:$out" "^0:Usage: backscatter $cmd " "$cmd --help: exit 0, usage"
done
run "$BS" frobnicate
is "$rc" 2 "an unknown command: exit 2"
run "$BS" verify --frobnicate alice@example.com
is "$rc" 2 "an unknown option: exit 2"
like "$err" "frobnicate" "... naming it"
run "$BS" verify -k "$keys"
is "$rc" 2 "verify without addresses: exit 2"
run "$BS" sign -k "$keys"
is "$rc" 2 "sign without addresses: exit 2"
run "$BS" verify -k "$keys" --now 2026-02-30 "$tagged"
is "$rc" 2 "--now with an impossible date: exit 2"
run "$BS" sign -k "$keys" --scheme rot13 alice@example.com
is "$rc" 2 "sign --scheme with an unknown scheme: exit 2"
run "$BS" sign -k "$keys" --form suffix alice@example.com
is "$rc" 2 "sign --form with an unknown form: exit 2"
run "$BS" keygen --scheme rot13
is "$rc:$out" "2:" "keygen --scheme with an unknown scheme: exit 2, no key"
run "$BS" keygen stray
is "$rc" 2 "keygen with a stray argument: exit 2"

done_testing
