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
     a quoted original is text the sender of the bounce wrote, so no proof
     from the original overrules it.
   - legitimate: the quoted original proves the message was ours: one of
     its Received headers names one of our relays as a whole host name
     after "from" or "by", or as a host or IP address of its "from"
     comment; or its Return-Path carries a valid tag for the same
     address as the recipient. A Received header that does not parse up
     to its ";" proves nothing.
   - bogus: the recipient is untagged, its domain is one of the sign
     domains, enforcement is set, and the original was sent on or after
     backscatter_enforce_since. When it was sent is the quoted original's
     Date, else the report's Arrival-Date, else the time the bounce
     arrived (now); a date later than now counts as now.
   - unknown: untagged without enforcement, or sent before it began; no
     keys (only the relay proof works without keys).

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
	BACKSCATTER_TRIAGE_CAUSE_NO_KEYS,
	/* proof from the quoted original */
	BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY,
	BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG,
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
	/* CAUSE_OWN_RELAY: the relay as configured, what the Received
	   header said, and which quoted Received header (from 1) */
	const char *relay, *relay_seen;
	unsigned int received_index;
	/* CAUSE_QUOTED_TAG: the verdict on the quoted Return-Path */
	struct backscatter_verification quoted;
	/* enforcement causes: the recipient's domain, the day the
	   original was sent and where that came from */
	const char *domain;
	unsigned int enforce_since_day, sent_day;
	enum backscatter_triage_date_source sent_day_source;
};

const char *backscatter_triage_verdict_to_str(
	enum backscatter_triage_verdict verdict);
bool backscatter_triage_verdict_from_str(
	const char *name, enum backscatter_triage_verdict *verdict_r);

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
