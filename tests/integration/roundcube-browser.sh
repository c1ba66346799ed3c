#!/bin/bash
# The Roundcube plugin contrib/roundcube/backscatter as a user meets it:
# headless Chromium (tests/lib/roundcube-browser.py) on a real Roundcube
# (Debian's packages, served by PHP's built-in server on loopback, sqlite)
# in front of the private Dovecot's IMAP and ManageSieve. The user saves
# choices on "Bounces and backscatter"; the script on the server, the
# include in the active set and the page's words must follow. Roundcube's
# own filter form must be refused on a set that requires vnd.backscatter,
# which stays as it was, and keep working on the set that includes it.
# The screenshots and the page texts stay in $ROUNDCUBE_SHOTS (default
# .cache/roundcube-browser).
#
# Exits 77 (skipped) where Chromium, python3-websocket, PHP or Roundcube
# is not installed.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/roundcube.sh"

if ! rc_available || ! command -v chromium >/dev/null ||
   ! /usr/bin/python3 -c 'import websocket' 2>/dev/null; then
	echo "SKIP: Chromium, python3-websocket, PHP or Roundcube is not installed"
	exit 77
fi
echo "# Roundcube $(rc_version), $(chromium --version 2>/dev/null | head -n 1)"

shots=${ROUNDCUBE_SHOTS:-$DC_TOP/.cache/roundcube-browser}
rm -rf "$shots"
mkdir -p "$shots"

rc_dovecot_imap
dc_init || exit 1
dc_start || exit 1
rc_init || exit 1
rc_start || exit 1

script() {
	dc_sieve_connect alice@example.com --download --remotesieve "$1" \
		--localsieve /dev/stdout 2>/dev/null
}

# alice: an active set with a rule of her own, made with the form, and
# an inactive set that does the triage itself
cat > "$DC_DIR/main.sieve" <<'EOF'
require ["fileinto"];
# rule:[Newsletters]
if header :contains "subject" "newsletter"
{
	fileinto "Newsletters";
}
EOF
ok dc_sieve_put alice@example.com main "$DC_DIR/main.sieve" -- \
	"alice's active set main has a rule of her own"
ok dc_sieve_connect alice@example.com --upload \
	--localsieve "$DC_TOP/conf.d/sieve/triage.sieve" --remotesieve triage -- \
	"... and the set triage is triage.sieve"
script triage > "$DC_DIR/triage-before.sieve"
# A rule made with the form next to one written as text
cat > "$DC_DIR/mixed.sieve" <<'EOF'
require ["fileinto", "vnd.backscatter"];
# rule:[Newsletters]
if header :contains "subject" "newsletter"
{
	fileinto "Newsletters";
}
# rule:[Backscatter]
if backscatter "bogus"
{
	discard;
	stop;
}
EOF
ok dc_sieve_connect alice@example.com --upload \
	--localsieve "$DC_DIR/mixed.sieve" --remotesieve mixed -- \
	"... and the set mixed has a form rule and a vnd.backscatter rule"
script mixed > "$DC_DIR/mixed-before.sieve"

if /usr/bin/python3 "$DC_LIB/roundcube-browser.py" "$RC_URL" \
	alice@example.com "$DC_PASSWORD" "$shots" > "$shots/browser.log" 2>&1; then
	_t_result 0 "the browser went through every step"
else
	_t_result 1 "the browser went through every step" "$(cat "$shots/browser.log")"
fi

# page NAME: the text of the page the browser kept as NAME; messages
# NAME: the messages Roundcube showed on it
page() {
	sed -n '/^PAGE:$/,$p' "$shots/$1.txt" 2>/dev/null
}
messages() {
	sed -n '/^MESSAGES:$/,/^PAGE:$/p' "$shots/$1.txt" 2>/dev/null
}

like "$(head -n 1 "$shots/login.txt" 2>/dev/null)" "_task=mail" "alice is logged in"
like "$(page page-before)" "You have no bounce filter yet" \
	"Bounces and backscatter says there is no bounce filter yet"
like "$(messages page-saved)" "Your bounce filter is saved" \
	"Save says the filter is saved"
like "$(page page-saved)" 'Bounces of mail you sent are filed by why delivery failed, in folders under "Bounces"' \
	"... the page says bounces are filed by reason"
like "$(page page-saved)" 'Backscatter, bounces of mail someone else sent in your name, goes to "Junk"' \
	"... and backscatter goes to Junk"
like "$(page page-saved)" 'Your active filter set "main" runs it first' \
	"... run first by the active set main"
script backscatter > "$DC_DIR/backscatter.sieve"
cp "$DC_DIR/backscatter.sieve" "$shots/backscatter.sieve"
like "$(cat "$DC_DIR/backscatter.sieve")" 'fileinto :create "Bounces/\$\{bounce.reason\}"' \
	"the script on the server files by reason"
like "$(cat "$DC_DIR/backscatter.sieve")" 'if backscatter "bogus" \{'$'\n''	fileinto :create "Junk"' \
	"... and backscatter into Junk"
like "$(page page-saved)" 'fileinto :create "Junk"' \
	"the page shows the script's text"
# (That the include is added as text, the set otherwise untouched, is
# roundcube-plugin.sh's; the form rewrites the set below anyway)
is "$(script main | grep -c 'include :personal "backscatter"')" 1 \
	"the active set main runs the script: one include"

like "$(messages filters-triage)" 'The filter set "triage" holds bounce and backscatter rules that this form cannot show' \
	"the Filters page warns on the set triage"
like "$(messages delete-mixed)" 'Not saved: the filter set "mixed" holds bounce and backscatter rules' \
	"deleting the form's rule of the set mixed in the filter list is refused"
script mixed > "$DC_DIR/mixed-after.sieve"
ok cmp "$DC_DIR/mixed-before.sieve" "$DC_DIR/mixed-after.sieve" -- \
	"... and the set mixed is as it was"
like "$(page form-triage)" 'Not saved: the filter set "triage" holds bounce and backscatter rules' \
	"Roundcube's form refuses to save a filter into the set triage, in its frame"
like "$(messages form-triage)" 'Not saved: the filter set "triage"' \
	"... and in a message"
script triage > "$DC_DIR/triage-after.sieve"
ok cmp "$DC_DIR/triage-before.sieve" "$DC_DIR/triage-after.sieve" -- \
	"... and the set triage is as it was"

script main > "$DC_DIR/main-after.sieve"
cp "$DC_DIR/main-after.sieve" "$shots/main-after-form.sieve"
like "$(cat "$DC_DIR/main-after.sieve")" 'include :personal "backscatter";' \
	"a filter saved in the set main with the form keeps the include"
like "$(cat "$DC_DIR/main-after.sieve")" '# rule:\[Lists\]' \
	"... and adds the new rule"
like "$(cat "$DC_DIR/main-after.sieve")" '# rule:\[Newsletters\]' \
	"... next to alice's own"

for png in page-saved form-triage; do
	ok test -s "$shots/$png.png" -- "screenshot $png.png"
done

done_testing
