# Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
#
# The lab's inside: sourced by make-lab --inside, which runs in the lab's
# network namespace with a mount namespace and a host name of its own.
# Nothing here may run on the host itself: it overlays /etc and /var.
#
# The lab's Internet (all on loopback, names in lab-dns's zone):
#   127.0.0.1    the clients that submit the test messages; the DNS server
#   127.0.0.9    mx.sender.example: the senders' MX, where bounces arrive
#                (lab-smtp sink)
#   127.0.0.10   mta.sender.example: the MTA under test, one at a time;
#                relays for 127.0.0.0/8, delivers local.example itself
#                (its local delivery agent, or Dovecot's LDA)
#   127.0.0.20   mx.remote.example: a real Postfix as the remote MX:
#                remote.example has bob only; 20 kB size limit; sender
#                mallory@ refused; GTUBE refused by body_checks; relays
#                for no one (relay.example points at it)
#   127.0.0.21   mx.lmtp.example: Dovecot, LMTP on port 24: users bob,
#                carol (over quota), dave (Sieve reject), erin (Sieve
#                vacation); also the LDA of local.example
#   127.0.0.30   mx.tarpit.example: accepts connections, never greets
#   127.0.0.31   mx.refused.example: nothing listens (connection refused)
#   nohost.example and anything else: NXDOMAIN
#
# Each case sends one message from a sender address of its own
# (alice+<mta><nn>@sender.example), so that the sink's file for that
# address is the case's bounce.

LAB_SINK_PORT=25
SMTP_SEND=$TOP/tests/lib/smtp-send
GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'

log() {
	echo "lab: $*" >&2
}

# background NAME COMMAND...: start a helper, remember its pid
background() {
	local name=$1
	shift
	"$@" >> "$WORK/log/$name.log" 2>&1 &
	echo $! > "$WORK/pids/$name"
}

stop_background() {
	local f=$WORK/pids/$1 pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$f"
}

# wait_port ADDR PORT: bounded wait until something listens
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		sleep 0.1
	done
	log "nothing listens on $1:$2"
	return 1
}

# The namespace: loopback up, overlays over what the MTAs write to, our
# resolver, users the MTAs need
setup_namespace() {
	local d

	ip link set lo up || return 1
	# 127.0.0.0/8 is routed to lo already; Postfix wants its listening
	# addresses on an interface
	for d in 9 10 20 21 30; do
		ip addr add "127.0.0.$d/32" dev lo || return 1
	done
	for d in etc var; do
		mkdir -p "$WORK/ovl/$d-upper" "$WORK/ovl/$d-work"
		mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/ovl/$d-upper,workdir=$WORK/ovl/$d-work" "/$d" ||
			return 1
	done
	# OpenSMTPD runs its helpers from /usr/libexec/opensmtpd
	mount -t overlay overlay -o "lowerdir=$CACHE/opensmtpd/usr/libexec:/usr/libexec" /usr/libexec ||
		return 1
	mount -t tmpfs tmpfs /run || return 1
	hostname mta.sender.example
	rm -f /etc/resolv.conf /etc/hosts /etc/mailname
	echo "nameserver 127.0.0.1" > /etc/resolv.conf
	printf '127.0.0.1\tlocalhost\n127.0.0.10\tmta.sender.example mta\n' > /etc/hosts
	echo mta.sender.example > /etc/mailname
	getent passwd vmail >/dev/null ||
		useradd --uid 5000 --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin vmail
	for u in opensmtpd opensmtpq Debian-exim smmsp; do
		getent passwd "$u" >/dev/null ||
			useradd --system --user-group --no-create-home \
				--home-dir /nonexistent --shell /usr/sbin/nologin "$u"
	done
	mkdir -p /var/lib/opensmtpd/empty /var/spool /var/mail
	# vacation(1)'s user
	getent passwd frank >/dev/null ||
		useradd --user-group --home-dir "$WORK/home/frank" \
			--create-home --shell /bin/sh frank
	cat > "$WORK/zone" <<-EOF
	sender.example		MX	10 mx.sender.example
	mx.sender.example	A	127.0.0.9
	mta.sender.example	A	127.0.0.10
	local.example		MX	10 mta.sender.example
	remote.example		MX	10 mx.remote.example
	relay.example		MX	10 mx.remote.example
	mx.remote.example	A	127.0.0.20
	lmtp.example		MX	10 mx.lmtp.example
	mx.lmtp.example		A	127.0.0.21
	tarpit.example		MX	10 mx.tarpit.example
	mx.tarpit.example	A	127.0.0.30
	refused.example		MX	10 mx.refused.example
	mx.refused.example	A	127.0.0.31
	localhost		A	127.0.0.1
	1.0.0.127.in-addr.arpa	PTR	localhost
	9.0.0.127.in-addr.arpa	PTR	mx.sender.example
	10.0.0.127.in-addr.arpa	PTR	mta.sender.example
	20.0.0.127.in-addr.arpa	PTR	mx.remote.example
	21.0.0.127.in-addr.arpa	PTR	mx.lmtp.example
	30.0.0.127.in-addr.arpa	PTR	mx.tarpit.example
	31.0.0.127.in-addr.arpa	PTR	mx.refused.example
	EOF
	background dns python3 "$LAB/lab-dns" "$WORK/zone" 127.0.0.1 53
	background tarpit python3 "$LAB/lab-smtp" tarpit 127.0.0.30 25
	wait_port 127.0.0.30 25
}

