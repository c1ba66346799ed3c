# Assertions for the integration tests, in TAP style.
#
#   . tests/lib/assert.sh
#   is "$(cmd)" "expected" "what is checked"
#   like "$(cmd)" "regex" "what is checked"
#   ok <command...> -- "what is checked"    (passes if the command succeeds)
#   done_testing                            (prints "N passed, N failed")

# Sourced twice (dovecot.sh sources it too), it keeps the counts
: "${_t_passed:=0}" "${_t_failed:=0}" "${_t_count:=0}"

_t_result() {
	_t_count=$((_t_count + 1))
	if [ "$1" = 0 ]; then
		_t_passed=$((_t_passed + 1))
		echo "ok $_t_count - $2"
	else
		_t_failed=$((_t_failed + 1))
		echo "not ok $_t_count - $2"
		if [ -n "${3:-}" ]; then
			printf '%s\n' "$3" | sed 's/^/#   /'
		fi
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		_t_result 0 "$3"
	else
		_t_result 1 "$3" "got:      '$1'
expected: '$2'"
	fi
}

like() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		_t_result 0 "$3"
	else
		_t_result 1 "$3" "got:      '$1'
expected to match: $2"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		_t_result 1 "$3" "got:      '$1'
expected not to match: $2"
	else
		_t_result 0 "$3"
	fi
}

# ok CMD... -- DESCRIPTION
ok() {
	_t_cmd=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_t_cmd="$_t_cmd '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"
		shift
	done
	shift
	if _t_out=$(eval "$_t_cmd" 2>&1); then
		_t_result 0 "$1"
	else
		_t_result 1 "$1" "$_t_out"
	fi
}

done_testing() {
	echo "$(basename "$0"): $_t_passed passed, $_t_failed failed"
	[ "$_t_failed" = 0 ]
}
