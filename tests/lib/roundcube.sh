# A private Roundcube for the webmail tests, in front of the private
# Dovecot of dovecot.sh: Debian's roundcube-core and roundcube-plugins
# as installed, put together in DC_DIR/roundcube-www with a
# configuration of its own (sqlite database, IMAP and ManageSieve of the
# private Dovecot, the managesieve plugin and contrib/roundcube/backscatter)
# and served by PHP's built-in web server on a free loopback port.
# Nothing of the system's Roundcube (/etc/roundcube, /var/lib/roundcube)
# is read or changed.
#
#   . tests/lib/dovecot.sh
#   . tests/lib/roundcube.sh
#   rc_dovecot_imap             # before dc_init: IMAP, for logins
#   dc_init && dc_start
#   rc_init                    # needs DC_DIR, DC_SIEVE_PORT, RC_IMAP_PORT
#   rc_start                   # http://127.0.0.1:$RC_HTTP_PORT/; stopped on exit
#
# RC_DIR is Roundcube's own directory (Debian: /usr/share/roundcube).

RC_DIR=${RCUBE_DIR:-/usr/share/roundcube}
RC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)

# rc_available: Roundcube, its managesieve plugin and PHP's CLI are here
rc_available() {
	command -v php >/dev/null &&
	[ -f "$RC_DIR/index.php" ] &&
	[ -d "$RC_DIR/plugins/managesieve/lib/Roundcube" ]
}

rc_version() {
	php "$RC_LIB/rcube-sieve.php" version
}

# rc_dovecot_imap: adds the IMAP listener Roundcube logs in to, on
# RC_IMAP_PORT, to DC_EXTRA_CONFIG
rc_dovecot_imap() {
	RC_IMAP_PORT=$("$RC_LIB/free-ports" 1)
	DC_EXTRA_CONFIG="${DC_EXTRA_CONFIG:-}
$(rc_dovecot_imap_config)"
}

rc_dovecot_imap_config() {
	case $(dovecot --version | cut -c1-3) in
	2.3)
		cat <<EOF
protocols = \$protocols imap
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $RC_IMAP_PORT
  }
}
EOF
		;;
	2.4)
		cat <<EOF
protocols {
  imap = yes
}
service imap-login {
  inet_listener imap {
    listen = 127.0.0.1
    port = $RC_IMAP_PORT
  }
}
EOF
		;;
	esac
}

rc_init() {
	local www plugin
	www=$DC_DIR/roundcube-www
	RC_WWW=$www
	RC_HTTP_PORT=$("$RC_LIB/free-ports" 1)
	RC_URL=http://127.0.0.1:$RC_HTTP_PORT/
	mkdir -p "$www/config" "$www/plugins" "$www/skins" "$www/temp" \
		"$www/logs" "$www/public_html/program"
	ln -s "$RC_DIR/index.php" "$www/index.php"
	ln -s "$RC_DIR/program" "$www/program"
	ln -s "$RC_DIR/SQL" "$www/SQL"
	ln -s "$RC_DIR/skins/elastic" "$www/skins/elastic"
	# managesieve, and the two plugins Roundcube always loads
	for plugin in managesieve filesystem_attachments jqueryui; do
		ln -s "$RC_DIR/plugins/$plugin" "$www/plugins/$plugin"
	done
	ln -s "$DC_TOP/contrib/roundcube/backscatter" "$www/plugins/backscatter"
	ln -s /etc/roundcube/defaults.inc.php "$www/config/defaults.inc.php"
	ln -s /etc/roundcube/mimetypes.php "$www/config/mimetypes.php"
	# What a web server may serve, as Debian's public_html has it
	ln -s ../../program/js "$www/public_html/program/js"
	ln -s ../../program/resources "$www/public_html/program/resources"
	ln -s ../skins "$www/public_html/skins"
	ln -s ../plugins "$www/public_html/plugins"
	cat > "$www/public_html/index.php" <<'EOF'
<?php
define('INSTALL_PATH', realpath(__DIR__ . '/..') . '/');
include INSTALL_PATH . 'index.php';
EOF
	sqlite3 "$www/roundcube.db" < "$RC_DIR/SQL/sqlite.initial.sql" ||
		return 1
	cat > "$www/config/config.inc.php" <<EOF
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$www/roundcube.db?mode=0600';
\$config['imap_host'] = '127.0.0.1:${RC_IMAP_PORT:-143}';
\$config['smtp_host'] = '127.0.0.1:1';
\$config['managesieve_host'] = '127.0.0.1:$DC_SIEVE_PORT';
\$config['plugins'] = ['managesieve', 'backscatter'];
\$config['des_key'] = 'dovecot-backscatter-test';
\$config['skin'] = 'elastic';
\$config['language'] = 'en_US';
\$config['log_dir'] = '$www/logs/';
\$config['temp_dir'] = '$www/temp/';
\$config['enable_installer'] = false;
\$config['ip_check'] = false;
\$config['junk_mbox'] = 'Junk';
\$config['product_name'] = 'Roundcube';
EOF
}

# rc_start: the web server, stopped on exit before Dovecot
rc_start() {
	local i
	( cd "$RC_WWW/public_html" &&
	  exec php -S "127.0.0.1:$RC_HTTP_PORT" -t . ) \
		> "$RC_WWW/logs/php-server.log" 2>&1 &
	RC_PID=$!
	trap rc_cleanup EXIT
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$RC_HTTP_PORT") 2>/dev/null &&
			return 0
		sleep 0.05
	done
	echo "rc_start: PHP's web server did not start listening" >&2
	return 1
}

rc_stop() {
	[ -n "${RC_PID:-}" ] || return 0
	kill "$RC_PID" 2>/dev/null
	wait "$RC_PID" 2>/dev/null
	RC_PID=
}

rc_cleanup() {
	local status=$?
	rc_stop
	if [ "$status" != 0 ] && [ -n "${RC_WWW:-}" ]; then
		echo "# Roundcube's log (last lines):" >&2
		tail -n 20 "$RC_WWW/logs/errors.log" 2>/dev/null | sed 's/^/#   /' >&2
	fi
	(exit "$status")
	dc_cleanup
}
