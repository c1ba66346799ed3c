#!/bin/bash
# The Roundcube plugin contrib/roundcube/backscatter, run inside a real
# Roundcube (Debian's packages, tests/lib/roundcube.sh) with PHP's CLI,
# against the private Dovecot's ManageSieve and IMAP: what its settings
# page's Save writes (the script "backscatter", from the user's choices;
# the default choices make the shipped conf.d/sieve/backscatter.sieve),
# the include it adds to the active set as text without touching the
# set's other rules (not even those Roundcube's own parser would drop),
# what the page says the script does, and that the result triages over
# real LMTP. The browser side is tests/integration/roundcube-browser.sh.
#
# Exits 77 (skipped) where PHP or Roundcube is not installed.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/roundcube.sh"

if ! rc_available; then
	echo "SKIP: PHP or Roundcube (roundcube-core, roundcube-plugins) is not installed"
	exit 77
fi
echo "# Roundcube $(rc_version)"

cli=$BUILD_DIR/cli/backscatter
driver=$DC_LIB/rcube-backscatter.php
lib=$DC_TOP/contrib/roundcube/backscatter/lib/backscatter_script.php

rc_dovecot_imap
dc_init || exit 1
dc_make_keys || exit 1
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
# No enforcement: an untagged bounce is "unknown", a forged tag "bogus"
dc_restart "  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com" || exit 1
rc_init || exit 1

export RC_PASSWORD=$DC_PASSWORD RC_IMAP_PORT
# plugin USER COMMAND [CHOICES]: the plugin, logged in as USER
plugin() {
	RC_USER=$1 php "$driver" "$RC_WWW" "${@:2}" 2>>"$DC_DIR/plugin.stderr"
}
# script USER NAME: a script as the server holds it
script() {
	dc_sieve_connect "$1" --download --remotesieve "$2" \
		--localsieve /dev/stdout 2>/dev/null
}
# program FILE: what Pigeonhole compiles FILE into, as alice
program() {
	local copy
	copy=$DC_DIR/compile/$(basename "$1")
	mkdir -p "$DC_DIR/compile"
	cp "$1" "$copy"
	chown -R "$DC_MAIL_USER" "$DC_DIR/compile"
	sievec -c "$DC_CONF" -u alice@example.com -d "$copy" - 2>&1 |
		php "$DC_LIB/rcube-sieve.php" normalize
}
sign() {
	"$cli" sign -k "$DC_KEY_FILE" "$@"
}
bounce() {
	dc_deliver_as "$1" '<>' "$TEST_DATA/$2" "$3" >/dev/null
}

# alice's own active set, with a rule Roundcube's parser would not keep
# whole (it drops :create): the plugin must leave it as it is
cat > "$DC_DIR/main.sieve" <<'EOF'
# My filters
require ["fileinto", "mailbox"];
# rule:[Newsletters]
if header :contains "subject" "newsletter"
{
	fileinto :create "Newsletters";
}
EOF
ok dc_sieve_put alice@example.com main "$DC_DIR/main.sieve" -- \
	"alice's own active set main is on the server"

is "$(plugin alice@example.com summary)" \
	"You have no bounce filter yet: bounces arrive like any other mail. Saving the choices below sets one up." \
	"the page says there is no bounce filter yet"

is "$(plugin alice@example.com store '{}')" ok "Save with the default choices"
script alice@example.com backscatter > "$DC_DIR/got.sieve"
plugin alice@example.com generate '{}' > "$DC_DIR/want.sieve"
ok cmp "$DC_DIR/got.sieve" "$DC_DIR/want.sieve" -- \
	"the script backscatter on the server is what the page writes"
is "$(program "$DC_DIR/got.sieve")" \
	"$(program "$DC_TOP/conf.d/sieve/backscatter.sieve")" \
	"... and does what the shipped conf.d/sieve/backscatter.sieve does"

script alice@example.com main > "$DC_DIR/main-after.sieve"
# diff's added lines, and nothing else changed
is "$(diff "$DC_DIR/main.sieve" "$DC_DIR/main-after.sieve" | grep -v '^[0-9]')" \
"> require [\"include\"];
> # rule:[Bounces and backscatter]
> if true
> {
> 	include :personal \"backscatter\";
> }" "the active set gains the include as its first rule, and nothing else changes"
like "$(dc_sieve_connect alice@example.com --list 2>&1)" '"main" ACTIVE' \
	"... and stays the active set"

summary=$(plugin alice@example.com summary)
is "$summary" 'Bounces of mail you sent go to the folder "Bounces".
Backscatter, bounces of mail someone else sent in your name, is deleted as it arrives: you never see it.
Bounces that cannot be told apart stay in your inbox; your other filters still apply to them.
Your active filter set "main" runs it first, before your other filters.' \
	"the page says in words what the script does"

