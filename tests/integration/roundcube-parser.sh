#!/bin/bash
# Every Sieve script shipped in conf.d/sieve, through Roundcube's own
# managesieve code (Debian's roundcube-plugins, tests/lib/rcube-sieve.php)
# as a webmail user's set would go: uploaded over ManageSieve, loaded by
# Roundcube's parser with the server's capabilities, and saved back as
# Roundcube's filter form saves a set on every change. Pigeonhole then
# compiles the script as shipped and as Roundcube wrote it; the two
# programs (rules, extensions, includes) must be the same, or the README
# must say of that script that it is "not for sets a webmail client
# edits". A script the README says so of that Roundcube in fact keeps
# whole fails too: the README would be wrong. So a shipped user-facing
# example that would lose a rule in Roundcube fails this test.
#
# Exits 77 (skipped) where PHP or Roundcube is not installed: ./check
# installs them on the host only.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

rcube_dir=${RCUBE_DIR:-/usr/share/roundcube}
helper=$DC_LIB/rcube-sieve.php
if ! command -v php >/dev/null ||
   [ ! -d "$rcube_dir/plugins/managesieve/lib/Roundcube" ]; then
	echo "SKIP: PHP or Roundcube's managesieve plugin is not installed" \
	     "(php-cli, roundcube-plugins)"
	exit 77
fi
readme=$DC_TOP/README.md
mark="not for sets a webmail client edits"
echo "# Roundcube $(php "$helper" version), $(php -r 'echo "PHP ", PHP_VERSION;')"

dc_init || exit 1
dc_start || exit 1
export RC_SIEVE_HOST=127.0.0.1 RC_SIEVE_PORT=$DC_SIEVE_PORT \
	RC_SIEVE_USER=alice@example.com RC_SIEVE_PASSWORD=$DC_PASSWORD \
	RCUBE_DIR=$rcube_dir

work=$DC_DIR/roundcube
mkdir -p "$work"
cp "$DC_TOP"/conf.d/sieve/*.sieve "$work/"
chown -R "$DC_MAIL_USER" "$work"

# The set that includes "backscatter" compiles only once it is there
ok dc_sieve_connect alice@example.com --upload \
	--localsieve "$work/backscatter.sieve" --remotesieve backscatter -- \
	"the personal script backscatter is on the server"

# program FILE: what Pigeonhole compiles FILE into, as alice, without
# what differs between equal programs (line numbers, addresses, paths)
program() {
	sievec -c "$DC_CONF" -u alice@example.com -d "$1" - 2>&1 |
		php "$helper" normalize
}

# marked NAME: the README says the script is not for webmail-edited sets
marked() {
	grep -F "(conf.d/sieve/$1)" "$readme" | grep -qF "$mark"
}

for file in "$work"/*.sieve; do
	name=$(basename "$file")
	saved=$work/${name%.sieve}.roundcube
	if ! php "$helper" roundtrip "${name%.sieve}" "$file" \
		> "$saved" 2> "$saved.rules"; then
		_t_result 1 "$name goes through Roundcube's parser" \
			"$(cat "$saved.rules")"
		continue
	fi
	chown "$DC_MAIL_USER" "$saved"
	echo "# $name as Roundcube's form sees it:"
	sed 's/^/#   /' "$saved.rules"
	[ -s "$saved.rules" ] || echo "#   (no rules)"
	# Pigeonhole accepted what Roundcube wrote; a failed compile here
	# would show in the diff as the error
	if diff -u <(program "$file") <(program "$saved") > "$saved.diff"; then
		if marked "$name"; then
			_t_result 1 "$name: the README marks it \"$mark\"" \
				"but Roundcube keeps it whole: drop the mark"
		else
			_t_result 0 "$name: Roundcube's form keeps every rule, require and include"
		fi
	elif marked "$name"; then
		_t_result 0 "$name loses rules in Roundcube's form, and the README says: $mark"
		sed -n 's/^\([-+][^-+].*\)/#   \1/p' "$saved.diff" | head -n 20
	else
		_t_result 1 "$name: Roundcube's form keeps every rule, require and include" \
			"what Pigeonhole compiles, as shipped (-) and as Roundcube saved it (+):
$(sed -n '3,$p' "$saved.diff")"
	fi
done

# The upstream change in contrib/roundcube: Roundcube with it applied
# refuses to save exactly the scripts that lose something, and says what
patched=$DC_DIR/roundcube-patched
mkdir -p "$patched/plugins"
ln -s "$rcube_dir/program" "$patched/program"
cp -a "$rcube_dir/plugins/managesieve/." "$patched/plugins/managesieve/"
if ! (cd "$patched" && patch -p1 --no-backup-if-mismatch -s) \
	< "$DC_TOP/contrib/roundcube/managesieve-refuse-lossy-save.patch" \
	> "$work/patch.log" 2>&1; then
	_t_result 1 "the upstream patch applies to Roundcube $(php "$helper" version)" \
		"$(cat "$work/patch.log")"
else
	_t_result 0 "the upstream patch applies to Roundcube $(php "$helper" version)"
	for file in "$work"/*.sieve; do
		name=$(basename "$file")
		# What it says, without the rules it lists
		out=$(RCUBE_DIR=$patched php "$helper" roundtrip \
			"${name%.sieve}-patched" "$file" 2>&1 >/dev/null |
			grep '^rcube-sieve:')
		if marked "$name"; then
			like "$out" "Roundcube refused to save" \
				"patched Roundcube refuses to save $name"
			echo "#   $out"
		else
			unlike "$out" "^rcube-sieve:" "patched Roundcube saves $name"
		fi
	done
fi

done_testing
