#!/bin/bash
# The backscatter_submission plugin in Dovecot's submission service: the
# MAIL FROM of our senders is tagged before the relay sees it (and the tag
# verifies), other domains, the null sender and tagged addresses pass as
# they are, and what cannot be signed (a local part too long to tag, no
# key file) is relayed unsigned, with a log line, never refused. Only
# addresses the login may use are signed: its own (also with a +detail)
# and those of its userdb field backscatter_senders; another is relayed
# unsigned, with a log line naming login and sender. Each sender is one
# backscatter_signed event, counted by the stats service.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

BS=$BUILD_DIR/cli/backscatter
DC_SUBMISSION=yes
dc_init || exit 1
dc_make_keys || exit 1

# alice may also sign for info@ and all of example.net; the last entry is
# no address and is logged and ignored. In passwd-file, userdb fields
# take the userdb_ prefix, and extra fields end at spaces: hence the
# commas.
sed -i 's/^alice@example\.com:.*/&userdb_backscatter_senders=info@example.com,@Example.NET,not-an-address/' \
	"$DC_DIR/users"
grep -q '^alice@example\.com:.*userdb_backscatter_senders=' "$DC_DIR/users" || exit 1

SINK_LOG=$DC_DIR/relayed.log
: > "$SINK_LOG"
"$DC_LIB/smtp-sink" "$DC_RELAY_PORT" "$SINK_LOG" &
SINK_PID=$!
trap 'st=$?; kill "$SINK_PID" 2>/dev/null; (exit $st); dc_cleanup' EXIT

settings() {
	echo "backscatter_key_file = $DC_KEY_FILE"
	echo "backscatter_sign_domains = example.com example.net mail.example.net"
	for setting in "$@"; do
		echo "backscatter_$setting"
	done
}

# submit FROM [USER]: one message through submission, as USER (alice);
# prints the MAIL FROM the relay received
submit() {
	local from=$1 user=${2:-alice@example.com} before
	before=$(wc -l < "$SINK_LOG")
	swaks --server 127.0.0.1 --port "$DC_SUBMISSION_PORT" \
		--auth PLAIN --auth-user "$user" --auth-password "$DC_PASSWORD" \
		--from "$from" --to bob@example.org \
		--header "Subject: submission test" --body "Hello." \
		> "$DC_DIR/swaks.out" 2>&1 || {
		echo "(swaks failed: $(grep -E '^<\*\*|^\*\*\*' "$DC_DIR/swaks.out" | head -n 2))"
		return 1
	}
	tail -n +"$((before + 1))" "$SINK_LOG" | head -n 1 |
		sed -n 's/^MAIL <\(.*\)> RCPT .*/\1/p'
}

# log_has REGEX: the Dovecot log has a matching line; waits a little for
# the log process, which writes what the submission process sent it
# after swaks may have finished
log_has() {
	local i
	for i in $(seq 50); do
		grep -qE -- "$1" "$DC_DIR/log/dovecot.log" && return 0
		sleep 0.1
	done
	return 1
}

# What the signer did with each sender, counted by Dovecot's stats
DC_EXTRA_CONFIG="$(dc_metric backscatter_signed_bs1 \
	'event=backscatter_signed AND scheme=bs1')
$(dc_metric backscatter_unsigned event=backscatter_signed unsigned_reason)"
DC_PLUGIN_SETTINGS=$(settings)
dc_write_config
dc_start || exit 1
for i in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$DC_RELAY_PORT") 2>/dev/null && break
	sleep 0.1
done

#
# Signed
#

from=$(submit alice@example.com)
like "$from" '^alice\+bs1=[a-z0-9]{17}@example\.com$' \
	"alice@example.com is relayed tagged (bs1, subaddress form)"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	alice@example\.com	bs1	" \
	"... and the tag verifies"

from=$(submit Alice@Example.COM)
like "$from" '^Alice\+bs1=[a-z0-9]{17}@Example\.COM$' \
	"the login's address and a sign domain match in any case; the address keeps its case"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	" \
	"... and verifies"

#
# Whose address: the login's own, with a detail, and backscatter_senders
#

from=$(submit alice+lists@example.com)
like "$from" '^alice\+lists\+bs1=[a-z0-9]{17}@example\.com$' \
	"the login's address with a +detail is signed"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	alice\+lists@example\.com	" \
	"... and verifies"

from=$(submit info@example.com)
like "$from" '^info\+bs1=[a-z0-9]{17}@example\.com$' \
	"an address of the userdb field backscatter_senders is signed"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	info@example\.com	" \
	"... and verifies"
like "$(submit info+news@example.com)" '^info\+news\+bs1=[a-z0-9]{17}@example\.com$' \
	"... also with a +detail"

from=$(submit Carol.Smith@example.net)
like "$from" '^Carol\.Smith\+bs1=[a-z0-9]{17}@example\.net$' \
	"@domain in backscatter_senders covers the domain, in any case"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	" \
	"... and verifies"

