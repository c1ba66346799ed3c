#!/bin/bash
# Adversarial envelopes, keys and bounces on a real Dovecot over LMTP, one
# row of tests/integration/adversarial.tsv each: a tag moved to another
# mailbox through ORCPT, an alias that propagates the tag, broken key
# files, tags of other lifetimes, schemes and cases, planted relays and
# backdated originals. Each row is one delivery and one assertion: the
# reply at RCPT, and for accepted mail the return-path verdict, the
# triage verdict and where the message went, under the Sieve script
# scripts/adversarial.sieve (legitimate into Bounces, bogus discarded,
# the rest kept; both verdicts recorded by editheader).
#
# The table is tab-separated; blank lines and lines starting with "#" are
# skipped. A line "%settings NAME VALUE" names a set of settings; every
# other line is a row with these columns:
#
#   name        the case, unique (also its X-Test-Id)
#   settings    a set of settings named by a %settings line. VALUE is
#               "name=value" pairs separated by ";", names without the
#               backscatter_ prefix, "-" for none; backscatter_key_file
#               is always the harness' key file unless "key_file=" unsets
#               it. Rows are run in order and Dovecot restarts whenever
#               this column changes: keep rows grouped by it.
#   keys        the key file at delivery: ok (root:backscatter 0640, a
#               bs1 and a prvs key), missing, empty (comments only),
#               unreadable (root:root 0640: LMTP has only the backscatter
#               group), world-readable (0644), garbage, rotated (a new
#               key added after signing), replaced (a new file of new
#               keys: tags of the old one are forged)
#   from        MAIL FROM; "<>" is the null sender
#   rcpt        RCPT TO, as the MTA gives it (D)
#   orcpt       the ORCPT parameter (O), or "-"
#   message     the message, under tests/data/; files may hold
#               expressions too (tests/data/adversarial/)
#   reply       the expected reply at RCPT: "250", or the code and
#               enhanced code of a refusal ("550 5.7.1"); the next three
#               columns are then "-"
#   returnpath  the expected ${bounce.returnpath}
#   verdict     the expected ${bounce.verdict}
#   folder      where the message is expected: INBOX, Bounces, discarded
#   rule        why, in a few words, with the letter of the rule it
#               follows (the rules are listed at the top of the table)
#
# Addresses, settings and messages may contain expressions in {{ }}: a
# source, then transformations separated by "|". Tags are made when the
# row runs, with the key file in its ok state.
#
#   sign [--now ±Nd] [--scheme S] [--form F] ADDR   backscatter sign
#   orcpt                   this row's ORCPT (rcpt is expanded after it)
#   rcpt-of ROW             the RCPT TO of an earlier row
#   date ±Nd, day ±Nd       now moved by N days, as RFC 5322 / YYYY-MM-DD
#   | tamper                the MAC's last character changed (lib/tamper)
#   | truncate              the tag's last character dropped
#   | double                the tag written twice (alice+bs1=T+bs1=T@...)
#   | kid C                 the bs1 key id character replaced by C
#   | upper                 the whole address in upper case
#   | domain D              the domain replaced by D
#   | local L               the local part before the tag replaced by L
#
# ADVERSARIAL_TABLE=FILE runs another table (a few rows of this one, say).
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
table=${ADVERSARIAL_TABLE:-$DC_TOP/tests/integration/adversarial.tsv}

bail() {
	echo "Bail out! $*" >&2
	exit 1
}

# --- Expressions ---

# rel_days ±Nd: "±N days" for date -d
rel_days() {
	[[ $1 =~ ^([+-]?[0-9]+)d$ ]] || return 1
	echo "${BASH_REMATCH[1]} days"
}

# stage VALUE WORD...: one stage of an expression applied to VALUE
stage() {
	local value=$1 op=$2 rel
	shift 2
	case $op in
	sign)
		local args=()
		while [ $# -gt 1 ]; do
			if [ "$1" = --now ]; then
				rel=$(rel_days "$2") || return 1
				args+=(--now "$(date -u -d "$rel" +%F)")
				shift 2
			else
				args+=("$1")
				shift
			fi
		done
		"$cli" sign -k "$DC_KEY_FILE" "${args[@]}" "$1" ;;
	orcpt)
		printf '%s' "$row_orcpt" ;;
	rcpt-of)
		[ -n "${rcpt_of[$1]:-}" ] || return 1
		printf '%s' "${rcpt_of[$1]}" ;;
	date|day)
		rel=$(rel_days "$1") || return 1
		if [ "$op" = date ]; then
			date -u -R -d "$rel"
		else
			date -u +%F -d "$rel"
		fi ;;
	tamper)
		"$DC_LIB/tamper" "$value" ;;
	truncate)
		printf '%s' "$value" | sed 's/.@/@/' ;;
	double)
		printf '%s' "$value" |
			sed -E 's/([+](bs1|prvs)=[^@+]*)@/\1\1@/I' ;;
	kid)
		printf '%s' "$value" | sed -E "s/(bs1=)./\\1$1/I" ;;
	upper)
		printf '%s' "$value" | tr a-z A-Z ;;
	domain)
		printf '%s' "${value%@*}@$1" ;;
	local)
		printf '%s' "$value" |
			sed -E "s/^.*([+](bs1|prvs)=[^@]*@)/$1\\1/I" ;;
	*)
		return 1 ;;
	esac
}

