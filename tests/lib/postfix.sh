# A private Postfix for integration tests, in front of the private Dovecot
# of dovecot.sh as admins run them: its own config_directory, queue,
# data directory and log file in one temporary directory, two smtpd
# listeners on free loopback ports, delivery to Dovecot over LMTP. Needs
# root (Postfix's master does) and Debian's postfix package, which
# pf_install adds ("No configuration": /etc/postfix gets no main.cf and
# no system instance is set up). Nothing outside the temporary directory
# is changed: /etc/postfix is not read, Postfix logs to its own file
# through postlogd (maillog_file), not to syslog.
#
#   . tests/lib/dovecot.sh
#   . tests/lib/postfix.sh
#   dc_init && dc_start          # first: Postfix delivers to its LMTP port
#   pf_init                      # set up; stopped on exit, before Dovecot
#   pf_start
#   pf_send "$PF_SUBMIT_PORT" alice@example.com msg.eml bob@example.com
#   pf_send --xclient ADDR=192.0.2.7,NAME=mx.other.example \
#       "$PF_SMTP_PORT" '<>' dsn.eml alice@example.com
#   pf_wait_queue_empty          # bounded: every message delivered or bounced
#   pf_signer_start "$DC_CONF"   # before pf_start: submission signs senders
#   pf_stop                      # also done by the exit trap
#
# The listeners (both 127.0.0.1 only):
#   PF_SMTP_PORT     the MX: mail from other hosts, bounces among it;
#                    127.0.0.1 may claim another client with XCLIENT
#   PF_SUBMIT_PORT   submission: mail from our users; its own cleanup
#                    service, "subcleanup", where a signer can be hooked in
#                    with PF_SUBMIT_CLEANUP_OPTIONS
# Addresses:
#   example.com      virtual mailbox domain, delivered to Dovecot over
#                    LMTP; recipient_delimiter = +, so alice+tag@ is alice
#   PF_USERS         the mailboxes Postfix knows (virtual_mailbox_maps):
#                    Dovecot's users and nobody@example.com, which Dovecot
#                    does not have: mail to it is accepted by Postfix and
#                    refused over LMTP (550 5.1.1), so Postfix sends a real
#                    DSN to the sender
#   anything else    refused (no relaying, no local(8) delivery)
# Knobs, set before pf_init (or before pf_restart):
#   PF_VIRTUAL_MAILBOX_MAPS  the maps of accepted recipients; default
#                    texthash:$PF_DIR/vmailbox
#   PF_MAIN_EXTRA    more main.cf lines
#   PF_SUBMIT_CLEANUP_OPTIONS  "-o name=value" lines for subcleanup, e.g.
#                    -o sender_canonical_maps=socketmap:unix:PATH:sign
#   PF_SUBMIT_OPTIONS  "-o name=value" lines for the submission smtpd
# Files: $PF_DIR/etc (config_directory), $PF_DIR/queue, $PF_DIR/data,
# $PF_DIR/log/maillog. KEEP_TEST_DIR=1 keeps them after the test.

PF_LIB=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
: "${PF_MAIN_EXTRA:=}"
: "${PF_SUBMIT_CLEANUP_OPTIONS:=}"
: "${PF_SUBMIT_OPTIONS:=}"
: "${PF_VIRTUAL_MAILBOX_MAPS:=}"
PF_USERS="alice@example.com bob@example.com carol@example.com nobody@example.com"
PF_DIR=
PF_SIGNER_PID=

# pf_available: Postfix is installed (or installable, as root)
pf_available() {
	command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ]
}

# pf_install: Debian's postfix, without a system configuration
pf_install() {
	pf_available && return 0
	# shellcheck source=packages.sh
	. "$PF_LIB/packages.sh"
	echo 'postfix postfix/main_mailer_type select No configuration' |
		debconf-set-selections 2>/dev/null
	bs_install_packages postfix >/dev/null
}