# start_sink PHASE: the senders' MX, writing to $WORK/sink/PHASE
start_sink() {
	PHASE=$1
	stop_background sink
	mkdir -p "$WORK/sink/$1"
	background sink python3 "$LAB/lab-smtp" sink 127.0.0.9 25 "$WORK/sink/$1"
	wait_port 127.0.0.9 25
}

# --- the test messages ---------------------------------------------------

# mkmsg FILE FROM TO [big|gtube|plain]: a message as a user's client
# writes it
mkmsg() {
	local file=$1 from=$2 to=$3 what=${4:-plain} i
	{
		printf 'Date: %s\n' "$(date -R)"
		printf 'From: Alice Example <%s>\n' "$from"
		printf 'To: <%s>\n' "$to"
		printf 'Subject: Minutes of the Tuesday meeting\n'
		printf 'Message-ID: <%s.%s@sender.example>\n' "$(date +%s%N)" "$RANDOM"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n\n'
		printf 'Hello,\n\nthe minutes of Tuesday are below.\n\n'
		case $what in
		big)
			# about 60 kB: over the remote's 20 kB, under our 100 kB
			for i in $(seq 800); do
				printf 'Item %04d: the committee noted the figures and moved on.\n' "$i"
			done
			;;
		huge)
			# about 150 kB: over the MTA's own 100 kB limit
			for i in $(seq 2000); do
				printf 'Item %04d: the committee noted the figures and moved on.\n' "$i"
			done
			;;
		gtube)
			printf '%s\n' "$GTUBE"
			;;
		esac
		printf '\nRegards,\nAlice\n'
	} > "$file"
}

# --- the cases -------------------------------------------------------------

# label MTA CASE SENDER NTH KIND RCPT REASON NOTE: the case's bounce is
# the NTH message the sink gets for SENDER in the current phase
label() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$PHASE" "$@" \
		>> "$WORK/cases.tsv"
}

# smtp_case MTA NN CASE RCPT WHAT KIND REASON NOTE [SENDER-USER]: submit
# over SMTP to the MTA under test from alice+<mta><nn>@sender.example
# (or SENDER-USER+...), label its first bounce (its NTH, when set: the
# final bounce that follows a delay warning)
smtp_case() {
	local mta=$1 nn=$2 case=$3 rcpt=$4 what=$5 kind=$6 reason=$7 note=$8
	local sender=${9:-alice}+${mta:0:2}$nn@sender.example
	local msg=$WORK/msg/$mta-$case.eml

	mkmsg "$msg" "$sender" "$rcpt" "$what"
	"$SMTP_SEND" 127.0.0.10:25 "$sender" "$msg" "$rcpt" \
		>> "$WORK/log/submit.log" 2>&1 ||
		log "$mta $case: submission refused (see log/submit.log)"
	label "$mta" "$case" "$sender" "${NTH:-1}" "$kind" "$rcpt" "$reason" "$note"
}

# wait_bounces SECONDS: until the sink has every message the phase's
# cases expect, or SECONDS have passed
wait_bounces() {
	local deadline=$((SECONDS + $1)) want have p m c s n rest
	while :; do
		want=$(awk -F'\t' -v p="$PHASE" '$1 == p' "$WORK/cases.tsv" | wc -l)
		have=0
		while IFS=$'\t' read -r p m c s n rest; do
			[ "$p" = "$PHASE" ] || continue
			[ -f "$WORK/sink/$PHASE/${s,,}.$n.eml" ] && have=$((have + 1))
		done < "$WORK/cases.tsv"
		[ "$have" -ge "$want" ] && return 0
		if [ "$SECONDS" -ge "$deadline" ]; then
			log "$PHASE: $have of $want messages after $1 s"
			return 1
		fi
		sleep 1
	done
}

