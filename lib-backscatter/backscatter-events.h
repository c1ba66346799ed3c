#ifndef BACKSCATTER_EVENTS_H
#define BACKSCATTER_EVENTS_H

/* The named Dovecot events of the plugin: what an admin filters and
   counts with metric { } blocks (Dovecot's stats, OpenMetrics), event
   exporters and log filters. README "Events and metrics" lists them for
   admins; this is their one definition.

   The convention, for every event of ours (the policy service's too):
   - the name is "backscatter_" and what was decided: backscatter_verdict,
     backscatter_signed, backscatter_policy;
   - one event per decision, created as a child of the event of what it
     is about (the delivery, the SMTP command, the request), so that the
     user, session and protocol fields of the host come with it;
   - field names are lower_snake, from the BACKSCATTER_FIELD_* below;
     values are short lower-case tokens from a fixed set, fit for
     group_by; numbers are integer fields; free text goes only into the
     log message;
   - a field that does not apply is left out, never "" or "-";
   - the event is sent with e_debug(): logged only where debug logging
     is on, but counted by every metric whose filter matches it (the
     stats client asks for the debug events its metrics want).

   backscatter_verdict: the triage verdict on one delivery, from the
   Sieve extension when a script first asks for it (the backscatter
   test, ${bounce.verdict}), or from the LMTP plugin when it refuses a
   recipient (backscatter_lmtp_reject):
     verdict     legitimate | bogus | unknown | none
     cause       the rule that decided (backscatter_triage_cause_to_str():
                 tag_valid, tag_forged, tag_expired, tag_unknown,
                 quoted_tag, own_relay, enforced, before_enforcement,
                 not_enforced, not_sign_domain, not_bounce, feedback,
                 notification, error)
     returnpath  the recipient's tag verdict: valid | expired | forged |
                 unsigned | unknown (absent when the message is no
                 bounce: then the tag is never judged)
     kind        dsn | mta | autoreply | feedback | none (absent at the
                 LMTP refusal, where the message has not arrived yet)
     reason      the bounce reason of the first failed recipient, as
                 ${bounce.reason} (userunknown, mailboxfull, ...,
                 undefined; absent when the report lists no recipient)
     scheme      bs1 | prvs, and
     key_id      (integer) of the recipient's tag, when it has a
                 well-formed one
     domain      the recipient's domain, lower-cased
     stage       sieve | lmtp

   backscatter_signed: what a signer made of one envelope sender, from
   the submission plugin at MAIL FROM and the socketmap signer per
   lookup (that one runs outside Dovecot's stats: its events show in its
   log with --verbose):
     signer           submission | socketmap
     domain           the sender's domain, lower-cased
   and when signed:
     scheme           bs1 | prvs
     form             subaddress | prefix
     key_id           (integer)
   or when not:
     unsigned_reason  null_sender | no_domain | not_sign_domain |
                      already_tagged | malformed_tag | untaggable |
                      no_key | not_user_address | error
*/

#define BACKSCATTER_EVENT_VERDICT "backscatter_verdict"
#define BACKSCATTER_EVENT_SIGNED "backscatter_signed"
/* Reserved for the policy service's decision */
#define BACKSCATTER_EVENT_POLICY "backscatter_policy"

#define BACKSCATTER_FIELD_VERDICT "verdict"
#define BACKSCATTER_FIELD_CAUSE "cause"
#define BACKSCATTER_FIELD_RETURNPATH "returnpath"
#define BACKSCATTER_FIELD_KIND "kind"
#define BACKSCATTER_FIELD_REASON "reason"
#define BACKSCATTER_FIELD_SCHEME "scheme"
#define BACKSCATTER_FIELD_KEY_ID "key_id"
#define BACKSCATTER_FIELD_DOMAIN "domain"
#define BACKSCATTER_FIELD_STAGE "stage"
#define BACKSCATTER_FIELD_SIGNER "signer"
#define BACKSCATTER_FIELD_FORM "form"
#define BACKSCATTER_FIELD_UNSIGNED_REASON "unsigned_reason"

/* Values of stage and signer */
#define BACKSCATTER_STAGE_SIEVE "sieve"
#define BACKSCATTER_STAGE_LMTP "lmtp"
#define BACKSCATTER_SIGNER_SUBMISSION "submission"
#define BACKSCATTER_SIGNER_SOCKETMAP "socketmap"

#include "backscatter-triage.h"

struct event;
struct smtp_address;
struct bounce_report;
struct backscatter_signing;

/* A new backscatter_verdict event under parent, with the fields of the
   verdict: the cause, the recipient's tag verdict when there is one
   (verification may be NULL), the report's kind and reason (report may
   be NULL), the recipient's domain (recipient may be NULL) and the
   stage. The caller sends it with e_debug() and unrefs it. */
struct event *
backscatter_verdict_event_create(struct event *parent,
				 enum backscatter_triage_verdict verdict,
				 enum backscatter_triage_cause cause,
				 const struct backscatter_verification *verification,
				 const struct bounce_report *report,
				 const struct smtp_address *recipient,
				 const char *stage);

/* A new backscatter_signed event under parent for what signer made of
   sender (NULL: the null sender). The caller sends it with e_debug()
   and unrefs it. */
struct event *
backscatter_signed_event_create(struct event *parent, const char *signer,
				const struct smtp_address *sender,
				const struct backscatter_signing *signing);

#endif