# evaluate EXPR: the value of one expression
evaluate() {
	local stages words value="" s
	IFS='|' read -ra stages <<<"$1"
	for s in "${stages[@]}"; do
		read -ra words <<<"$s"
		[ ${#words[@]} -gt 0 ] || return 1
		if ! value=$(stage "$value" "${words[@]}") || [ -z "$value" ]
		then
			echo "expression '$1': stage '$s' failed" >&2
			return 1
		fi
	done
	printf '%s' "$value"
}

# expand TEXT: TEXT with every {{EXPR}} replaced by its value
expand() {
	local s=$1 out="" expr value
	while [[ $s == *'{{'*'}}'* ]]; do
		out+=${s%%'{{'*}
		s=${s#*'{{'}
		expr=${s%%'}}'*}
		s=${s#*'}}'}
		value=$(evaluate "$expr") || return 1
		out+=$value
	done
	printf '%s' "$out$s"
}

# --- Key file states ---

keys_install() {
	cp "$key_states/$1" "$DC_KEY_FILE" &&
	chown "root:$DC_KEY_GROUP" "$DC_KEY_FILE" &&
	chmod 0640 "$DC_KEY_FILE"
}

keys_state() {
	case $1 in
	ok|empty|garbage|rotated|replaced)
		keys_install "$1" ;;
	missing)
		rm -f "$DC_KEY_FILE" ;;
	unreadable)
		keys_install ok && chown root:root "$DC_KEY_FILE" ;;
	world-readable)
		keys_install ok && chmod 0644 "$DC_KEY_FILE" ;;
	*)
		return 1 ;;
	esac
}

keys_prepare() {
	key_states=$DC_DIR/key-states
	mkdir -m 0700 "$key_states" || return 1
	cp "$DC_KEY_FILE" "$key_states/ok" || return 1
	printf '# scheme id created retired key\n# (none yet)\n' \
		> "$key_states/empty"
	printf 'this is not a key file\n' > "$key_states/garbage"
	cp "$key_states/ok" "$key_states/rotated"
	"$cli" keygen --scheme bs1 --add "$key_states/rotated" 2>/dev/null ||
		return 1
	"$cli" keygen --scheme bs1 --add "$key_states/replaced" \
		2>/dev/null &&
	"$cli" keygen --scheme prvs --add "$key_states/replaced" \
		2>/dev/null || return 1
	sed -i -E 's/^(bs1|prvs) ([0-9]+) [0-9-]+ /\1 \2 2020-01-01 /' \
		"$key_states/replaced"
}

# --- Settings ---

# settings_lines VALUE: the setting lines of a %settings value
settings_lines() {
	local items item name value key_file=$DC_KEY_FILE lines=""

	if [ "$1" != - ]; then
		IFS=';' read -ra items <<<"$1"
		for item in "${items[@]}"; do
			name=${item%%=*}
			value=$(expand "${item#*=}") || return 1
			if [ "$name" = key_file ]; then
				key_file=$value
			else
				lines+="  backscatter_$name = $value"$'\n'
			fi
		done
	fi
	[ -z "$key_file" ] ||
		lines="  backscatter_key_file = $key_file"$'\n'"$lines"
	printf '%s' "$lines"
}

# --- Rows ---

# user_of ADDRESS: the user a subaddress-form address is delivered to
user_of() {
	local local=${1%@*}
	echo "${local%%+*}@${1##*@}" | tr A-Z a-z
}