# The cases every MTA can run against the remote Postfix
remote_cases() {
	local m=$1
	smtp_case "$m" 01 userunknown-remote zed@remote.example plain bounce userunknown \
		"remote Postfix: no such user in its virtual mailbox table"
	smtp_case "$m" 02 toobig-remote bob@remote.example big bounce mesgtoobig \
		"remote Postfix: message_size_limit 20 kB, message 60 kB"
	smtp_case "$m" 03 hostunknown bob@nohost.example plain bounce hostunknown \
		"the domain does not exist (NXDOMAIN)"
	smtp_case "$m" 04 norelaying bob@relay.example plain bounce norelaying \
		"relay.example's MX is the remote Postfix, which relays for no one"
	smtp_case "$m" 05 sender-rejected bob@remote.example plain bounce rejected \
		"remote Postfix: check_sender_access refuses the sender mallory@" \
		mallory
	smtp_case "$m" 06 spam-content bob@remote.example gtube bounce spamdetected \
		"remote Postfix: body_checks REJECT on the GTUBE spam test string, Postfix's default text"
	NTH=2 smtp_case "$m" 07 timeout bob@tarpit.example plain bounce expired \
		"the MX never greets; the MTA's greeting timeout, then its queue lifetime, run out"
	label "$m" delay-timeout "alice+${m:0:2}07@sender.example" 1 bounce \
		bob@tarpit.example expired \
		"delay warning: the MX never greets (the first message of the timeout case)"
	NTH=2 smtp_case "$m" 08 expired bob@refused.example plain bounce expired \
		"connection refused by the MX until the queue lifetime runs out"
	label "$m" delay-refused "alice+${m:0:2}08@sender.example" 1 bounce \
		bob@refused.example expired \
		"delay warning: connection refused by the MX (the first message of the expired case)"
}

# --- Dovecot: the LMTP server of lmtp.example, the LDA of local.example ----

DC=
start_dovecot() {
	local u
	DC=$WORK/dovecot
	mkdir -p "$DC/run" "$DC/state" "$DC/log" "$DC/home"
	: > "$DC/log/dovecot.log"
	: > "$DC/log/lda.log"
	chmod 0666 "$DC/log/dovecot.log" "$DC/log/lda.log"
	cat > "$DC/users" <<-EOF
	bob:{PLAIN}secret::::::
	carol:{PLAIN}secret::::::userdb_quota_rule=*:storage=1K
	dave:{PLAIN}secret::::::
	erin:{PLAIN}secret::::::
	EOF
	for u in bob carol dave erin; do
		mkdir -p "$DC/home/$u/Maildir/cur" "$DC/home/$u/Maildir/new" \
			"$DC/home/$u/Maildir/tmp"
	done
	# carol is over her 1 kB quota before anything arrives
	mkmsg "$DC/carol-old.eml" bob@lmtp.example carol@lmtp.example big
	mv "$DC/carol-old.eml" "$DC/home/carol/Maildir/cur/1700000000.M1P1.mx.lmtp.example,S=$(stat -c %s "$DC/carol-old.eml"):2,S"
	cat > "$DC/home/dave/.dovecot.sieve" <<-'EOF'
	require "reject";
	reject "I do not accept mail from you.";
	EOF
	cat > "$DC/home/erin/.dovecot.sieve" <<-'EOF'
	require "vacation";
	vacation :days 1 :subject "Out of office"
	  "I am away until Monday and will read your message then.";
	EOF
	chown -R vmail:vmail "$DC/home"
	cat > "$DC/dovecot.conf" <<-EOF
	# The lab's Dovecot, written by tests/lab/lab-inside.sh
	instance_name = backscatter-lab
	base_dir = $DC/run
	state_dir = $DC/state
	log_path = $DC/log/dovecot.log
	protocols = lmtp
	listen = 127.0.0.21
	hostname = mx.lmtp.example
	postmaster_address = postmaster@lmtp.example
	submission_host = 127.0.0.9:25
	ssl = no
	default_internal_user = dovecot
	default_login_user = dovenull
	first_valid_uid = 500
	auth_username_format = %Ln
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN $DC/users
	}
	userdb {
	  driver = passwd-file
	  args = $DC/users
	  default_fields = uid=vmail gid=vmail home=$DC/home/%n
	}
	mail_location = maildir:~/Maildir
	namespace inbox {
	  inbox = yes
	}
	mail_plugins = quota
	plugin {
	  quota = maildir:User quota
	  quota_rule = *:storage=10M
	  sieve = file:~/sieve;active=~/.dovecot.sieve
	}
	lmtp_rcpt_check_quota = yes
	service lmtp {
	  inet_listener lmtp {
	    address = 127.0.0.21
	    port = 24
	  }
	}
	service auth {
	  unix_listener auth-userdb {
	    mode = 0666
	  }
	}
	service stats {
	  unix_listener stats-writer {
	    mode = 0666
	  }
	}
	protocol lmtp {
	  mail_plugins = \$mail_plugins sieve
	}
	protocol lda {
	  mail_plugins = \$mail_plugins sieve
	  log_path = $DC/log/lda.log
	}
	EOF
	chmod 0644 "$DC/dovecot.conf"
	dovecot -c "$DC/dovecot.conf" || return 1
	wait_port 127.0.0.21 24
}

