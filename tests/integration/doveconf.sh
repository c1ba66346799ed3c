#!/bin/bash
# The shipped conf.d snippet for the installed Dovecot, with every one of
# our settings set, is accepted by doveconf and runs a real delivery. On
# Dovecot 2.4 doveconf also knows our settings: it rejects a misspelled one
# and a bad value with file and line.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

version=$(dc_version)
snippet=$DC_TOP/conf.d/$version/90-backscatter.conf

dc_init || exit 1
# Uncomment every setting, at the default the snippet documents
sed -i 's/^\([[:space:]]*\)#\(backscatter_[a-z_]* = \)/\1\2/' \
	"$DC_DIR/90-backscatter.conf"
settings=$(sed -n 's/^[[:space:]]*#\(backscatter_[a-z_]*\) = .*/\1/p' "$snippet")
[ -n "$settings" ] || settings=none
like "$settings" "backscatter_analyze_max_size" \
	"the $version snippet documents backscatter_analyze_max_size"

out=$(doveconf -c "$DC_CONF" -n 2>&1)
is "$?" 0 "doveconf $version accepts the snippet with every setting set"
# Each setting is known, with the value set (2.4 prints times and sizes
# in its own units, and leaves defaults out of -n: ask for each by name)
for s in $settings; do
	value=$(sed -n "s/^[[:space:]]*#$s = //p" "$snippet")
	if [ "$version" = 2.3 ]; then key=plugin/$s; else key=$s; fi
	got=$(doveconf -c "$DC_CONF" -h "$key" 2>&1 | cat)
	case $value in
	[0-9]*) like "$got" "^[0-9]" "doveconf knows $s (${got})" ;;
	*) is "$got" "$value" "doveconf shows $s = $value" ;;
	esac
done
like "$out" "sieve_backscatter" "doveconf shows the plugin enabled"
like "$(doveconf -c "$DC_CONF" managesieve_sieve_capability 2>&1)" \
	"vnd\.backscatter" "the managesieve capability includes vnd.backscatter"

dc_start || exit 1
ok dc_sieve_put alice@example.com triage "$TEST_SCRIPTS/triage.sieve" -- \
	"the example configuration runs: script uploaded"
dc_deliver_as dsn '<>' "$TEST_DATA/dsn-postfix.eml" alice@example.com >/dev/null
is "$(dc_find alice@example.com dsn)" Bounces "... and a DSN is filed"
dc_stop

if [ "$version" = 2.4 ]; then
	conf=$DC_DIR/90-backscatter.conf
	cp "$conf" "$conf.good"

	echo "backscatter_analyse_max_size = 1k" >> "$conf"
	line=$(wc -l < "$conf")
	out=$(doveconf -c "$DC_CONF" -n 2>&1)
	is "$?" 89 "doveconf rejects a misspelled setting"
	like "$out" "Error in configuration file $conf line $line: backscatter_analyse_max_size: Unknown setting" \
		"... naming the file and line"

	cp "$conf.good" "$conf"
	echo "backscatter_analyze_max_size = lots" >> "$conf"
	out=$(doveconf -c "$DC_CONF" -n 2>&1)
	is "$?" 89 "doveconf rejects a bad value"
	like "$out" "Error in configuration file $conf line $line: backscatter_analyze_max_size: Invalid size: lots" \
		"... naming the file, line and value"

	cp "$conf.good" "$conf"
	echo "backscatter_analyze_max_size = 0" >> "$conf"
	out=$(doveconf -c "$DC_CONF" -n 2>&1)
	is "$?" 89 "doveconf rejects a size of 0"
	like "$out" "backscatter_analyze_max_size must be larger than 0" \
		"... with our check's message"
fi

done_testing
