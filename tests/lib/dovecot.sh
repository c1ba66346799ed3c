# A private Dovecot for integration tests: its own config, base_dir,
# state, log and maildirs in one temporary directory, LMTP and
# ManageSieve on free loopback ports, passwd-file users, the plugin
# loaded from the build tree. Needs root (Dovecot's master does).
#
#   . tests/lib/dovecot.sh         # also sources assert.sh
#   dc_init                      # set up; the server is stopped on exit
#   dc_start
#   dc_deliver '<>' msg.eml "alice@example.com ORCPT=orig@example.net"
#   dc_sieve_put alice@example.com triage script.sieve
#   dc_folder_files alice@example.com Bounces
#   dc_stop                      # also done by the exit trap
#
# Settings for the plugin {} block can be given before dc_init in
# DC_PLUGIN_SETTINGS (one "name = value" per line), other configuration
# in DC_EXTRA_CONFIG, settings for protocol lmtp {} in DC_LMTP_SETTINGS.
# DC_LMTP_PLUGIN=no leaves the backscatter_lmtp plugin out of LMTP.
# DC_SUBMISSION=yes also starts the submission service on
# DC_SUBMISSION_PORT with the backscatter_submission plugin, relaying to
# 127.0.0.1:DC_RELAY_PORT, where the test runs its own SMTP server.
# DC_USERS, set before sourcing, names other users than alice, bob and
# carol @example.com. dc_make_keys sets up a key file as a deployment should.
#
# Several instances in one test (two backends behind a proxy): each dc_init
# makes a new one and makes it the current one, which every dc_* function
# works on; dc_save NAME remembers the current one, dc_select NAME makes it
# current again. The exit trap stops and removes every one.
# DC_INSTALLED=yes tests what is installed instead of the build tree (the
# Debian package, tests/package/): the plugins from the system's module
# directory, the backscatter program in /usr/bin and the configuration
# example the package ships.

DC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
# Every test of a Dovecot asserts: sourcing this file is its preamble
. "$DC_LIB/assert.sh"
DC_TOP=$(cd "$DC_LIB/../.." && pwd)
: "${BUILD_DIR:=$DC_TOP/build}"
# Test messages and the integration tests' Sieve scripts
TEST_DATA=$DC_TOP/tests/data
TEST_SCRIPTS=$DC_TOP/tests/integration/scripts
: "${DC_PLUGIN_SETTINGS:=}"
: "${DC_EXTRA_CONFIG:=}"
: "${DC_LMTP_SETTINGS:=}"
: "${DC_LMTP_PLUGIN:=yes}"
: "${DC_SUBMISSION:=no}"
: "${DC_INSTALLED:=no}"
DC_SYSTEM_MODULES=/usr/lib/dovecot/modules
if [ "$DC_INSTALLED" = yes ]; then
	DC_CLI=/usr/bin/backscatter
	DC_SNIPPET_DIR=/usr/share/dovecot-backscatter/conf.d
else
	DC_CLI=$BUILD_DIR/cli/backscatter
	DC_SNIPPET_DIR=
fi
DC_KEY_GROUP=backscatter
: "${DC_USERS:=alice@example.com bob@example.com carol@example.com}"
DC_PASSWORD=secret
DC_MAIL_USER=vmail
# The directories of every instance made, for the exit trap
DC_INSTANCES=
# What dc_save and dc_select switch
DC_INSTANCE_VARS="DC_DIR DC_CONF DC_LMTP_PORT DC_SIEVE_PORT DC_SUBMISSION_PORT
DC_RELAY_PORT DC_KEY_FILE DC_PLUGIN_SETTINGS DC_EXTRA_CONFIG DC_LMTP_SETTINGS
DC_LMTP_PLUGIN DC_SUBMISSION"

# The mail user: a dedicated uid >= 500, as Dovecot refuses lower ones
dc_ensure_mail_user() {
	local uid=5000

	getent passwd "$DC_MAIL_USER" >/dev/null && return 0
	while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	groupadd --gid "$uid" "$DC_MAIL_USER"
	useradd --uid "$uid" --gid "$uid" --home-dir /nonexistent \
		--no-create-home --shell /usr/sbin/nologin "$DC_MAIL_USER"
}

dc_version() {
	dovecot --version | sed 's/^\([0-9]*\.[0-9]*\).*/\1/'
}