stop_dovecot() {
	[ -n "$DC" ] || return 0
	doveadm -c "$DC/dovecot.conf" stop 2>/dev/null
}


# --- Postfix: the remote MX, and the MTA under test ------------------------

# pf_write DIR: the parts of main.cf and master.cf every instance shares
pf_common() {
	local d=$1 name=$2
	mkdir -p "$d/etc" "$d/queue" "$d/log"
	cat > "$d/etc/main.cf" <<-EOF
	# written by tests/lab/lab-inside.sh
	compatibility_level = 3.6
	config_directory = $d/etc
	queue_directory = $d/queue
	data_directory = $d/data
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file = $d/log/maillog
	maillog_file_prefixes = $d
	syslog_name = postfix-$name
	inet_protocols = ipv4
	smtputf8_enable = no
	biff = no
	mydestination =
	local_recipient_maps =
	alias_maps =
	alias_database =
	in_flow_delay = 0
	EOF
	cat > "$d/etc/master.cf" <<-EOF
	pickup    unix  n - n 60 1 pickup
	cleanup   unix  n - n - 0 cleanup
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
}

pf_start() {
	{ postfix -c "$1/etc" check && postfix -c "$1/etc" start; } \
		>> "$WORK/log/postfix.log" 2>&1
}

pf_stop() {
	postfix -c "$1/etc" stop >/dev/null 2>&1
	sleep 1
}

RP=
start_remote_postfix() {
	RP=$WORK/remote-postfix
	pf_common "$RP" remote
	cat >> "$RP/etc/main.cf" <<-EOF
	myhostname = mx.remote.example
	mydomain = remote.example
	inet_interfaces = 127.0.0.20
	mynetworks = 127.0.0.20/32
	relay_domains =
	smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
	recipient_delimiter = +
	virtual_mailbox_domains = remote.example
	virtual_mailbox_maps = texthash:$RP/etc/vmailbox
	virtual_transport = discard:
	smtpd_sender_restrictions = check_sender_access texthash:$RP/etc/senders
	message_size_limit = 20000
	body_checks = regexp:$RP/etc/body_checks
	EOF
	echo "bob@remote.example x" > "$RP/etc/vmailbox"
	echo "mallory@sender.example REJECT" > "$RP/etc/senders"
	printf '/%s/ REJECT\n' "$(printf '%s' "$GTUBE" | sed 's/[.*]/\\&/g')" \
		> "$RP/etc/body_checks"
	echo "127.0.0.20:25 inet n - n - - smtpd" >> "$RP/etc/master.cf"
	pf_start "$RP" && wait_port 127.0.0.20 25
}

