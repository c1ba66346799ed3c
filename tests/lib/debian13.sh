# The Debian 13 (trixie, Dovecot 2.4) stage of ./check: a minbase chroot,
# cached in .cache/trixie between runs, in which the whole local suite
# runs again against Dovecot 2.4. Sourced by ./check; needs BS_TOP.
#
#   bs_debian13_prepare     -> 0 ready, 1 failed, 2 cannot be done here
#                              ($bs_debian13_reason says why)
#   bs_debian13_run_suite   -> runs "./check --local" inside; its output
#                              on stdout

BS_DEBIAN13=$BS_TOP/.cache/trixie
BS_DEBIAN13_MIRROR=${BS_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
BS_DEBIAN13_SRC=/srv/backscatter-src
bs_debian13_reason=

bs_debian13_prepare() {
	local log=$BS_TOP/.cache/check/debian13-prepare.log

	if [ "$(id -u)" != 0 ]; then
		bs_debian13_reason="not root (chroot and debootstrap need root)"
		return 2
	fi
	if ! command -v debootstrap >/dev/null; then
		bs_install_packages debootstrap > "$log" 2>&1 || {
			bs_debian13_reason="debootstrap is not installed and apt-get could not install it"
			return 2
		}
	fi
	if [ ! -f "$BS_DEBIAN13/.backscatter-bootstrapped" ]; then
		rm -rf "$BS_DEBIAN13"
		mkdir -p "$BS_DEBIAN13"
		if ! debootstrap --variant=minbase trixie "$BS_DEBIAN13" \
		     "$BS_DEBIAN13_MIRROR" >> "$log" 2>&1; then
			bs_debian13_reason="debootstrap from $BS_DEBIAN13_MIRROR failed: $(tail -n 1 "$log")"
			return 2
		fi
		# Package installs in the chroot must not start services
		printf '#!/bin/sh\nexit 101\n' > "$BS_DEBIAN13/usr/sbin/policy-rc.d"
		chmod 0755 "$BS_DEBIAN13/usr/sbin/policy-rc.d"
		cat > "$BS_DEBIAN13/etc/apt/sources.list" <<-SOURCES
		deb $BS_DEBIAN13_MIRROR trixie main
		deb $BS_DEBIAN13_MIRROR trixie-updates main
		deb http://security.debian.org/debian-security trixie-security main
		SOURCES
		touch "$BS_DEBIAN13/.backscatter-bootstrapped"
	fi
	# The same package list as the host, installed the same way, and
	# Postfix for the loop test as its harness installs it
	cp "$BS_TOP/tests/lib/packages.sh" "$BS_TOP/tests/lib/postfix.sh" \
		"$BS_DEBIAN13/tmp/"
	if ! chroot "$BS_DEBIAN13" /bin/bash -c \
	     '. /tmp/packages.sh &&
	      bs_install_packages $BS_PACKAGES_BUILD $BS_PACKAGES_RUN $BS_PACKAGES_DEB &&
	      . /tmp/postfix.sh && pf_install' \
	     >> "$log" 2>&1; then
		bs_debian13_reason="installing packages in the chroot failed (log: $log)"
		return 1
	fi
	return 0
}

# Copies the source tree (what git tracks or would track, or the whole
# tree of a tarball) into the chroot, fresh each time
bs_debian13_copy_source() {
	local dest=$BS_DEBIAN13$BS_DEBIAN13_SRC
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

bs_debian13_run_suite() {
	local status

	bs_debian13_copy_source || return 1
	# ps and pkill need /proc (./check unmounts it on exit, too)
	mount -t proc proc "$BS_DEBIAN13/proc" || return 1
	chroot "$BS_DEBIAN13" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 BACKSCATTER_CHROOT=1 \
		/bin/bash -c "cd $BS_DEBIAN13_SRC && ./check --local"
	status=$?
	bs_debian13_unmount
	return $status
}

bs_debian13_unmount() {
	if mountpoint -q "$BS_DEBIAN13/proc" 2>/dev/null; then
		umount -l "$BS_DEBIAN13/proc"
	fi
}