is "$(submit Carol.Smith@mail.example.net)" "Carol.Smith@mail.example.net" \
	"... but not its subdomains (mail.example.net is a sign domain too)"

is "$(submit bob@example.com)" "bob@example.com" \
	"another user's address is relayed unsigned"
ok log_has 'submission\(alice@example\.com\).*backscatter: MAIL FROM <bob@example\.com> relayed unsigned: not an address of user alice@example\.com' \
	-- "... and the log line names the login and the sender"
ok log_has "backscatter: userdb field backscatter_senders: 'not-an-address' is neither an address nor @domain" \
	-- "... a bad backscatter_senders entry is logged"
is "$(submit alicex@example.com)" "alicex@example.com" \
	"the login's local part with more after it, but no delimiter, is another address"
is "$(submit ali@example.com)" "ali@example.com" \
	"a prefix of the login's local part is another address"

is "$(submit alice@example.com bob@example.com)" "alice@example.com" \
	"bob sending as alice is relayed unsigned"
ok log_has 'MAIL FROM <alice@example\.com> relayed unsigned: not an address of user bob@example\.com' \
	-- "... with the log line naming bob"
is "$(submit info@example.com bob@example.com)" "info@example.com" \
	"alice's backscatter_senders are not bob's"
is "$(submit bob+alice@example.com)" "bob+alice@example.com" \
	"a detail does not make another user's address alice's"

#
# Left alone
#

is "$(submit alice@example.org)" "alice@example.org" \
	"another domain is relayed as it is"
is "$(submit alice@mail.example.com)" "alice@mail.example.com" \
	"a subdomain of a sign domain is another domain"
is "$(submit '<>')" "" "the null sender is relayed as it is"
tagged=$("$BS" sign -k "$DC_KEY_FILE" alice@example.com)
is "$(submit "$tagged")" "$tagged" "an already tagged address is not tagged again"
is "$(submit alice+bs1=forgedforgedforged@example.com)" \
	"alice+bs1=forgedforgedforged@example.com" \
	"an address with a malformed tag is left alone"

#
# Relayed unsigned, with a log line
#

long=alice+$(printf 'a%.0s' $(seq 50))
is "$(submit "$long@example.com")" "$long@example.com" \
	"a local part too long to tag is relayed unsigned"
ok log_has "backscatter: MAIL FROM <alice\\+a{50}@example\.com> relayed unsigned: .*64" \
	-- "... and the log says why"

#
# The backscatter_signed events of all of the above, in the stats
#

# stat METRIC: its count in doveadm stats dump ("" when it is not there)
stat() {
	dc_stats_dump | awk -v m="$1" '$1 == m && $2 == "duration" { print $3 }'
}
# The events reach stats on their own time: wait for the last of them
for i in $(seq 100); do
	[ "$(stat backscatter_unsigned_untaggable)" = 1 ] && break
	sleep 0.2
done
is "$(stat backscatter_signed_bs1)" 6 \
	"stats: the six senders signed with bs1 are six backscatter_signed events with scheme=bs1"
is "$(stat backscatter_unsigned_not_user_address)" 7 \
	"... the seven the login may not use have unsigned_reason=not_user_address"
is "$(stat backscatter_unsigned_not_sign_domain)" 2 \
	"... the other domains not_sign_domain"
is "$(stat backscatter_unsigned_null_sender):$(stat backscatter_unsigned_already_tagged):$(stat backscatter_unsigned_malformed_tag):$(stat backscatter_unsigned_untaggable)" \
	1:1:1:1 "... and null_sender, already_tagged, malformed_tag and untaggable one each"

#
# Other schemes and forms, and a missing key file
#

dc_restart "$(settings sign_scheme=prvs tag_form=prefix)" || exit 1
from=$(submit alice@example.com)
like "$from" '^prvs=[0-9]{4}[0-9a-f]{6}=alice@example\.com$' \
	"prvs in prefix form, as the settings say"
like "$("$BS" verify -k "$DC_KEY_FILE" "$from")" "^valid	alice@example\.com	prvs	" \
	"... and the tag verifies"

DC_PLUGIN_SETTINGS="backscatter_key_file = $DC_DIR/keys/missing
backscatter_sign_domains = example.com"
dc_restart "$DC_PLUGIN_SETTINGS" || exit 1
is "$(submit alice@example.com)" "alice@example.com" \
	"without a readable key file the message is still relayed, unsigned"
# (each submission session is a process of its own, with its own key
# cache: once per state change is once per session here)
like "$(grep -c 'backscatter: backscatter_key_file: .*missing.*no tag is verified or signed' \
	"$DC_DIR/log/dovecot.log")" '^[1-9]' "... and the error is logged"

unlike "$(grep -E 'Panic|Fatal|killed by signal|core dumped' "$DC_DIR/log/dovecot.log")" . \
	"no crash in the log"

done_testing
