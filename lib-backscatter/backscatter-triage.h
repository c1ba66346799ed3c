#ifndef BACKSCATTER_TRIAGE_H
#define BACKSCATTER_TRIAGE_H

/* The triage verdict on a message: is it a bounce of our own mail?

   It combines what the engine already knows -- the tag verdict on the
   envelope recipient (backscatter-verify.h), the bounce analysis
   (bounce-report.h) -- with the admin's policy (backscatter_own_relays,
   _sign_domains, _enforce_since). The contract, in the order the rules
   are applied:

   - none: not bounce-like. The analysis found kind none, or an ARF
     feedback report: a complaint goes to a feedback address, not to the
     return path of the mail it is about, so tags say nothing about it.
     The same for a notification a sending service mails to its
     subscriber (Amazon SES), bounce or not.
   - unknown: the analysis or the verification failed (an internal error
     is never evidence against a message).
   - legitimate: the recipient's tag is valid.
   - bogus: the recipient's tag is forged (bad MAC, unknown key, malformed,
     too far ahead) or expired. The tag is checked cryptographically while
     a quoted original is text the sender of the bounce wrote, so nothing
     quoted overrules it.
   - legitimate: the quoted original's Return-Path carries a valid tag for
     the recipient's own address (what a replayed tag could do anyway).
   - unknown: the tag verdict is unknown (no keys, or a tag in an ORCPT
     that nothing ties to the mailbox).
   - bogus: the recipient is untagged, its domain is one of the sign
     domains, enforcement is set, and the original was sent on or after
     backscatter_enforce_since. When it was sent is the report's
     Arrival-Date, else the date of the topmost quoted Received header
     (both written by the reporting MTA), else the quoted Date, else
     now; never later than now, nor earlier than lifetime + grace days
     before it.
   - unknown instead of that bogus: the topmost quoted Received header,
     which the reporting MTA wrote about its own hop, names one of
     backscatter_own_relays as the host it received the original from
     (our mail that left unsigned). Received headers further down are
     the original's own text, which in backscatter the spammer wrote;
     they prove nothing.
   - unknown: untagged without enforcement, or sent before it began.

   No quoted text ever makes a verdict legitimate on its own, and no
   error or missing key makes it bogus. The threat model is in
   docs/bs1-tag-format.md.

   The triage never reads the message or the key file itself: the caller
   hands in the analysis and the verdict it already has, so that both are
   made once per delivery. */

#include "bounce-report.h"
#include "backscatter-verify.h"

struct backscatter_keyring;
struct backscatter_settings;

enum backscatter_triage_verdict {
	BACKSCATTER_TRIAGE_NONE = 0,
	BACKSCATTER_TRIAGE_LEGITIMATE,
	BACKSCATTER_TRIAGE_BOGUS,
	BACKSCATTER_TRIAGE_UNKNOWN,

	BACKSCATTER_TRIAGE_COUNT
};

/* The rule that decided */
enum backscatter_triage_cause {
	/* none */
	BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE = 0,
	BACKSCATTER_TRIAGE_CAUSE_FEEDBACK,
	BACKSCATTER_TRIAGE_CAUSE_NOTIFICATION,
	/* unknown, internal */
	BACKSCATTER_TRIAGE_CAUSE_ERROR,
	/* from the recipient's tag (recipient_verification says more) */
	BACKSCATTER_TRIAGE_CAUSE_TAG_VALID,
	BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED,
	BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED,
	BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN,
	/* proof from the quoted original */
	BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG,
	/* untagged, but the reporting MTA received it from our relay */
	BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY,
	/* untagged recipient */
	BACKSCATTER_TRIAGE_CAUSE_ENFORCED,
	BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT,
	BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED,
	BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN,
};

/* Where the sending date used for enforcement came from */
enum backscatter_triage_date_source {
	BACKSCATTER_TRIAGE_DATE_ORIGINAL = 0,
	BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD,
	BACKSCATTER_TRIAGE_DATE_RECEIVED,
	BACKSCATTER_TRIAGE_DATE_NOW,
};

struct backscatter_triage_input {
	const struct backscatter_settings *set;
	/* NULL without keys */
	const struct backscatter_keyring *keyring;
	/* The analysis; NULL when it failed */
	const struct bounce_report *report;
	/* The envelope recipient and the verdict on its tag; either may
	   be NULL when they could not be had */
	const struct smtp_address *recipient;
	const struct backscatter_verification *recipient_verification;
	/* When the bounce arrived */
	time_t now;
};

struct backscatter_triage {
	enum backscatter_triage_verdict verdict;
	enum backscatter_triage_cause cause;

	/* As in the input, for the evidence */
	const struct backscatter_verification *recipient_verification;
	/* CAUSE_ERROR: what failed */
	const char *error;
	/* CAUSE_OWN_RELAY: the relay as configured, and what the topmost
	   quoted Received header said */
	const char *relay, *relay_seen;
	/* CAUSE_QUOTED_TAG: the verdict on the quoted Return-Path */
	struct backscatter_verification quoted;
	/* enforcement causes: the recipient's domain, the day the
	   original was sent and where that came from */
	const char *domain;
	unsigned int enforce_since_day, sent_day;
	enum backscatter_triage_date_source sent_day_source;
	/* the date was further back than a bounce can come */
	bool sent_day_clamped;
};

const char *backscatter_triage_verdict_to_str(
	enum backscatter_triage_verdict verdict);
bool backscatter_triage_verdict_from_str(
	const char *name, enum backscatter_triage_verdict *verdict_r);
/* The rule as a token for events and JSON: "tag_forged", "enforced", ... */
const char *backscatter_triage_cause_to_str(enum backscatter_triage_cause cause);

/* Decides. Never fails: whatever cannot be decided is unknown. Strings of
   the result are allocated from pool, scratch space from the data
   stack. */
void backscatter_triage(const struct backscatter_triage_input *input,
			pool_t pool, struct backscatter_triage *result_r);

/* The evidence in a few words, for traces, logs and the CLI: "bs1 tag,
   key 0, expires 2026-12-03" or "quoted Received header 2 passed our
   relay mx.example.com". Formatted on demand. Data stack. */
const char *backscatter_triage_evidence(const struct backscatter_triage *result);

#endif
