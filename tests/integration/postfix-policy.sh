#!/bin/bash
# Refusing at the SMTP edge, on real servers as admins run them: Dovecot's
# master runs "backscatter policy" and "backscatter socketmap" as services
# (the shipped conf.d/<version>/91-backscatter-services.conf, listeners in
# Postfix's queue directory), and Postfix asks the policy service at RCPT
# with the shipped conf.d/postfix/backscatter-policy.main.cf. alice's mail
# leaves signed by the socketmap service; a bounce (MAIL FROM:<>) to a
# forged, expired or (under enforcement, with backscatter_policy_unsigned
# = reject) missing tag gets 550 at RCPT, with nothing queued and nothing
# delivered; one to her valid tag and mail from any other sender to a
# forged tag are delivered. With the policy service hung or gone, the
# shipped default_action/timeout keep mail flowing: accepted, delivered.
set -u
. "$(dirname "$0")/../lib/dovecot.sh"
. "$(dirname "$0")/../lib/postfix.sh"

cli=$BUILD_DIR/cli/backscatter
reject_text="Backscatter refused by the test"

dc_init || exit 1
dc_make_keys || exit 1
pf_init || exit 1

# The services' listeners live in Postfix's queue directory, which Dovecot
# (started first, as Postfix delivers to it) makes them in
mkdir -p "$PF_DIR/queue/private"
chown postfix "$PF_DIR/queue/private"
chmod 0700 "$PF_DIR/queue/private"
POLICY_SOCKET=$PF_DIR/queue/private/backscatter-policy
SIGN_SOCKET=$PF_DIR/queue/private/backscatter-sign
services=$(sed -e "s|/usr/local/bin/backscatter|$cli|" \
	-e "s|/var/spool/postfix|$PF_DIR/queue|" \
	"$DC_TOP/conf.d/$(dc_version)/91-backscatter-services.conf") || exit 1

DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE
  backscatter_sign_domains = example.com
  backscatter_enforce_since = 2020-01-01
  backscatter_policy_unsigned = reject
  backscatter_policy_reject_text = $reject_text"
DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP"
DC_EXTRA_CONFIG=$services
dc_write_config || exit 1
dc_start || exit 1

# Postfix: the shipped main.cf lines; the submission service's cleanup
# signs through the socketmap service
PF_MAIN_EXTRA=$(cat "$DC_TOP/conf.d/postfix/backscatter-policy.main.cf")
PF_SUBMIT_CLEANUP_OPTIONS="-o sender_canonical_maps=socketmap:unix:$SIGN_SOCKET:sign
-o sender_canonical_classes=envelope_sender"
pf_write_config
pf_start || exit 1

is "$(pf_postconf -h smtpd_policy_service_default_action)" DUNNO \
	"Postfix runs with the shipped default_action"
is "$(stat -c '%U %a' "$POLICY_SOCKET")" "postfix 600" \
	"Dovecot made the policy service's listener, for postfix only"

# swaks_send ID FROM RCPT: one message through the MX port; prints swaks's
# transcript (its exit status is the SMTP one's)
swaks_send() {
	swaks --server 127.0.0.1 --port "$PF_SMTP_PORT" \
		--helo mx.attacker.example --from "$2" --to "$3" \
		--add-header "X-Test-Id: $1" --body "Test $1" \
		--timeout 60 2>&1
}

# queue_empty: postqueue lists nothing (its JSON has a line per message)
queue_empty() {
	[ -z "$(postqueue -c "$PF_DIR/etc" -j 2>&1)" ]
}

# --- The signer as a Dovecot service: alice's mail leaves signed ---
cat > "$PF_DIR/alice.eml" <<EOF
X-Test-Id: signed
Date: $(date -u -R)
From: Alice <alice@example.com>
To: Bob <bob@example.com>
Subject: Lunch?

Are you in?
EOF
out=$(pf_send "$PF_SUBMIT_PORT" alice@example.com "$PF_DIR/alice.eml" \
	bob@example.com)
like "$out" "^DATA 250 " "alice's mail accepted by submission"
ok pf_wait_queue_empty -- "... and delivered"
tag=$(dc_header bob@example.com signed Return-Path | tr -d '<>')
like "$tag" '^alice\+bs1=[a-z2-7]{17}@example\.com$' \
	"... with its return path tagged by the socketmap service"
like "$("$cli" verify -k "$DC_KEY_FILE" "$tag")" "^valid" \
	"... a valid tag"

forged=$("$DC_LIB/tamper" "$tag")
expired=$("$cli" sign -k "$DC_KEY_FILE" \
	--now "$(date -u -d '30 days ago' +%F)" alice@example.com)

