#!/bin/bash
# Keys limited to domains, on a real Dovecot over LMTP: two tenants,
# a.example and b.example, each with a key of its own (both key id 0),
# made with keygen --domain and shown by keys list. A bounce of each
# tenant's own mail is legitimate; a tag made for one tenant with the
# other's key is bogus, and refused at RCPT when the LMTP plugin is asked
# to; a domain without a key stays unsigned and its bounces unknown; and
# rotating one tenant's key leaves the other's alone.
set -u
DC_USERS="alice@a.example bob@b.example carol@c.example"
. "$(dirname "$0")/../lib/dovecot.sh"

cli=$BUILD_DIR/cli/backscatter
dsn=$TEST_DATA/dsn-rfc3464.eml
tab=$(printf '\t')

dc_init || exit 1
dc_make_keys "--domain a.example" "--domain B.Example" || exit 1

# bounce ID RCPT: a DSN from <> to RCPT, delivered as ID
bounce() {
	dc_deliver_as "$1" '<>' "$dsn" "$2"
}

# verdict_trace USER: the verdict line of the user's latest delivery
verdict_trace() {
	dc_trace "$1" | grep -m 1 "verdict \`"
}

# --- The key file ---
ok grep -q "^bs1 0 2020-01-01 - domains=a\.example [A-Za-z0-9+/]\{43\}=\$" \
	"$DC_KEY_FILE" -- "keygen --domain writes the domains= field before the key"
ok grep -q "^bs1 0 2020-01-01 - domains=b\.example " "$DC_KEY_FILE" -- \
	"... lower-cased, with the same key id 0 for the other tenant"
list=$("$cli" keys list -k "$DC_KEY_FILE")
is "$list" "bs1${tab}0${tab}2020-01-01${tab}-${tab}signing${tab}a.example
bs1${tab}0${tab}2020-01-01${tab}-${tab}signing${tab}b.example" \
	"keys list: each tenant's key, its dates, state and domain"
json=$("$cli" keys list --json -k "$DC_KEY_FILE")
like "$json" '"domains":\["a.example"\]' "keys list --json names the domains"
leaks=no
for secret in $(awk '{ print $NF }' "$DC_KEY_FILE"); do
	case "$list$json" in *"$secret"*) leaks=yes ;; esac
done
is "$leaks" no "... and neither output shows key material"

DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
base="  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = a.example b.example c.example
  backscatter_enforce_since = 2020-01-01"
dc_restart "$base" || exit 1
for user in $DC_USERS; do
	ok dc_sieve_put "$user" triage \
		"$TEST_SCRIPTS/backscatter-triage.sieve" -- \
		"$user: the triage script is active"
done

# --- Each tenant's own bounces ---
alice_tag=$("$cli" sign -k "$DC_KEY_FILE" alice@a.example)
bob_tag=$("$cli" sign -k "$DC_KEY_FILE" bob@b.example)
like "$alice_tag" "^alice\+bs1=a" "a.example's sender is signed with key 0"
like "$bob_tag" "^bob\+bs1=a" "... and so is b.example's, with its own key 0"
bounce alice-own "$alice_tag" >/dev/null
is "$(dc_find alice@a.example alice-own)" Bounces \
	"a bounce to a.example's tag is legitimate: Bounces"
bounce bob-own "$bob_tag" >/dev/null
is "$(dc_find bob@b.example bob-own)" Bounces \
	"a bounce to b.example's tag is legitimate: Bounces"

# --- One tenant's key forges nothing for the other ---
# a.example's key, leaked: the same line without its domains
leaked=$DC_DIR/leaked.keys
sed -n 's/ domains=a\.example / /p' "$DC_KEY_FILE" > "$leaked"
chmod 0600 "$leaked"
forged=$("$cli" sign -k "$leaked" bob@b.example)
is "$("$cli" verify -k "$leaked" "$forged" | cut -f1)" valid \
	"a tag for b.example made with a.example's key has a MAC right for that key"
is "$("$cli" verify -k "$DC_KEY_FILE" "$forged" | cut -f1)" forged \
	"... but b.example's key calls it forged"
bounce cross "$forged" >/dev/null
is "$(dc_find bob@b.example cross)" "(not delivered)" \
	"a bounce to it is bogus: discarded"
like "$(verdict_trace bob@b.example)" \
	"verdict .bogus. \(recipient forged: bs1 tag with a bad MAC \(key 0\)" \
	"... and the trace says why"

# --- A domain without a key ---
out=$("$cli" sign -k "$DC_KEY_FILE" carol@c.example 2>&1)
like "$out" "carol@c.example: left unsigned: no active bs1 key serves c.example" \
	"a sign domain without a key of its own stays unsigned, and says why"
bounce carol-untagged carol@c.example >/dev/null
is "$(dc_find carol@c.example carol-untagged)" INBOX \
	"an untagged bounce to it is kept, enforcement notwithstanding"
like "$(verdict_trace carol@c.example)" \
	"verdict .unknown. \(no tag, and no key serves c\.example\)" \
	"... as unknown: no key serves the domain"
bounce alice-untagged alice@a.example >/dev/null
is "$(dc_find alice@a.example alice-untagged)" "(not delivered)" \
	"while an untagged bounce to a tenant with a key is bogus"

# --- Refused at RCPT ---
dc_restart "$base
  backscatter_lmtp_reject = yes" || exit 1
like "$(bounce cross-refused "$forged")" " 550 5\.7\.1 " \
	"with backscatter_lmtp_reject the LMTP plugin refuses the cross-tenant tag"
like "$(bounce bob-accepted "$bob_tag")" " 250 " \
	"... and accepts b.example's own"

# --- Rotation of one tenant ---
out=$("$cli" keygen --domain a.example --add "$DC_KEY_FILE" 2>&1)
like "$out" "added bs1 key 1 for a.example" \
	"keygen --domain a.example takes the lowest id a.example does not use: 1"
is "$(stat -c '%U:%G %a' "$DC_KEY_FILE")" "root:$DC_KEY_GROUP 640" \
	"... keeping the file's owner, group and mode"
list=$("$cli" keys list -k "$DC_KEY_FILE" | cut -f2,5,6 | sort)
is "$list" "0${tab}active${tab}a.example
0${tab}signing${tab}b.example
1${tab}signing${tab}a.example" \
	"keys list: a.example's new key signs, b.example's key is untouched"
alice_new=$("$cli" sign -k "$DC_KEY_FILE" alice@a.example)
like "$alice_new" "^alice\+bs1=b" "a.example now signs with key 1"
like "$("$cli" sign -k "$DC_KEY_FILE" bob@b.example)" "^bob\+bs1=a" \
	"... b.example still with its key 0"
bounce alice-new "$alice_new" >/dev/null
is "$(dc_find alice@a.example alice-new)" Bounces \
	"Dovecot reads the rotated file: the new tag is legitimate"
bounce alice-old "$alice_tag" >/dev/null
is "$(dc_find alice@a.example alice-old)" Bounces \
	"... and the tag of the old key still is"

done_testing