run_postfix() {
	local P=$WORK/postfix m=postfix
	pf_common "$P" lab
	cat >> "$P/etc/main.cf" <<-EOF
	myhostname = mta.sender.example
	mydomain = sender.example
	myorigin = sender.example
	inet_interfaces = 127.0.0.10
	smtp_bind_address = 127.0.0.10
	mynetworks = 127.0.0.0/8
	relay_domains = local.example
	transport_maps = texthash:$P/etc/transport
	message_size_limit = 100000
	delay_warning_time = 3s
	maximal_queue_lifetime = 15s
	bounce_queue_lifetime = 15s
	queue_run_delay = 1s
	minimal_backoff_time = 1s
	maximal_backoff_time = 2s
	smtp_connect_timeout = 2s
	smtp_helo_timeout = 3s
	EOF
	printf 'local.example dovecot:\nlmtp.example lmtp:inet:127.0.0.21:24\n' \
		> "$P/etc/transport"
	cat >> "$P/etc/master.cf" <<-EOF
	127.0.0.10:25 inet n - n - - smtpd
	dovecot   unix  - n n - - pipe
	  flags=DRhu user=vmail:vmail argv=$LDA -f \${sender} -d \${recipient}
	EOF
	pf_start "$P" && wait_port 127.0.0.10 25 || return 1
	start_sink $m
	remote_cases $m
	smtp_case $m 20 userunknown-lmtp zed@lmtp.example plain bounce userunknown \
		"delivery over LMTP to Dovecot, which has no such user"
	smtp_case $m 21 mailboxfull-lmtp carol@lmtp.example plain bounce mailboxfull \
		"delivery over LMTP to Dovecot; the user is over quota (lmtp_rcpt_check_quota)"
	smtp_case $m 22 userunknown-lda zed@local.example plain bounce userunknown \
		"local delivery by Dovecot's LDA (pipe, dovecot-lda -e): no such user"
	smtp_case $m 23 mailboxfull-lda carol@local.example plain bounce mailboxfull \
		"local delivery by Dovecot's LDA (pipe, dovecot-lda -e): over quota"
	# Dovecot's own messages: a Sieve reject, a Sieve vacation reply
	smtp_case dovecot 01 sieve-reject dave@lmtp.example plain bounce filtered \
		"Dovecot LMTP, Sieve reject: an RFC 5429 MDN refusal written by Pigeonhole"
	smtp_case dovecot 02 vacation erin@lmtp.example plain autoreply vacation \
		"Dovecot LMTP, Sieve vacation: Pigeonhole's auto-reply"
	agent_cases "$P"
	wait_bounces 60
	pf_stop "$P"
}

# Messages that are not the MTA's: Dovecot's LDA writing its own refusal,
# vacation(1). Run while the Postfix under test runs: vacation hands its
# reply to /usr/sbin/sendmail, Postfix's, which MAIL_CONFIG points at
# the instance under test (allowed by /etc/postfix/main.cf, in the
# overlay only).
agent_cases() {
	local P=$1 sender msg home=$WORK/home/frank

	sender=alice+do03@sender.example
	msg=$WORK/msg/dovecot-lda-quota.eml
	mkmsg "$msg" "$sender" carol@local.example
	setpriv --reuid=vmail --regid=vmail --init-groups \
		/usr/lib/dovecot/dovecot-lda -c "$DC/dovecot.conf" \
		-f "$sender" -d carol@local.example < "$msg" \
		>> "$WORK/log/submit.log" 2>&1
	label dovecot quota-lda-mdn "$sender" 1 bounce carol@local.example \
		mailboxfull "Dovecot's LDA without -e, over quota: Dovecot writes the refusal (an RFC 5429 MDN) itself"

	mkdir -p /etc/postfix
	echo "alternate_config_directories = $P/etc" > /etc/postfix/main.cf
	# .vacation.msg as vacation's own set-up writes it
	printf '%s\n' 'Subject: away from my mail' '' \
		'I will not be reading my mail for a while.' \
		'Your mail concerning "$SUBJECT"' 'will be read when I return.' \
		> "$home/.vacation.msg"
	vacation_case 01 default \
		"vacation(1) with the message its own set-up writes"
	# .vacation.msg as its manual page shows it
	cat > "$home/.vacation.msg" <<-'EOF'
	From: frank@sender.example (Frank Example)
	Subject: I am on vacation
	Delivered-By-The-Graces-Of: The Vacation program
	Precedence: bulk

	I am on vacation until July 22.  If you have something urgent,
	please contact Keith Bostic <bostic@sender.example>.
	--frank
	EOF
	vacation_case 02 manpage \
		"vacation(1) with the message of its manual page"
}

# vacation_case NN NAME NOTE: a message to frank, through vacation(1) as
# his ~/.forward would run it ("|/usr/bin/vacation frank")
vacation_case() {
	local sender=alice+va$1@sender.example msg=$WORK/msg/vacation-$2.eml
	local home=$WORK/home/frank

	chown frank: "$home/.vacation.msg"
	mkmsg "$msg.in" "$sender" frank@sender.example
	{ echo "Return-Path: <$sender>"; cat "$msg.in"; } > "$msg"
	chmod 0644 "$msg"
	(cd "$home" && setpriv --reuid=frank --regid=frank --init-groups \
		env HOME="$home" MAIL_CONFIG="$P/etc" \
		/usr/bin/vacation -r 0 frank < "$msg") \
		>> "$WORK/log/submit.log" 2>&1 ||
		log "vacation $2 failed"
	label vacation "$2" "$sender" 1 autoreply frank@sender.example \
		vacation "$3"
}

