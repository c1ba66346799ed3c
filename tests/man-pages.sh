#!/bin/bash
# The man pages (docs/man): each renders through man(1) with every groff
# warning on and nothing on stderr, and they keep up with the code:
# backscatter(1) has a section for every command of the program and
# names every option its --help lists; dovecot-backscatter(7) has an
# entry for every setting of BACKSCATTER_SETTINGS. Needs man-db and
# groff-base, and the program built in BUILD_DIR.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/assert.sh"
: "${BUILD_DIR:=$TOP/build}"
cli=$BUILD_DIR/cli/backscatter
MAN=$TOP/docs/man

# render PAGE: man's own pipeline (preprocessors as the page asks, the
# width of a terminal), all warnings on; prints what it says on stderr
render() {
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings=w -E UTF-8 -l -Tutf8 "$1" 2>&1 >/dev/null
}

pages=$(ls "$MAN"/*.[1-8])
for page in $pages; do
	name=$(basename "$page")
	is "$(render "$page")" "" "$name renders without a warning"
	is "$(groff -ww -man -z "$page" 2>&1)" "" "$name: groff -ww -man is silent"
	like "$(sed -n '/^\.SH NAME/{n;s/\\-/-/g;p;}' "$page")" \
		"^${name%.*} " "$name: its NAME line names it"
done
is "$(echo "$pages" | wc -l)" 3 "three pages: backscatter(1), dovecot-backscatter(7), vnd.backscatter(7)"

# section COMMAND: the text of backscatter(1)'s subsection on COMMAND
section() {
	awk -v cmd="$1" '
		/^\.S[SH] / { inside = ($0 == ".SS " cmd) ; next }
		inside { print }' "$MAN/backscatter.1"
}

commands=$("$cli" --help | sed -n 's/^\(Usage:\)\? *backscatter \([a-z]*\) .*/\2/p')
like "$commands" keygen "backscatter --help lists the commands"
for cmd in $commands; do
	text=$(section "$cmd")
	[ -n "$text" ]
	_t_result $? "backscatter(1) has a section on '$cmd'"
	# "  -k, --key-file KEYFILE  ..." in the command's help
	for opt in $("$cli" "$cmd" --help |
		     sed -n 's/^ *-[a-z], --\([a-z-]*\).*/\1/p'); do
		# as roff writes it: \-\-key\-file
		roff=$(printf '%s' "--$opt" | sed 's/-/\\-/g')
		printf '%s\n' "$text" | grep -qF -- "$roff"
		_t_result $? "backscatter(1), $cmd: --$opt is documented"
	done
	like "$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$MAN/backscatter.1")" \
		"^\\.B backscatter $cmd\$" "backscatter(1): '$cmd' in the synopsis"
done

settings=$(sed -n 's/^[[:space:]]*S([A-Z]*, *\([a-z_]*\)).*/backscatter_\1/p' \
	"$TOP/lib-backscatter/backscatter-settings.h")
like "$settings" backscatter_key_file "the settings are read from BACKSCATTER_SETTINGS"
for setting in $settings; do
	grep -q "^\\.BR \\\\%$setting \" (default" "$MAN/dovecot-backscatter.7"
	_t_result $? "dovecot-backscatter(7) has an entry for $setting, with its default"
done

done_testing
