#!/bin/bash
# The layout for webmail users (README, "Webmail and ManageSieve
# clients"): the triage in a personal script "backscatter"
# (conf.d/sieve/backscatter.sieve), included by the active set that the
# webmail form edits (conf.d/sieve/roundcube-main.sieve). Both are
# uploaded over ManageSieve as a client would; over real LMTP, the same
# messages go to alice, whose active set is the one-file triage.sieve,
# to bob, who has the pair, and to carol, who has only header rules
# (conf.d/sieve/x-backscatter-rules.sieve) on what the admin's
# sieve_before script x-backscatter-header.sieve writes. Each message
# must end up in the same place for all three, and in the place the
# triage promises; bob's own rule after the include still applies to
# the rest of his mail.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
dc_init || exit 1
dc_make_keys || exit 1

scripts=$DC_DIR/scripts
mkdir -p "$scripts"
cp "$DC_TOP"/conf.d/sieve/*.sieve "$scripts/"
chown -R "$DC_MAIL_USER" "$scripts"

# The admin's script, precompiled: delivery cannot write its binary
before=$scripts/x-backscatter-header.sieve
sievec -c "$DC_CONF" "$before" "${before%.sieve}.svbin" || exit 1
dc_sieve_before "$before"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
dc_restart_enforcing 2020-01-01 || exit 1

ok dc_sieve_put alice@example.com triage "$scripts/triage.sieve" -- \
	"alice: the one-file triage.sieve uploaded and activated"
# The included script first, not activated: only the set is active
ok dc_sieve_connect bob@example.com --upload \
	--localsieve "$scripts/backscatter.sieve" --remotesieve backscatter -- \
	"bob: backscatter.sieve uploaded as the personal script 'backscatter'"
ok dc_sieve_put bob@example.com main "$scripts/roundcube-main.sieve" -- \
	"bob: roundcube-main.sieve, which includes it, uploaded and activated"
listing=$(dc_sieve_connect bob@example.com --list 2>&1)
like "$listing" '^"main" ACTIVE$' "bob's active set is main"
unlike "$listing" '^"backscatter" ACTIVE' \
	"... and the included script is not active itself"

ok dc_sieve_put carol@example.com rules \
	"$scripts/x-backscatter-rules.sieve" -- \
	"carol: x-backscatter-rules.sieve uploaded and activated"

# Form rules file only into folders that exist, picked from a list:
# bob's newsletters and carol's bounces
make_folder() {
	local maildir
	maildir=$(dc_home "$1")/Maildir
	mkdir -p "$maildir/.$2/cur" "$maildir/.$2/new" "$maildir/.$2/tmp"
	chown -R "$DC_MAIL_USER:$DC_MAIL_USER" "$maildir"
}
make_folder bob@example.com Newsletters
make_folder carol@example.com Bounces

sign() {
	"$cli" sign -k "$DC_KEY_FILE" "$@"
}
tamper() {
	"$DC_LIB/tamper" "$(sign "$1")"
}

# same ID FROM FILE WHERE HOW WHAT: deliver FILE from FROM to alice, bob
# and carol, each at the address HOW makes of theirs (sign, tamper or
# plain), and check that all got it in WHERE
same() {
	local id=$1 from=$2 file=$3 where=$4 how=$5 what=$6 user rcpt
	for user in alice@example.com bob@example.com carol@example.com; do
		case $how in
		sign) rcpt=$(sign "$user") ;;
		tamper) rcpt=$(tamper "$user") ;;
		plain) rcpt=$user ;;
		esac
		dc_deliver_as "$id" "$from" "$file" "$rcpt" >/dev/null
	done
	is "$(dc_find alice@example.com "$id")" "$where" \
		"triage.sieve: $what: $where"
	is "$(dc_find bob@example.com "$id")" "$where" \
		"the included backscatter script: $what: $where"
	is "$(dc_find carol@example.com "$id")" "$where" \
		"header rules on X-Backscatter: $what: $where"
}

same legit '<>' "$TEST_DATA/dsn-rfc3464.eml" Bounces sign \
	"a bounce to a signed address"
same ooo '<>' "$TEST_DATA/autoreply.eml" Bounces sign \
	"an auto-reply to a signed address"
same forged '<>' "$TEST_DATA/dsn-rfc3464.eml" "(not delivered)" tamper \
	"a bounce to a forged tag"
same untagged '<>' "$TEST_DATA/dsn-rfc3464.eml" "(not delivered)" plain \
	"a bounce to the untagged address, tags being enforced"
same mdn '<>' "$TEST_DATA/mdn.eml" INBOX plain "a read receipt"
same plain bob@example.org "$TEST_DATA/normal.eml" INBOX plain \
	"ordinary mail"

# A bounce of mail from before enforcement is unknown: kept. Enforcement
# began two days ago; the reporting MTA received the original three
# days ago (its Arrival-Date and Received header say so)
dc_restart_enforcing "$(date -u -d '2 days ago' +%F)" || exit 1
sed "s/Wed, 25 Nov 2026/$(LC_ALL=C date -u -d '3 days ago' '+%a, %-d %b %Y')/" \
	"$TEST_DATA/dsn-rfc3464.eml" > "$DC_DIR/old-dsn.eml"
same old '<>' "$DC_DIR/old-dsn.eml" INBOX plain \
	"a bounce of mail sent before enforcement"
dc_restart_enforcing 2020-01-01 || exit 1

# The set goes on after the include: bob's own rule files his
# newsletter; the triage, which comes first and stops, takes a bounce
# even when its subject would match that rule
sed 's/^Subject: .*/Subject: Our newsletter for December/' \
	"$TEST_DATA/normal.eml" > "$DC_DIR/newsletter.eml"
dc_deliver_as news bob@example.org "$DC_DIR/newsletter.eml" \
	bob@example.com >/dev/null
is "$(dc_find bob@example.com news)" Newsletters \
	"roundcube-main.sieve: bob's own rule after the include files a newsletter"
sed 's/^Subject: Returned mail.*/Subject: Undelivered: newsletter/' \
	"$TEST_DATA/dsn-rfc3464.eml" > "$DC_DIR/news-bounce.eml"
grep -q '^Subject: Undelivered: newsletter' "$DC_DIR/news-bounce.eml" ||
	exit 1
dc_deliver_as news-bounce '<>' "$DC_DIR/news-bounce.eml" \
	"$(sign bob@example.com)" >/dev/null
is "$(dc_find bob@example.com news-bounce)" Bounces \
	"... and the triage's stop keeps a bounce with such a subject out of it"

done_testing