# --- Exim -----------------------------------------------------------------

run_exim() {
	local E=$WORK/exim m=exim exim=$CACHE/exim/usr/sbin/exim4
	mkdir -p "$E/spool" "$E/log" "$E/mail"
	chown Debian-exim:Debian-exim "$E/spool" "$E/log"
	chown vmail:vmail "$E/mail"
	printf 'bob: bob\ncarol: carol\n' > "$E/users"
	cat > "$E/exim.conf" <<-EOF
	# written by tests/lab/lab-inside.sh
	primary_hostname = mta.sender.example
	qualify_domain = sender.example
	local_interfaces = 127.0.0.10
	daemon_smtp_ports = 25
	spool_directory = $E/spool
	log_file_path = $E/log/%slog
	exim_path = $exim
	never_users = root
	domainlist local_domains = local.example
	hostlist relay_from_hosts = 127.0.0.0/8
	acl_smtp_rcpt = acl_check_rcpt
	# 100 kB, but not for Exim's own error messages, which quote what
	# it read of a message too big
	message_size_limit = \${if eq{\$sender_address}{}{1M}{100k}}
	bounce_return_size_limit = 10k
	delay_warning = 3s:1h
	host_lookup =
	rfc1413_hosts =
	begin acl
	acl_check_rcpt:
	  accept hosts = +relay_from_hosts
	  deny message = relay not permitted
	begin routers
	lmtp_server:
	  driver = manualroute
	  domains = lmtp.example
	  transport = lmtp_tcp
	  route_list = * 127.0.0.21
	local_users:
	  driver = accept
	  domains = +local_domains
	  local_parts = lsearch;$E/users
	  transport = local_file
	dnslookup:
	  driver = dnslookup
	  domains = ! +local_domains
	  transport = remote_smtp
	  no_more
	begin transports
	remote_smtp:
	  driver = smtp
	  interface = 127.0.0.10
	  connect_timeout = 2s
	  command_timeout = 3s
	lmtp_tcp:
	  driver = smtp
	  protocol = lmtp
	  port = 24
	  interface = 127.0.0.10
	local_file:
	  driver = appendfile
	  file = $E/mail/\$local_part_data
	  user = vmail
	  group = vmail
	  quota = \${if eq{\$local_part}{carol}{1K}{10M}}
	begin retry
	*  *  F,15s,2s
	EOF
	# Exim keeps root's privilege for -C only with a trusted file (the
	# overlay's /etc)
	mkdir -p /etc/exim4
	echo "$E/exim.conf" > /etc/exim4/trusted_configs
	"$exim" -C "$E/exim.conf" -bd -q2s -oP "$E/exim.pid" \
		>> "$WORK/log/exim.log" 2>&1 || return 1
	wait_port 127.0.0.10 25 || return 1
	start_sink $m
	remote_cases $m
	smtp_case $m 20 userunknown-lmtp zed@lmtp.example plain bounce userunknown \
		"delivery over LMTP to Dovecot, which has no such user"
	smtp_case $m 21 mailboxfull-lmtp carol@lmtp.example plain bounce mailboxfull \
		"delivery over LMTP to Dovecot; the user is over quota (lmtp_rcpt_check_quota)"
	smtp_case $m 22 userunknown-local zed@local.example plain bounce userunknown \
		"a local domain of Exim's; no router accepts the local part"
	# a quota error is temporary to Exim: a delay warning first, then
	# the bounce when the retry rule gives up
	NTH=2 smtp_case $m 23 mailboxfull-local carol@local.example big bounce mailboxfull \
		"Exim's own local delivery (appendfile) with a 1 kB quota; the bounce after its delay warning"
	# Too big for Exim itself: a local submission over message_size_limit,
	# errors mailed back (-oem)
	local sender=alice+${m:0:2}24@sender.example
	mkmsg "$WORK/msg/$m-toobig-local.eml" "$sender" bob@remote.example huge
	"$exim" -C "$E/exim.conf" -oem -oi -f "$sender" bob@remote.example \
		< "$WORK/msg/$m-toobig-local.eml" >> "$WORK/log/submit.log" 2>&1
	label $m toobig-local "$sender" 1 bounce bob@remote.example mesgtoobig \
		"local submission (exim -oem) over Exim's own message_size_limit of 100 kB"
	wait_bounces 60
	kill -TERM "$(cat "$E/exim.pid")" 2>/dev/null
	sleep 1
}

