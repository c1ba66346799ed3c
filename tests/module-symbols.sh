#!/bin/sh
# Checks the dynamic symbols of every built Dovecot module.
#
# Dovecot's module loader looks symbols up by a name derived from the file
# name: lib90_sieve_backscatter_plugin.so -> sieve_backscatter_plugin_*.
# A missing _init/_deinit/_load/_unload makes loading fail at run time, and
# a misspelled _version is worse: the loader then silently skips its ABI
# check. So for each module: the required entry points are exported, the
# only *_version symbol is the right one, it holds the ABI string of the
# headers we built against, and nothing else leaks into the global
# namespace of the host process.
set -eu

: "${MODULES:?}" "${PIGEONHOLE_INCDIR:?}" "${DOVECOT_INCLUDE:?}"
dovecot_incdir=${DOVECOT_INCLUDE#-I}
failed=0

fail() {
	echo "FAIL: $1" >&2
	failed=1
}

abi_string() {
	sed -n "s/^#define $1 \"\\(.*\\)\"/\\1/p" "$2"
}

for so in $MODULES; do
	if [ ! -f "$so" ]; then
		fail "$so: not built"
		continue
	fi
	file=$(basename "$so" .so)
	module=${file#lib[0-9][0-9]_}
	optional=
	case $module in
	sieve_*)
		required="version load unload init deinit"
		abi=$(abi_string PIGEONHOLE_ABI_VERSION \
			"$PIGEONHOLE_INCDIR/pigeonhole-config.h")
		;;
	*_settings)
		# read by the config process (Dovecot 2.4)
		required="version set_infos"
		abi=$(abi_string DOVECOT_ABI_VERSION "$dovecot_incdir/config.h")
		;;
	*)
		required="version init deinit"
		optional="binary_dependency dependencies"
		abi=$(abi_string DOVECOT_ABI_VERSION "$dovecot_incdir/config.h")
		;;
	esac
	[ -n "$abi" ] || fail "$module: ABI version not found in headers"

	exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRV]$/ { print $3 }' |
		grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | sort)

	expected=$(for sym in $required; do echo "${module}_$sym"; done | sort)
	allowed=$(for sym in $required $optional; do echo "${module}_$sym"; done)
	for sym in $expected; do
		echo "$exported" | grep -qx "$sym" ||
			fail "$module: entry point $sym is not exported"
	done
	extra=$(echo "$exported" | grep -vx -F "$allowed" || true)
	[ -z "$extra" ] ||
		fail "$module: exports more than its entry points:" $extra
	versions=$(echo "$exported" | grep '_version$' || true)
	[ "$versions" = "${module}_version" ] ||
		fail "$module: version symbol is '$versions', expected ${module}_version"
	strings "$so" | grep -qxF "$abi" ||
		fail "$module: ABI string '$abi' not found in the module"
	echo "ok: $module exports $(echo $exported) (ABI $abi)"
done
exit $failed