is "$(plugin alice@example.com store '{}')" ok "Save again"
script alice@example.com main > "$DC_DIR/main-again.sieve"
ok cmp "$DC_DIR/main-after.sieve" "$DC_DIR/main-again.sieve" -- \
	"... adds no second include"

bounce legit dsn-rfc3464.eml "$(sign alice@example.com)"
is "$(dc_find alice@example.com legit)" Bounces \
	"over LMTP: a bounce to alice's signed address goes to Bounces"
bounce forged dsn-rfc3464.eml "$("$DC_LIB/tamper" "$(sign alice@example.com)")"
is "$(dc_find alice@example.com forged)" "(not delivered)" \
	"... backscatter to a forged tag is discarded"
bounce untagged dsn-rfc3464.eml alice@example.com
is "$(dc_find alice@example.com untagged)" INBOX \
	"... an undecidable bounce stays in the inbox"
sed 's/^Subject: .*/Subject: Our newsletter/' "$TEST_DATA/normal.eml" \
	> "$DC_DIR/newsletter.eml"
dc_deliver_as news bob@example.org "$DC_DIR/newsletter.eml" \
	alice@example.com >/dev/null
is "$(dc_find alice@example.com news)" Newsletters \
	"... and alice's own rule still files her newsletter"

# Other choices: filed by reason, backscatter to Junk, the undecidable
# into a folder
choices='{"legitimate":"reason","legitimate_folder":"Bounces","bogus":"junk","unknown":"folder","unknown_folder":"Undecided"}'
is "$(plugin alice@example.com store "$choices")" ok \
	"Save: by reason, Junk, a folder for the undecidable"
like "$(plugin alice@example.com summary)" \
	'filed by why delivery failed, in folders under "Bounces" \(such as "Bounces/userunknown"\); auto-replies go to "Bounces/autoreply"' \
	"the page says bounces are filed by reason"
bounce reason dsn-userunknown.eml "$(sign alice@example.com)"
is "$(dc_find alice@example.com reason)" Bounces.userunknown \
	"over LMTP: an unknown user's bounce goes to Bounces/userunknown"
bounce junk dsn-rfc3464.eml "$("$DC_LIB/tamper" "$(sign alice@example.com)")"
is "$(dc_find alice@example.com junk)" Junk "... backscatter to Junk"
bounce undecided dsn-rfc3464.eml alice@example.com
is "$(dc_find alice@example.com undecided)" Undecided \
	"... an undecidable bounce to Undecided"

# A folder name that would be read as a variable is refused; nothing is
# written
script alice@example.com backscatter > "$DC_DIR/before-bad.sieve"
like "$(plugin alice@example.com store '{"legitimate_folder":"x${bounce.reason}"}')" \
	"^error: badfolder" "Save refuses a folder name with \${"
script alice@example.com backscatter > "$DC_DIR/after-bad.sieve"
ok cmp "$DC_DIR/before-bad.sieve" "$DC_DIR/after-bad.sieve" -- \
	"... and leaves the script as it was"

# bob has no scripts: the page creates a set that runs the triage and
# activates it
is "$(plugin bob@example.com store '{}')" ok "Save for bob, who has no scripts"
like "$(dc_sieve_connect bob@example.com --list 2>&1)" '"roundcube" ACTIVE' \
	"... creates the active set roundcube"
like "$(script bob@example.com roundcube)" 'include :personal "backscatter";' \
	"... which includes backscatter"
bounce bob-forged dsn-rfc3464.eml "$("$DC_LIB/tamper" "$(sign bob@example.com)")"
is "$(dc_find bob@example.com bob-forged)" "(not delivered)" \
	"over LMTP: backscatter to bob is discarded"

# What the guard of the filter form looks at
guard() {
	php -r 'require $argv[1]; echo backscatter_script::form_would_lose_rules(
		file_get_contents($argv[2])) ? "refuse" : "allow";' "$lib" "$1"
}
is "$(guard "$DC_TOP/conf.d/sieve/triage.sieve")" refuse \
	"the form guard refuses to rewrite a set requiring vnd.backscatter"
is "$(guard "$DC_TOP/conf.d/sieve/roundcube-main.sieve")" allow \
	"... and lets the form save a set that includes the triage"
is "$(guard "$DC_DIR/main-after.sieve")" allow \
	"... or one the plugin added the include to"

if grep -q 'PHP \(Fatal\|Warning\)' "$DC_DIR/plugin.stderr" \
	"$RC_WWW/logs/errors.log" 2>/dev/null; then
	_t_result 1 "no PHP errors or warnings" \
		"$(grep -h 'PHP \(Fatal\|Warning\)' "$DC_DIR/plugin.stderr" \
			"$RC_WWW/logs/errors.log" 2>/dev/null | head -n 5)"
else
	_t_result 0 "no PHP errors or warnings"
fi

done_testing
