# The Debian package, as ./check builds and checks it. Sourced by ./check;
# needs BS_TOP.
#
#   bs_deb_build      -> builds dovecot-backscatter_*.deb in $BS_DEB_DIR
#                        from a fresh copy of the tree (dpkg-buildpackage
#                        writes next to the source directory, and must
#                        not configure the developer's tree in place)
#   bs_deb_lintian    -> lintian on what bs_deb_build made; fails on any
#                        error or warning that is not overridden (with
#                        its reason) in debian/*.lintian-overrides
#   bs_deb_file       -> prints the path of the binary package

BS_DEB_DIR=$BS_TOP/.cache/deb

# bs_copy_source DEST: what git tracks or would track, or without git
# the whole tree but for the local state of ./check and ./demo
bs_copy_source() {
	local dest=$1

	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$BS_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$BS_TOP" ls-files -z --cached --others --exclude-standard |
			(cd "$BS_TOP" && tar --null -T - -cf -) | tar -C "$dest" -xf -
	else
		tar -C "$BS_TOP" --exclude=./.cache --exclude='./build*' -cf - . |
			tar -C "$dest" -xf -
	fi
}

bs_deb_build() {
	local src=$BS_DEB_DIR/dovecot-backscatter

	rm -rf "$BS_DEB_DIR"
	bs_copy_source "$src" || return 1
	# Quick: two jobs, no tests (./check runs them on its own build)
	(cd "$src" &&
	 DEB_BUILD_OPTIONS="parallel=2 nocheck" \
		dpkg-buildpackage -us -uc -b) || return 1
	bs_deb_file >/dev/null
}

bs_deb_file() {
	local deb

	deb=$(ls "$BS_DEB_DIR"/dovecot-backscatter_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "no dovecot-backscatter_*.deb in $BS_DEB_DIR" >&2; return 1; }
	echo "$deb"
}

bs_deb_lintian() {
	local changes out status

	changes=$(ls "$BS_DEB_DIR"/dovecot-backscatter_*.changes 2>/dev/null | head -n 1)
	[ -n "$changes" ] || { echo "no .changes in $BS_DEB_DIR" >&2; return 1; }
	# Overridden tags are listed with their reasons (from
	# debian/dovecot-backscatter.lintian-overrides) as "O:"; any "E:" or
	# "W:" fails. (--fail-on would count the overridden ones as well.)
	out=$(lintian --show-overrides --display-info --info "$changes" 2>&1)
	status=$?
	printf '%s\n' "$out"
	case $status in
	0 | 2) ;;
	*) echo "lintian failed (exit status $status)" >&2; return 1 ;;
	esac
	! printf '%s\n' "$out" | grep -qE '^[EW]: '
}