# --- Bounces to forged, expired and missing tags: refused at RCPT ---
ok queue_empty -- "the queue is empty before the bounces"
out=$(swaks_send forged '<>' "$forged")
rc=$?
like "$out" "<\*\* +550 5\.7\.1 .*$reject_text \(tag forged\)" \
	"a bounce to a forged tag gets 550 5.7.1 at RCPT, with the configured text"
unlike "$out" "DATA" "... and swaks never gets to DATA"
ok test "$rc" != 0 -- "... swaks says it failed (exit $rc)"
ok queue_empty -- "... nothing is queued (postqueue -j is empty)"
like "$(pf_log_grep 'NOQUEUE: reject: RCPT')" \
	"550 5\.7\.1 <$(printf '%s' "$forged" | sed 's/[+.]/\\&/g')>: Recipient address rejected: $reject_text \(tag forged\)" \
	"... Postfix logs the refusal: NOQUEUE"
like "$(cat "$DC_DIR/log/dovecot.log")" \
	"backscatter-policy: Info: bounce to <$(printf '%s' "$forged" | sed 's/[+.]/\\&/g')> refused \(client 127\.0\.0\.1\): bs1 tag with a bad MAC" \
	"... the policy service, under Dovecot's master, logs why in Dovecot's log"

out=$(swaks_send expired '<>' "$expired")
like "$out" "<\*\* +550 5\.7\.1 .*\(tag expired\)" \
	"a bounce to an expired tag: 550 5.7.1 at RCPT"
out=$(swaks_send untagged '<>' alice@example.com)
like "$out" "<\*\* +550 5\.7\.1 .*\(no tag\)" \
	"an untagged bounce, enforced since 2020 with policy_unsigned = reject: 550"
ok queue_empty -- "nothing queued"
# LMTP never saw them: in no mailbox, and no delivery in Dovecot's log
for id in forged expired untagged; do
	is "$(dc_find alice@example.com "$id")" "(not delivered)" \
		"the $id bounce was not delivered"
done
unlike "$(pf_log_grep 'status=sent')" "<alice" \
	"Postfix delivered nothing to alice so far"

# --- What passes ---
out=$(swaks_send valid '<>' "$tag")
like "$out" "<[-~] +250 .*queued as" "a bounce to the valid tag is accepted"
out=$(swaks_send normal bob@example.org "$forged")
like "$out" "<[-~] +250 .*queued as" \
	"mail from another sender to a forged tag is accepted (only bounces are judged)"
ok pf_wait_queue_empty -- "... and the queue drains"
is "$(dc_find alice@example.com valid)" INBOX "... the bounce is delivered"
is "$(dc_find alice@example.com normal)" INBOX "... the other mail too"
unlike "$(cat "$DC_DIR/log/dovecot.log")" "Panic|Fatal|backscatter-.*Error" \
	"no error in Dovecot's log"

# --- The policy service hangs: the shipped timeout and default_action ---
# (The timeout shortened from the shipped 10 s, to keep the test short)
pf_postconf -e smtpd_policy_service_timeout=2s
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
policy_pids=$(pgrep -P "$(cat "$DC_DIR/run/master.pid")" -f "backscatter policy")
ok test -n "$policy_pids" -- "the policy service's process runs"
kill -STOP $policy_pids
out=$(swaks_send hung '<>' "$forged")
kill -CONT $policy_pids
like "$out" "<[-~] +250 .*queued as" \
	"with the policy service hung, a bounce to a forged tag is accepted (DUNNO)"
unlike "$out" "[45][0-9][0-9] 4\.3\.5" "... not deferred"
like "$(pf_log_grep 'backscatter-policy')" "timed out|timeout" \
	"... after Postfix timed out on the service, as its log says"

# --- The policy service is gone: Dovecot without it ---
DC_EXTRA_CONFIG=
dc_restart "$DC_PLUGIN_SETTINGS" || exit 1
pf_postconf -e smtpd_policy_service_timeout=10s
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
ok pf_wait_queue_empty -- "the queue drains"
out=$(swaks_send down '<>' "$forged")
like "$out" "<[-~] +250 .*queued as" \
	"with no policy service at all, a bounce to a forged tag is accepted"
ok pf_wait_queue_empty -- "... the queue drains"
is "$(dc_find alice@example.com hung)" INBOX "the bounce accepted while the service hung is delivered"
is "$(dc_find alice@example.com down)" INBOX "... and the one while it was gone"
like "$(pf_log_grep 'backscatter-policy')" \
	"(No such file|Connection refused)" \
	"... Postfix logged that it could not reach the service"

is "$(dc_folder_files carol@example.com INBOX | wc -l)" 0 \
	"no postmaster notices: nothing deferred or failed in Postfix"

done_testing