# pf_init: a stopped Postfix in a new temporary directory; needs the
# private Dovecot's LMTP port (DC_LMTP_PORT), so call it after dc_init
pf_init() {
	local ports

	[ -n "${DC_LMTP_PORT:-}" ] || {
		echo "pf_init: no DC_LMTP_PORT (call dc_init first)" >&2
		return 1
	}
	pf_install || { echo "pf_init: postfix is not installed" >&2; return 1; }
	PF_DIR=$(mktemp -d "${TMPDIR:-/tmp}/backscatter-postfix.XXXXXX")
	# Postfix's unprivileged daemons must reach the queue
	chmod 0755 "$PF_DIR"
	trap pf_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$PF_DIR/etc" "$PF_DIR/log" "$PF_DIR/queue"
	ports=$("$PF_LIB/free-ports" 2)
	PF_SMTP_PORT=$(echo "$ports" | sed -n 1p)
	PF_SUBMIT_PORT=$(echo "$ports" | sed -n 2p)
	: > "$PF_DIR/etc/vmailbox"
	for user in $PF_USERS; do
		echo "$user ${user#*@}/${user%@*}/" >> "$PF_DIR/etc/vmailbox"
	done
	pf_write_config
}

# pf_write_config: main.cf and master.cf from the knobs
pf_write_config() {
	local etc=$PF_DIR/etc maps

	maps=${PF_VIRTUAL_MAILBOX_MAPS:-texthash:$etc/vmailbox}
	cat > "$etc/main.cf" <<-EOF
	# Private test instance written by tests/lib/postfix.sh
	compatibility_level = 3.6
	config_directory = $etc
	queue_directory = $PF_DIR/queue
	data_directory = $PF_DIR/data
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file = $PF_DIR/log/maillog
	maillog_file_prefixes = $PF_DIR
	syslog_name = postfix-test
	myhostname = mx.example.com
	mydomain = example.com
	myorigin = \$myhostname
	inet_interfaces = loopback-only
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	smtputf8_enable = no
	biff = no
	# Nothing is delivered on this system or relayed anywhere
	mydestination =
	local_recipient_maps =
	alias_maps =
	alias_database =
	local_transport = error:5.1.1 no local delivery in the test Postfix
	relay_domains =
	relay_transport = error:5.7.1 the test Postfix relays nowhere
	default_transport = error:5.7.1 the test Postfix relays nowhere
	# example.com lives in Dovecot, behind LMTP
	recipient_delimiter = +
	virtual_mailbox_domains = example.com
	virtual_mailbox_maps = $maps
	virtual_alias_maps =
	virtual_transport = lmtp:inet:127.0.0.1:$DC_LMTP_PORT
	# Postmaster notices go to a mailbox that exists
	notify_classes = resource, software
	bounce_notice_recipient = carol@example.com
	2bounce_notice_recipient = carol@example.com
	delay_notice_recipient = carol@example.com
	error_notice_recipient = carol@example.com
	# The tests inject mail "from other hosts"
	smtpd_authorized_xclient_hosts = 127.0.0.1
	# A test fails rather than waits on a deferral
	queue_run_delay = 1s
	minimal_backoff_time = 1s
	maximal_backoff_time = 2s
	delay_warning_time = 0
	in_flow_delay = 0
	EOF
	[ -z "$PF_MAIN_EXTRA" ] || printf '%s\n' "$PF_MAIN_EXTRA" >> "$etc/main.cf"

	# No chroot: the socketmap and the LMTP port are outside any jail
	{
		cat <<-EOF
		# service type  private unpriv  chroot  wakeup  maxproc command
		127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
		127.0.0.1:$PF_SUBMIT_PORT inet n - n - - smtpd
		  -o syslog_name=postfix-test/submission
		  -o cleanup_service_name=subcleanup
		EOF
		printf '%s\n' "$PF_SUBMIT_OPTIONS" | sed '/^$/d; s/^ */  /'
		cat <<-EOF
		cleanup   unix  n - n - 0 cleanup
		subcleanup unix n - n - 0 cleanup
		  -o syslog_name=postfix-test/subcleanup
		EOF
		printf '%s\n' "$PF_SUBMIT_CLEANUP_OPTIONS" | sed '/^$/d; s/^ */  /'
		cat <<-EOF
		pickup    unix  n - n 60 1 pickup
		qmgr      unix  n - n 300 1 qmgr
		rewrite   unix  - - n - - trivial-rewrite
		bounce    unix  - - n - 0 bounce
		defer     unix  - - n - 0 bounce
		trace     unix  - - n - 0 bounce
		verify    unix  - - n - 1 verify
		flush     unix  n - n 1000? 0 flush
		proxymap  unix  - - n - - proxymap
		showq     unix  n - n - - showq
		error     unix  - - n - - error
		retry     unix  - - n - - error
		discard   unix  - - n - - discard
		lmtp      unix  - - n - - lmtp
		smtp      unix  - - n - - smtp
		anvil     unix  - - n - 1 anvil
		scache    unix  - - n - 1 scache
		postlog   unix-dgram n - n - 1 postlogd
		EOF
	} > "$etc/master.cf"
}