# verdicts USER ID SESSION: "returnpath verdict folder" of a delivered
# row; for a discarded message, from the addheader lines of its trace
verdicts() {
	local user=$1 id=$2 sid=$3 folder trace rp v

	folder=$(dc_find "$user" "$id")
	if [ "$folder" != "(not delivered)" ]; then
		rp=$(dc_header "$user" "$id" X-Test-Returnpath)
		v=$(dc_header "$user" "$id" X-Test-Verdict)
	else
		folder=discarded
		trace=$(grep -rlF -- "Session ID: $sid" \
			"$(dc_home "$user")/sieve-trace" 2>/dev/null | head -n 1)
		if [ -n "$sid" ] && [ -n "$trace" ]; then
			trace=$(cat "$trace")
		else
			trace=$(dc_trace "$user")
		fi
		rp=$(printf '%s\n' "$trace" |
			sed -n 's/.*addheader "X-Test-Returnpath: \(.*\)"$/\1/p')
		v=$(printf '%s\n' "$trace" |
			sed -n 's/.*addheader "X-Test-Verdict: \(.*\)"$/\1/p')
	fi
	echo "${rp:-?} ${v:-?} $folder"
}

# run_row: delivers the row in the row_* variables, asserts once
run_row() {
	local rcpt msg user out code reply got expected sid

	keys_state ok || bail "cannot install the key file"
	row_orcpt=""
	if [ "$row_orcpt_spec" != - ]; then
		row_orcpt=$(expand "$row_orcpt_spec") ||
			{ is "(expression failed)" "" "$row_name"; return; }
	fi
	rcpt=$(expand "$row_rcpt_spec") ||
		{ is "(expression failed)" "" "$row_name"; return; }
	rcpt_of[$row_name]=$rcpt
	msg=$DC_DIR/row-$row_name.eml
	expand "$(cat "$TEST_DATA/$row_message")"$'\n' > "$msg" ||
		{ is "(expression failed)" "" "$row_name"; return; }
	user=$(user_of "$rcpt")
	# Scripts stay across restarts: one upload per user
	if [ -z "${scripts[$user]:-}" ]; then
		dc_sieve_put "$user" adversarial \
			"$TEST_SCRIPTS/adversarial.sieve" >/dev/null 2>&1 ||
			bail "cannot upload the Sieve script for $user"
		scripts[$user]=1
	fi

	keys_state "$row_keys" || bail "$row_name: unknown key state $row_keys"
	out=$(dc_deliver_as "$row_name" "$row_from" "$msg" \
		"$rcpt${row_orcpt:+ ORCPT=$row_orcpt}" 2>&1)
	keys_state ok || bail "cannot install the key file"

	# "<rcpt> <code> <enhanced code> <text>"
	read -r _ code reply _ <<<"$out"
	if [ "$code" = 250 ]; then
		sid=$(printf '%s\n' "$out" | head -n 1 |
			awk '$NF == "Saved" { print $(NF - 1) }')
		got="250 $(verdicts "$user" "$row_name" "$sid")"
	else
		got="$code $reply"
	fi
	if [ "$row_reply" = 250 ]; then
		expected="250 $row_returnpath $row_verdict $row_folder"
	else
		expected=$row_reply
	fi
	is "$got" "$expected" "$row_name: $row_rule"
	[ "$got" = "$expected" ] || printf '#   RCPT %s ORCPT %s\n#   %s\n' \
		"$rcpt" "${row_orcpt:--}" "$out"
}

# --- Main ---

[ -r "$table" ] || bail "no table $table"
dc_init || exit 1
dc_make_keys || exit 1
keys_prepare || bail "cannot prepare the key file states"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"

declare -A settings_of rcpt_of seen scripts
current=""
# fd 4: nothing a row runs may read the table
while IFS=$'\t' read -r -u 4 row_name row_settings row_keys row_from \
	row_rcpt_spec row_orcpt_spec row_message row_reply row_returnpath \
	row_verdict row_folder row_rule; do
	case $row_name in
	''|'#'*)
		continue ;;
	%settings)
		settings_of[$row_settings]=$row_keys
		continue ;;
	esac
	[ -n "${row_rule:-}" ] || bail "$row_name: too few columns"
	[ -z "${seen[$row_name]:-}" ] || bail "$row_name: name used twice"
	seen[$row_name]=1
	[ -n "${settings_of[$row_settings]:-}" ] ||
		bail "$row_name: no %settings line for $row_settings"

	if [ "$row_settings" != "$current" ]; then
		lines=$(settings_lines "${settings_of[$row_settings]}") ||
			bail "settings $row_settings"
		dc_restart "$lines" || bail "Dovecot did not start ($row_settings)"
		current=$row_settings
	fi
	run_row
done 4< "$table"

done_testing
