# The Debian packages the project needs, and a quiet installer for the
# missing ones. Sourced by ./check and ./demo; also used inside the
# Debian 13 chroot.

BS_PACKAGES_BUILD="build-essential autoconf automake libtool pkg-config
	dovecot-dev libsodium-dev check"
# Fuzzing (libFuzzer) runs on the host only
BS_PACKAGES_FUZZ="clang"
# So does the speed comparison with Sisimai and flufl.bounce
# (tests/bench/bench-speed)
BS_PACKAGES_SPEED="libsisimai-perl python3-flufl.bounce"
# Roundcube, for the webmail tests, on the host only
# (tests/integration/roundcube-*.sh): roundcube-sqlite3 and php-cgi pick
# the alternatives that need no database server and no web server; IMAP
# for its logins; Chromium, driven over its DevTools protocol by Debian's
# python3 with python3-websocket, for the browser test
BS_PACKAGES_ROUNDCUBE="php-cli php-cgi roundcube-core roundcube-plugins
	roundcube-sqlite3 dovecot-imapd chromium python3-websocket"
# The Debian package's build and lintian, and the man pages' check
BS_PACKAGES_DEB="debhelper dpkg-dev lintian man-db groff-base"
BS_PACKAGES_RUN="dovecot-core dovecot-sieve dovecot-lmtpd
	dovecot-managesieved dovecot-submissiond sieve-connect swaks python3
	binutils procps curl"

# bs_install_packages PACKAGE...: apt-get install those not installed yet
bs_install_packages() {
	local missing="" pkg

	for pkg in "$@"; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
			grep -q '^install ok installed$' ||
			missing="$missing $pkg"
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Roundcube's package would set up a database of its own; the tests
	# make theirs
	case " $missing " in
	*" roundcube-core "*)
		echo 'roundcube-core roundcube/dbconfig-install boolean false' |
			debconf-set-selections 2>/dev/null ;;
	esac
	# Installing Dovecot must not start the system's own instance
	bs_deny_service_start
	apt-get update -qq >/dev/null &&
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "apt-get install failed" >&2; return 1; }
}

bs_deny_service_start() {
	[ -e /usr/sbin/policy-rc.d ] && return 0
	printf '#!/bin/sh\n# installed by dovecot-backscatter ./check\nexit 101\n' \
		> /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
}