# pf_signer_start CONFIG: the project's Postfix signer ("backscatter
# socketmap", from BUILD_DIR) with the settings of a Dovecot CONFIG,
# listening on $PF_SIGNER_SOCKET; the submission service's cleanup then
# signs envelope senders through it (call before pf_start, or
# pf_restart). The signer keeps root's uid, to read the key file, but
# takes the group postfix, so its socket is root:postfix 0660 in a
# root:postfix 0750 directory: Postfix's cleanup may connect, no one else.
pf_signer_start() {
	local i dir=$PF_DIR/signer

	mkdir -p "$dir"
	chown root:postfix "$dir"
	chmod 0750 "$dir"
	PF_SIGNER_SOCKET=$dir/socketmap
	setpriv --regid=postfix --keep-groups \
		"$BUILD_DIR/cli/backscatter" socketmap -c "$1" \
		--socket "$PF_SIGNER_SOCKET" --mode 0660 --verbose \
		>> "$PF_DIR/log/signer.log" 2>&1 &
	PF_SIGNER_PID=$!
	for i in $(seq 100); do
		[ -S "$PF_SIGNER_SOCKET" ] && break
		kill -0 "$PF_SIGNER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -S "$PF_SIGNER_SOCKET" ]; then
		echo "pf_signer_start: no socket:" >&2
		cat "$PF_DIR/log/signer.log" >&2
		return 1
	fi
	PF_SUBMIT_CLEANUP_OPTIONS="-o sender_canonical_maps=socketmap:unix:$PF_SIGNER_SOCKET:sign
-o sender_canonical_classes=envelope_sender"
	pf_write_config
}

# pf_signer_stop: stop the signer, bounded
pf_signer_stop() {
	local i

	[ -n "${PF_SIGNER_PID:-}" ] || return 0
	kill -TERM "$PF_SIGNER_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$PF_SIGNER_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$PF_SIGNER_PID" 2>/dev/null
	wait "$PF_SIGNER_PID" 2>/dev/null
	PF_SIGNER_PID=
}

# pf_postconf: postconf on the private instance
pf_postconf() {
	postconf -c "$PF_DIR/etc" "$@"
}

