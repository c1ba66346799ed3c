#!/bin/bash
# The Debian package as an administrator gets it: dpkg -i (then apt-get
# -f install, for what it depends on) puts every part where Dovecot
# looks, depends on the ABI of the Dovecot it was built for, enables
# nothing, and makes the backscatter group; a private Dovecot then
# delivers through the installed plugins (tests/lib/dovecot.sh with
# DC_INSTALLED=yes), with keys from the installed program and the
# installed example script; purge removes what postinst made and nothing
# else.
#
#   tests/package/installed.sh DEB
#
# It installs and purges packages and deletes the backscatter group:
# only for a disposable system. ./check runs it in its Debian 13 chroot
# (BACKSCATTER_CHROOT=1); elsewhere it refuses unless BS_PACKAGE_TEST=1.
set -u
DC_INSTALLED=yes
. "$(dirname "$0")/../lib/dovecot.sh"

deb=${1:-}
if [ -z "${BACKSCATTER_CHROOT:-}" ] && [ -z "${BS_PACKAGE_TEST:-}" ]; then
	echo "installed.sh: installs and purges packages; run it on a disposable system (BS_PACKAGE_TEST=1)" >&2
	exit 2
fi
[ -f "$deb" ] || { echo "usage: installed.sh DEB" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "installed.sh: needs root" >&2; exit 2; }

PKG=dovecot-backscatter
MARKER=/var/lib/dovecot-backscatter/group-created
export DEBIAN_FRONTEND=noninteractive

status() {
	dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null
}

not_installed() {
	case $(status) in
	"" | "unknown ok not-installed" | "purge ok not-installed") return 0 ;;
	esac
	return 1
}

install_deb() {
	dpkg -i "$deb" >/dev/null 2>&1 ||
		apt-get -f install -y -qq >/dev/null 2>&1
	[ "$(status)" = "install ok installed" ]
}

purge() {
	dpkg --purge "$PKG" >/dev/null
}

# --- A clean start: neither the package nor the group ---
not_installed || purge
getent group backscatter >/dev/null && groupdel backscatter

# --- Install ---
ok install_deb -- "dpkg -i (and apt-get -f install) installs $(basename "$deb")"
ok getent group backscatter -- "postinst made the group backscatter"
gid=$(getent group backscatter | cut -d: -f3)
like "$gid" '^[0-9]+$' "... with a group id"
[ "${gid:-1000}" -lt 1000 ]
_t_result $? "... a system group (gid $gid)"
ok test -f "$MARKER" -- "... and recorded that it made it"

is "$(dpkg --verify "$PKG" 2>&1)" "" "the files on disk are the package's (dpkg --verify)"
abi=$(cat /usr/share/dovecot/dovecot-abi)
like "$(dpkg-query -W -f='${Depends}' "$PKG")" "(^|, )dovecot-abi-$abi(,|$)" \
	"it depends on the ABI it was built for (dovecot-abi-$abi)"
like "$(dpkg-query -W -f='${Provides}' dovecot-core)" "dovecot-abi-$abi" \
	"... which the installed dovecot-core provides"

files=$(dpkg -L "$PKG")
for f in $DC_SYSTEM_MODULES/sieve/lib90_sieve_backscatter_plugin.so \
	 $DC_SYSTEM_MODULES/lib10_backscatter_lmtp_plugin.so \
	 $DC_SYSTEM_MODULES/lib10_backscatter_submission_plugin.so \
	 /usr/bin/backscatter \
	 /usr/share/dovecot-backscatter/conf.d/90-backscatter.conf \
	 /usr/share/doc/dovecot-backscatter/examples/triage.sieve \
	 /usr/share/doc/dovecot-backscatter/examples/x-backscatter-header.sieve \
	 /usr/share/doc/dovecot-backscatter/examples/postfix/README.socketmap-signer; do
	like "$files" "^$f\$" "the package has $f"