dc_init() {
	local port_list so

	dc_ensure_mail_user
	DC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/backscatter-dovecot.XXXXXX")
	chmod 0755 "$DC_DIR"
	DC_INSTANCES="$DC_INSTANCES $DC_DIR"
	trap dc_cleanup EXIT
	trap 'exit 130' INT TERM

	port_list=$("$DC_LIB/free-ports" 2)
	DC_LMTP_PORT=$(echo "$port_list" | sed -n 1p)
	DC_SIEVE_PORT=$(echo "$port_list" | sed -n 2p)
	DC_CONF=$DC_DIR/dovecot.conf

	mkdir -p "$DC_DIR/run" "$DC_DIR/state" "$DC_DIR/log" \
		"$DC_DIR/modules/sieve"
	# Module dirs take one directory each: farm the system modules and
	# ours side by side
	for so in "$DC_SYSTEM_MODULES"/*.so "$DC_SYSTEM_MODULES"/sieve/*.so; do
		[ -e "$so" ] || continue
		ln -s "$so" "$DC_DIR/modules/${so#"$DC_SYSTEM_MODULES"/}"
	done
	if [ "$DC_INSTALLED" = yes ]; then
		dc_check_installed_modules || return 1
	else
		dc_copy_built_modules || return 1
	fi

	: > "$DC_DIR/users"
	for user in $DC_USERS; do
		echo "$user:{PLAIN}$DC_PASSWORD::::::" >> "$DC_DIR/users"
		dc_make_home "$user"
	done

	dc_write_config
}

# The modules of the build tree, next to the system's
dc_copy_built_modules() {
	local so

	so=$BUILD_DIR/sieve-ext/.libs/lib90_sieve_backscatter_plugin.so
	[ -f "$so" ] || { echo "dc_init: $so not built" >&2; return 1; }
	dc_check_settings_module || return 1
	# Copies, not links: Dovecot loads them as the mail user, who may
	# not be able to enter the build tree (a clone in a 0700 directory)
	cp "$so" "$DC_DIR/modules/sieve/"
	cp "$BUILD_DIR/plugin/lmtp/.libs/lib10_backscatter_lmtp_plugin.so" \
		"$DC_DIR/modules/"
	if [ "$DC_SUBMISSION" = yes ]; then
		port_list=$("$DC_LIB/free-ports" 2)
		DC_SUBMISSION_PORT=$(echo "$port_list" | sed -n 1p)
		DC_RELAY_PORT=$(echo "$port_list" | sed -n 2p)
		cp "$BUILD_DIR/plugin/submission/.libs/lib10_backscatter_submission_plugin.so" \
			"$DC_DIR/modules/"
	fi
}

# DC_INSTALLED=yes: ours are among the system's modules, linked by dc_init
dc_check_installed_modules() {
	local so

	for so in sieve/lib90_sieve_backscatter_plugin.so \
		  lib10_backscatter_lmtp_plugin.so \
		  lib10_backscatter_submission_plugin.so; do
		[ -f "$DC_DIR/modules/$so" ] && continue
		echo "dc_init: $DC_SYSTEM_MODULES/$so is not installed" >&2
		return 1
	done
}

# Writes dovecot.conf from the template for the installed Dovecot version,
# including the project's own conf.d snippet for that version
dc_write_config() {
	local version
	version=$(dc_version)
	case $version in
	2.3)
		# Dovecot 2.3 cannot append to a list: add editheader, for
		# the tests' own bookkeeping, to the snippet's line
		sed 's/^\(  sieve_extensions = .*+vnd\.backscatter\)$/\1 +editheader/' \
			"${DC_SNIPPET_DIR:-$DC_TOP/conf.d/2.3}/90-backscatter.conf" \
			> "$DC_DIR/90-backscatter.conf"
		grep -q 'editheader' "$DC_DIR/90-backscatter.conf" || {
			echo "dc_write_config: no sieve_extensions line in conf.d" >&2
			return 1
		}
		;;
	2.4)
		cp "${DC_SNIPPET_DIR:-$DC_TOP/conf.d/2.4}/90-backscatter.conf" \
			"$DC_DIR/"
		;;
	*)
		echo "dc_write_config: Dovecot $version is not supported" >&2
		return 1
		;;
	esac
	local lmtp_plugins=""
	if [ "$DC_LMTP_PLUGIN" = yes ]; then
		case $version in
		2.3) lmtp_plugins=" backscatter_lmtp" ;;
		2.4) lmtp_plugins="    backscatter_lmtp = yes" ;;
		esac
	fi
	sed -e "s|@DIR@|$DC_DIR|g" \
	    -e "s|@INSTANCE@|backscatter-test-$$-${DC_DIR##*.}|g" \
	    -e "s|@MAIL_USER@|$DC_MAIL_USER|g" \
	    -e "s|@LMTP_PORT@|$DC_LMTP_PORT|g" \
	    -e "s|@SIEVE_PORT@|$DC_SIEVE_PORT|g" \
	    "$DC_LIB/dovecot-$version.conf.in" |
	awk -v settings="$DC_PLUGIN_SETTINGS" -v extra="$DC_EXTRA_CONFIG" \
	    -v lmtp_settings="$DC_LMTP_SETTINGS" -v lmtp_plugins="$lmtp_plugins" '
		/^@PLUGIN_SETTINGS@$/ { if (settings != "") print settings; next }
		/^@EXTRA_CONFIG@$/ { if (extra != "") print extra; next }
		/^@LMTP_SETTINGS@$/ { if (lmtp_settings != "") print lmtp_settings; next }
		/^@LMTP_PLUGINS@$/ { if (lmtp_plugins != "") print lmtp_plugins; next }
		/@LMTP_PLUGINS@/ { sub(/@LMTP_PLUGINS@/, lmtp_plugins) }
		{ print }' > "$DC_CONF"
	[ "$DC_SUBMISSION" != yes ] || dc_submission_config "$version" >> "$DC_CONF"
}

# The submission service with the backscatter_submission plugin, and the
# group that may read the key file, as conf.d documents it
dc_submission_config() {
	case $1 in
	2.3)
		cat <<EOF
protocols = \$protocols submission
submission_relay_host = 127.0.0.1
submission_relay_port = $DC_RELAY_PORT
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $DC_SUBMISSION_PORT
  }
}
protocol submission {
  mail_plugins = \$mail_plugins backscatter_submission
  mail_access_groups = $DC_KEY_GROUP
}
EOF
		;;
	2.4)
		cat <<EOF
protocols {
  submission = yes
}
submission_relay_host = 127.0.0.1
submission_relay_port = $DC_RELAY_PORT
service submission-login {
  inet_listener submission {
    listen = 127.0.0.1
    port = $DC_SUBMISSION_PORT
  }
}
protocol submission {
  mail_plugins {
    backscatter_submission = yes
  }
  mail_access_groups = $DC_KEY_GROUP
}
EOF
		;;
	esac
}

# Dovecot 2.4 learns settings only from modules in its own settings
# directory, which no setting can move: the module built here must be the
# one installed there ("make install", done by ./check in the Debian 13
# chroot).
dc_check_settings_module() {
	local built installed
	[ "$(dc_version)" = 2.4 ] || return 0
	built=$BUILD_DIR/plugin/settings/.libs/lib20_backscatter_settings.so
	installed=$(sed -n "s/^dovecot_moduledir=//p" \
		/usr/lib/dovecot/dovecot-config)/settings/lib20_backscatter_settings.so
	if ! cmp -s "$built" "$installed"; then
		echo "dc_init: $installed is missing or not the module built in" \
		     "$BUILD_DIR; run make install there first" >&2
		return 1
	fi
}

# dc_make_keys [KEYGEN-OPTIONS]...: a key file as deployments should have
# it, root:backscatter mode 0640, readable by delivery only (protocol lmtp
# gets the group with mail_access_groups; users' own processes do not).
# Writes a key with "backscatter keygen" for each argument, a string of
# keygen options ("--scheme prvs --domain a.example"); without arguments
# a bs1 and a prvs key of every domain. Sets DC_KEY_FILE.
dc_make_keys() {
	local cli=$DC_CLI spec

	getent group "$DC_KEY_GROUP" >/dev/null || groupadd "$DC_KEY_GROUP"
	mkdir -p "$DC_DIR/keys"
	chown "root:$DC_KEY_GROUP" "$DC_DIR/keys"
	chmod 0750 "$DC_DIR/keys"
	DC_KEY_FILE=$DC_DIR/keys/backscatter.keys
	[ $# -gt 0 ] || set -- "--scheme bs1" "--scheme prvs"
	for spec in "$@"; do
		# shellcheck disable=SC2086 # one word per option
		"$cli" keygen $spec --add "$DC_KEY_FILE" 2>/dev/null || return 1
	done
	# Created long ago, so that tests can sign as of past days
	sed -i -E 's/^(bs1|prvs) ([0-9]+) [0-9-]+ /\1 \2 2020-01-01 /' "$DC_KEY_FILE"
	chown "root:$DC_KEY_GROUP" "$DC_KEY_FILE"
	chmod 0640 "$DC_KEY_FILE"
}

# dc_metric NAME FILTER [FIELD]: a metric block of the stats service in
# this Dovecot's syntax, its sub-metrics grouped by FIELD when given
# (README, "Events and metrics"); for DC_EXTRA_CONFIG
dc_metric() {
	echo "metric $1 {"
	echo "  filter = $2"
	if [ -n "${3:-}" ]; then
		case $(dc_version) in
		2.3)	echo "  group_by = $3" ;;
		*)	echo "  group_by $3 {"
			echo "  }" ;;
		esac
	fi
	echo "}"
}

# dc_stats_listener PORT: the stats service's OpenMetrics listener on
# 127.0.0.1:PORT; for DC_EXTRA_CONFIG
dc_stats_listener() {
	local address=address
	[ "$(dc_version)" = 2.3 ] || address=listen
	cat <<EOF
service stats {
  inet_listener http {
    $address = 127.0.0.1
    port = $1
  }
}
EOF
}

# dc_stats_dump: the stats service's metrics, as doveadm stats dump shows
# them
dc_stats_dump() {
	doveadm -c "$DC_CONF" stats dump
}

# dc_restart SETTINGS: restart with other plugin settings
dc_restart() {
	dc_stop
	DC_PLUGIN_SETTINGS=$1
	dc_write_config
	dc_start
}

dc_home() {
	local user=$1
	echo "$DC_DIR/home/${user#*@}/${user%@*}"
}

dc_make_home() {
	local home
	home=$(dc_home "$1")
	# sieve-trace/ exists, so Pigeonhole writes a trace per execution
	mkdir -p "$home/sieve-trace"
	chown -R "$DC_MAIL_USER:$DC_MAIL_USER" "$DC_DIR/home"
}

dc_start() {
	local i

	doveconf -c "$DC_CONF" -n > "$DC_DIR/log/doveconf.out" 2>&1 || {
		cat "$DC_DIR/log/doveconf.out" >&2
		return 1
	}
	dovecot -c "$DC_CONF" || return 1
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$DC_LMTP_PORT") 2>/dev/null &&
		   (exec 3<>"/dev/tcp/127.0.0.1/$DC_SIEVE_PORT") 2>/dev/null &&
		   { [ "$DC_SUBMISSION" != yes ] ||
		     (exec 3<>"/dev/tcp/127.0.0.1/$DC_SUBMISSION_PORT") 2>/dev/null; }; then
			return 0
		fi
		sleep 0.05
	done
	echo "dc_start: Dovecot did not start listening" >&2
	dc_log_tail >&2
	return 1
}

dc_stop() {
	local pid i

	[ -n "${DC_DIR:-}" ] && [ -f "$DC_DIR/run/master.pid" ] || return 0
	pid=$(cat "$DC_DIR/run/master.pid")
	kill -TERM "$pid" 2>/dev/null || { rm -f "$DC_DIR/run/master.pid"; return 0; }
	# The master lets idle children linger for seconds; a test server
	# has no clients to be polite to
	pkill -TERM -P "$pid" 2>/dev/null
	for i in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$DC_DIR/run/master.pid"
}

dc_cleanup() {
	local status=$?

	for DC_DIR in $DC_INSTANCES; do
		dc_stop
		if [ "$status" != 0 ]; then
			echo "# Dovecot log of $DC_DIR (last lines):" >&2
			dc_log_tail | sed 's/^/#   /' >&2
		fi
		if [ -z "${KEEP_TEST_DIR:-}" ]; then
			rm -rf "$DC_DIR"
		else
			echo "# kept $DC_DIR" >&2
		fi
	done
	exit $status
}

# dc_save NAME: remember the current instance as NAME
dc_save() {
	local var
	for var in $DC_INSTANCE_VARS; do
		eval "DC_SAVED_${1}_$var=\${$var-}"
	done
}

# dc_select NAME: make the instance saved as NAME the current one
dc_select() {
	local var
	for var in $DC_INSTANCE_VARS; do
		eval "$var=\${DC_SAVED_${1}_$var-}"
	done
}

dc_log_tail() {
	tail -n 30 "$DC_DIR/log/dovecot.log" 2>/dev/null
}

# dc_deliver FROM FILE "RCPT[ ORCPT=ADDR]"...: one LMTP transaction;
# prints the per-recipient replies
dc_deliver() {
	"$DC_LIB/lmtp-send" "127.0.0.1:$DC_LMTP_PORT" "$@"
}

# dc_deliver_as ID FROM FILE RCPT...: the same, with an X-Test-Id: ID
# header put on top so that dc_find can tell where the message went
dc_deliver_as() {
	local id=$1 from=$2 file=$3 tagged
	shift 3
	tagged=$DC_DIR/deliver.$id.eml
	{ echo "X-Test-Id: $id"; cat "$file"; } > "$tagged"
	dc_deliver "$from" "$tagged" "$@"
	local status=$?
	rm -f "$tagged"
	return $status
}

dc_sieve_connect() {
	local user=$1
	shift
	sieve-connect --server 127.0.0.1 --port "$DC_SIEVE_PORT" \
		--user "$user" --passwordfd 3 --clearchan "$@" \
		3<<<"$DC_PASSWORD"
}

# dc_sieve_put USER NAME FILE: upload (PUTSCRIPT) and activate
dc_sieve_put() {
	dc_sieve_connect "$1" --upload --localsieve "$3" --remotesieve "$2" &&
	dc_sieve_connect "$1" --activate --remotesieve "$2"
}

dc_capability() {
	"$DC_LIB/managesieve-capability" 127.0.0.1 "$DC_SIEVE_PORT"
}

# dc_folder_files USER FOLDER: the message files of a maildir folder
dc_folder_files() {
	local dir
	dir=$(dc_home "$1")/Maildir
	[ "$2" = INBOX ] || dir=$dir/.$2
	find "$dir/new" "$dir/cur" -type f 2>/dev/null | sort
}

# dc_find USER ID: the folder the message delivered by dc_deliver_as ID
# went to
dc_find() {
	local home file folder
	home=$(dc_home "$1")/Maildir
	file=$(grep -rlx -- "X-Test-Id: $2" "$home" 2>/dev/null |
		grep -E '/(new|cur)/' | head -n 1)
	[ -n "$file" ] || { echo "(not delivered)"; return 1; }
	folder=$(dirname "$(dirname "$file")")
	if [ "$folder" = "$home" ]; then
		echo INBOX
	else
		basename "$folder" | sed 's/^\.//'
	fi
}

# dc_header USER ID HEADER: a header of the delivered message
dc_header() {
	local file
	file=$(grep -rlx -- "X-Test-Id: $2" "$(dc_home "$1")/Maildir" \
		2>/dev/null | head -n 1)
	[ -n "$file" ] && sed -n "s/^$3: //Ip" "$file" | head -n 1
}

# dc_trace USER: the Sieve trace of the user's latest delivery
dc_trace() {
	local dir
	dir=$(dc_home "$1")/sieve-trace
	cat "$(ls -t "$dir"/* 2>/dev/null | head -n 1)" 2>/dev/null
}

# dc_sieve_before SCRIPT: the admin's sieve_before script, in each
# generation's syntax (a setting on 2.3, a sieve_script block on 2.4),
# for the next dc_restart_enforcing. Delivery cannot write its .svbin:
# compile it first.
dc_sieve_before() {
	case $(dc_version) in
	2.3) DC_SIEVE_BEFORE="  sieve_before = $1" ;;
	2.4) DC_EXTRA_CONFIG="sieve_script admin-before {
  type = before
  path = $1
}" ;;
	esac
}

# dc_restart_enforcing DAY: restarts with the keys, example.com signed
# and its tags enforced since DAY (and the sieve_before script, if any)
dc_restart_enforcing() {
	dc_restart "  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com
  backscatter_enforce_since = $1
${DC_SIEVE_BEFORE:-}"
}