# pf_start: start and wait until both listeners answer
pf_start() {
	local i out

	if ! out=$(postfix -c "$PF_DIR/etc" check 2>&1) ||
	   ! out=$out$(postfix -c "$PF_DIR/etc" start 2>&1); then
		echo "pf_start: postfix did not start:" >&2
		printf '%s\n' "$out" >&2
		pf_log_tail >&2
		return 1
	fi
	for i in $(seq 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PF_SMTP_PORT") 2>/dev/null &&
		   (exec 3<>"/dev/tcp/127.0.0.1/$PF_SUBMIT_PORT") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "pf_start: Postfix did not start listening" >&2
	pf_log_tail >&2
	return 1
}

# pf_master_pid: the master's pid, if it runs
pf_master_pid() {
	local pid
	[ -n "$PF_DIR" ] && [ -f "$PF_DIR/queue/pid/master.pid" ] || return 1
	pid=$(tr -d ' ' < "$PF_DIR/queue/pid/master.pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# pf_stop: stop the master and whatever it left behind, bounded
pf_stop() {
	local pid i

	pid=$(pf_master_pid) || return 0
	postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 ||
		kill -TERM "$pid" 2>/dev/null
	for i in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	# Children of a master that did not go away in 10s
	if kill -0 "$pid" 2>/dev/null; then
		pkill -KILL -P "$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

# pf_restart: stop, rewrite the configuration from the knobs, start
pf_restart() {
	pf_stop
	pf_write_config
	pf_start
}

# pf_cleanup: the exit trap; stops Postfix, then hands over to Dovecot's
# cleanup (which stops Dovecot and exits with the test's status)
pf_cleanup() {
	local status=$?

	pf_stop
	pf_signer_stop
	if [ "$status" != 0 ] && [ -n "$PF_DIR" ]; then
		echo "# Postfix log (last lines):" >&2
		pf_log_tail | sed 's/^/#   /' >&2
		if [ -s "$PF_DIR/log/signer.log" ]; then
			echo "# signer log (last lines):" >&2
			tail -n 10 "$PF_DIR/log/signer.log" | sed 's/^/#   /' >&2
		fi
	fi
	if [ -n "$PF_DIR" ] && [ -z "${KEEP_TEST_DIR:-}" ]; then
		rm -rf "$PF_DIR"
	elif [ -n "$PF_DIR" ]; then
		echo "# kept $PF_DIR" >&2
	fi
	if declare -F dc_cleanup >/dev/null; then
		(exit "$status")
		dc_cleanup
	fi
	exit "$status"
}

pf_log_tail() {
	tail -n 30 "$PF_DIR/log/maillog" 2>/dev/null
}

# pf_send [--xclient ATTRS] PORT FROM FILE RCPT...: one SMTP transaction
# to the private Postfix; prints the replies per recipient and to DATA
pf_send() {
	local xclient=()
	if [ "$1" = --xclient ]; then
		xclient=(--xclient "$2")
		shift 2
	fi
	local port=$1
	shift
	"$PF_LIB/smtp-send" "${xclient[@]}" "127.0.0.1:$port" "$@"
}

# pf_queue_files: the messages in the queue, whatever their state
pf_queue_files() {
	local q=$PF_DIR/queue
	find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" \
		"$q/hold" -type f 2>/dev/null
}

# pf_wait_queue_empty [SECONDS]: wait, at most SECONDS (default 20), until
# every message is delivered or bounced; on a timeout show the queue and
# the log and fail. A deferred message is retried at once (flush).
pf_wait_queue_empty() {
	local deadline=$((SECONDS + ${1:-20})) flushed=

	while [ -n "$(pf_queue_files)" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "pf_wait_queue_empty: still queued after ${1:-20}s:" >&2
			postqueue -c "$PF_DIR/etc" -p 2>&1 | sed 's/^/#   /' >&2
			pf_log_tail >&2
			return 1
		fi
		if [ -z "$flushed" ] && [ -n "$(find "$PF_DIR/queue/deferred" -type f 2>/dev/null)" ]; then
			postqueue -c "$PF_DIR/etc" -f >/dev/null 2>&1
			flushed=1
		fi
		sleep 0.1
	done
}

# pf_forged_dsn ID RCPT [DATE]: a Postfix-style DSN as another host would send it,
# for a message alice never sent (a joe job: her address forged as the
# sender by a spam host); its quoted Received header names a look-alike
# of our relay (mx.example.com), which must not count as ours. Prints the
# file's name; X-Test-Id: ID on top, for dc_find. DATE (RFC 5322) dates
# the quoted original; default now.
pf_forged_dsn() {
	local out=$PF_DIR/msg.$1.eml odate=${3:-$(date -u -R)}
	cat > "$out" <<-EOF
	X-Test-Id: $1
	Date: $(date -u -R)
	From: MAILER-DAEMON@mx.attacker.example (Mail Delivery System)
	Subject: Undelivered Mail Returned to Sender
	To: $2
	Auto-Submitted: auto-replied
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status;
	 boundary="B.forged"
	Message-Id: <forged-$1@mx.attacker.example>

	--B.forged
	Content-Description: Notification
	Content-Type: text/plain; charset=us-ascii

	This is the mail system at host mx.attacker.example.

	<victim@attacker.example>: host mail.attacker.example said: 550 5.1.1
	    <victim@attacker.example>: Recipient address rejected: User unknown

	--B.forged
	Content-Description: Delivery report
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.attacker.example
	X-Postfix-Sender: rfc822; $2
	Arrival-Date: $odate

	Final-Recipient: rfc822; victim@attacker.example
	Action: failed
	Status: 5.1.1
	Diagnostic-Code: smtp; 550 5.1.1 <victim@attacker.example>: User unknown

	--B.forged
	Content-Description: Undelivered Message
	Content-Type: message/rfc822

	Received: from bot.dialup.example (bot.dialup.example [198.51.100.9])
	 by mx.example.com.evil.org (Postfix) with ESMTP id 4AB12
	 for <victim@attacker.example>; $odate
	Date: $odate
	From: Alice <alice@example.com>
	To: victim@attacker.example
	Subject: Cheap watches
	Message-ID: <spam-$1@bot.dialup.example>

	Buy now.

	--B.forged--
	EOF
	echo "$out"
}

# pf_log_grep REGEX: lines of the Postfix log that match
pf_log_grep() {
	grep -E -- "$1" "$PF_DIR/log/maillog" 2>/dev/null
}