done
if [ "$(dc_version)" = 2.4 ]; then
	like "$files" "^$DC_SYSTEM_MODULES/settings/lib20_backscatter_settings\\.so\$" \
		"the package has the settings module (2.4)"
fi
like "$files" '/systemd/system/backscatter-socketmap\.service$' \
	"the package has the signer's systemd unit"
is "$(ls /etc/systemd/system/*.wants/backscatter-socketmap.service 2>/dev/null)" "" \
	"... and does not enable it"
for page in 1/backscatter 7/vnd.backscatter 7/dovecot-backscatter; do
	like "$(man -w "${page%/*}" "${page#*/}" 2>&1)" \
		"^/usr/share/man/man${page%/*}/${page#*/}\\.${page%/*}\\.gz\$" \
		"man finds ${page#*/}(${page%/*})"
done
is "$(/usr/bin/backscatter --version)" "backscatter $(dpkg-query -W -f='${Version}' "$PKG" | sed 's/-[^-]*$//')" \
	"the installed backscatter is the package's version"
ok test ! -e /etc/dovecot/conf.d/90-backscatter.conf -- \
	"the configuration example is not enabled: nothing in /etc/dovecot/conf.d"

# --- One delivery through the installed plugins ---
dc_init || exit 1
dc_make_keys || exit 1
like "$(head -n 1 "$DC_KEY_FILE")" '^bs1 0 ' "the installed backscatter made the keys"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
dc_restart "  backscatter_key_file = $DC_KEY_FILE" || exit 1
like "$(dc_capability)" 'vnd\.backscatter' \
	"the installed configuration example enables vnd.backscatter (ManageSieve capability)"
ok dc_sieve_put alice@example.com triage \
	/usr/share/doc/dovecot-backscatter/examples/triage.sieve -- \
	"the installed example triage.sieve uploads and activates"
tag=$(/usr/bin/backscatter sign -k "$DC_KEY_FILE" alice@example.com)
like "$tag" '^alice\+bs1=[a-z2-7]{17}@example\.com$' "the installed backscatter signs"
like "$(dc_deliver_as legit '<>' "$TEST_DATA/dsn-rfc3464.eml" "$tag")" " 250 2\\.0\\.0 " \
	"a bounce to the tagged address is accepted over LMTP"
is "$(dc_find alice@example.com legit)" Bounces \
	"... judged legitimate by the installed plugin, into Bounces"
dc_deliver_as forged '<>' "$TEST_DATA/dsn-rfc3464.eml" \
	"$("$DC_LIB/tamper" "$tag")" >/dev/null
is "$(dc_find alice@example.com forged)" "(not delivered)" \
	"a bounce to a forged tag is bogus, discarded"
unlike "$(cat "$DC_DIR/log/dovecot.log")" "(Panic|Fatal|[Ee]rror):" \
	"no error in Dovecot's log"
# Done with Dovecot: stop it and take back the exit trap
dc_stop
rm -rf "$DC_DIR"
trap - EXIT INT TERM

# --- Purge removes the group postinst made ---
ok purge -- "dpkg --purge"
ok not_installed -- "... the package is gone"
ok test ! -e /usr/bin/backscatter -- "... and its files"
ok test ! -e "$DC_SYSTEM_MODULES/sieve/lib90_sieve_backscatter_plugin.so" -- \
	"... and its modules"
is "$(getent group backscatter)" "" "... and the group that postinst made"
ok test ! -e /var/lib/dovecot-backscatter -- "... and postinst's marker"

# --- ... and nothing that was there before ---
groupadd backscatter
before=$(getent group backscatter)
ok install_deb -- "installed again, with a group backscatter made by the admin"
ok test ! -e "$MARKER" -- "postinst keeps the admin's group and records nothing"
ok purge -- "purged again"
is "$(getent group backscatter)" "$before" "purge leaves the admin's group alone"

done_testing