# --- Sendmail ---------------------------------------------------------------

run_sendmail() {
	# In the overlay's /etc and /var: Sendmail refuses files under a
	# world-writable directory (/tmp)
	local S=/etc/mail m=sendmail
	local sm=$CACHE/sendmail/usr/libexec/sendmail/sendmail
	local cf=$CACHE/sendmail/usr/share/sendmail/cf
	mkdir -p "$S" /var/spool/mqueue
	chmod 0700 /var/spool/mqueue
	printf 'mta.sender.example\nlocal.example\n' > "$S/local-host-names"
	printf '127.0.0\nlocalhost\n' > "$S/relay-domains"
	# Local delivery by Dovecot's LDA, as Dovecot documents it for
	# Sendmail; flags as Debian's own local mailer (keep root, no -r,
	# one recipient a call) and no passwd check (-w): the users live in
	# Dovecot
	cat > "$S/sendmail.mc" <<-EOF
	divert(-1)
	divert(0)dnl
	include(\`$cf/m4/cf.m4')dnl
	VERSIONID(\`backscatter lab')dnl
	OSTYPE(\`linux')dnl
	define(\`confDOMAIN_NAME', \`mta.sender.example')dnl
	define(\`QUEUE_DIR', \`/var/spool/mqueue')dnl
	define(\`STATUS_FILE', \`$S/statistics')dnl
	define(\`confPID_FILE', \`$S/sendmail.pid')dnl
	define(\`ALIAS_FILE', \`$S/aliases')dnl
	define(\`confHELP_FILE', \`$CACHE/sendmail/etc/mail/helpfile')dnl
	define(\`confCW_FILE', \`$S/local-host-names')dnl
	define(\`confCR_FILE', \`$S/relay-domains')dnl
	define(\`confMAX_MESSAGE_SIZE', \`100000')dnl
	define(\`confTO_QUEUEWARN', \`3s')dnl
	define(\`confTO_QUEUERETURN', \`15s')dnl
	define(\`confTO_CONNECT', \`2s')dnl
	define(\`confTO_ICONNECT', \`2s')dnl
	define(\`confTO_INITIAL', \`3s')dnl
	CLIENT_OPTIONS(\`Addr=127.0.0.10')dnl
	define(\`confDONT_PROBE_INTERFACES', \`True')dnl
	define(\`confDEF_USER_ID', \`mail:mail')dnl
	define(\`LOCAL_MAILER_PATH', \`/usr/lib/dovecot/dovecot-lda')dnl
	define(\`LOCAL_MAILER_ARGS', \`/usr/lib/dovecot/dovecot-lda -e -c $DC/dovecot.conf -f \$g -d \$u')dnl
	MODIFY_MAILER_FLAGS(\`LOCAL', \`+S')dnl
	MODIFY_MAILER_FLAGS(\`LOCAL', \`-r')dnl
	MODIFY_MAILER_FLAGS(\`LOCAL', \`-m')dnl
	MODIFY_MAILER_FLAGS(\`LOCAL', \`-w')dnl
	MODIFY_MAILER_FLAGS(\`LOCAL', \`-f')dnl
	FEATURE(\`use_cw_file')dnl
	DAEMON_OPTIONS(\`Port=25, Addr=127.0.0.10, Name=MTA')dnl
	MAILER(\`local')dnl
	MAILER(\`smtp')dnl
	EOF
	m4 "$S/sendmail.mc" > "$S/sendmail.cf" 2>> "$WORK/log/sendmail.log" ||
		return 1
	echo "postmaster: root" > "$S/aliases"
	"$sm" -C "$S/sendmail.cf" -bi >> "$WORK/log/sendmail.log" 2>&1
	"$sm" -C "$S/sendmail.cf" -bd -q2s >> "$WORK/log/sendmail.log" 2>&1 ||
		return 1
	wait_port 127.0.0.10 25 || return 1
	start_sink $m
	remote_cases $m
	smtp_case $m 22 userunknown-lda zed@local.example plain bounce userunknown \
		"local delivery by Dovecot's LDA (local mailer, dovecot-lda -e): no such user"
	smtp_case $m 23 mailboxfull-lda carol@local.example plain bounce mailboxfull \
		"local delivery by Dovecot's LDA (local mailer, dovecot-lda -e): over quota"
	# Too big for Sendmail itself: a local submission over MaxMessageSize,
	# errors mailed back (-oem)
	local sender=alice+${m:0:2}24@sender.example
	mkmsg "$WORK/msg/$m-toobig-local.eml" "$sender" bob@remote.example huge
	"$sm" -C "$S/sendmail.cf" -oem -oi -f "$sender" bob@remote.example \
		< "$WORK/msg/$m-toobig-local.eml" >> "$WORK/log/submit.log" 2>&1
	label $m toobig-local "$sender" 1 bounce bob@remote.example mesgtoobig \
		"local submission (sendmail -oem) over Sendmail's own MaxMessageSize of 100 kB"
	wait_bounces 60
	kill -TERM "$(head -n 1 "$S/sendmail.pid")" 2>/dev/null
	sleep 1
}

# --- OpenSMTPD --------------------------------------------------------------

run_opensmtpd() {
	local O=$WORK/opensmtpd m=opensmtpd
	local smtpd=$CACHE/opensmtpd/usr/sbin/smtpd
	mkdir -p "$O"
	echo "@lmtp.example vmail" > "$O/virtual"
	cat > "$O/smtpd.conf" <<-EOF
	# written by tests/lab/lab-inside.sh
	table vusers file:$O/virtual
	queue ttl 15s
	bounce warn-interval 3s
	smtp max-message-size 100000
	listen on 127.0.0.10 port 25 hostname mta.sender.example
	action "lmtp" lmtp "127.0.0.21:24" rcpt-to virtual <vusers>
	action "relay" relay src 127.0.0.10 helo mta.sender.example
	match from any for domain "lmtp.example" action "lmtp"
	match from src 127.0.0.0/8 for any action "relay"
	match from local for any action "relay"
	EOF
	"$smtpd" -n -f "$O/smtpd.conf" >> "$WORK/log/opensmtpd.log" 2>&1 ||
		return 1
	background opensmtpd "$smtpd" -d -v -f "$O/smtpd.conf"
	wait_port 127.0.0.10 25 || return 1
	start_sink $m
	remote_cases $m
	# OpenSMTPD's mail.lmtp takes the LMTP server's 5xx for a temporary
	# failure: a delay warning that quotes it, then "Envelope expired"
	smtp_case $m 20 userunknown-lmtp zed@lmtp.example plain bounce userunknown \
		"delivery over LMTP to Dovecot, which has no such user; a delay warning quoting the 550 (mail.lmtp takes it for temporary)"
	label $m userunknown-lmtp-expired "alice+${m:0:2}20@sender.example" 2 \
		bounce zed@lmtp.example expired \
		"the same message's end: the queue lifetime ran out (Envelope expired)"
	smtp_case $m 21 mailboxfull-lmtp carol@lmtp.example plain bounce mailboxfull \
		"delivery over LMTP to Dovecot, the user over quota; a delay warning quoting the 552 (mail.lmtp takes it for temporary)"
	label $m mailboxfull-lmtp-expired "alice+${m:0:2}21@sender.example" 2 \
		bounce carol@lmtp.example expired \
		"the same message's end: the queue lifetime ran out (Envelope expired)"
	# Not made: local delivery through Dovecot's LDA (mda). OpenSMTPD's
	# bounce says only "exited abnormally", whatever the LDA said, so
	# no reader could tell an unknown user from a full mailbox.
	# its greeting timeout is five minutes
	wait_bounces 420
	stop_background opensmtpd
}

lab_inside() {
	WORK=$1
	CACHE=$2
	OUT=$3
	# Dovecot's LDA as the MTAs run it: -e, so that a refusal is the
	# MTA's to report (exit status and the reason on stderr)
	LDA="/usr/lib/dovecot/dovecot-lda -e -c $WORK/dovecot/dovecot.conf"
	PHASE=none
	mkdir -p "$WORK/log" "$WORK/pids" "$WORK/msg" "$WORK/sink"
	: > "$WORK/cases.tsv"
	setup_namespace || { log "namespace setup failed"; return 1; }
	start_dovecot || { log "Dovecot did not start"; return 1; }
	start_remote_postfix || { log "the remote Postfix did not start"; return 1; }
	# LAB_MTAS="exim sendmail": only these (while working on the lab)
	for mta in ${LAB_MTAS:-postfix exim sendmail opensmtpd}; do
		"run_$mta" || log "$mta did not start"
	done
	stop_dovecot
	pf_stop "$RP"
	for p in "$WORK"/pids/*; do
		[ -e "$p" ] && stop_background "$(basename "$p")"
	done
	python3 "$LAB/lab-collect" "$WORK" "$OUT"
}
