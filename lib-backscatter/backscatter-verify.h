#ifndef BACKSCATTER_VERIFY_H
#define BACKSCATTER_VERIFY_H

/* Signing return paths and judging the tags that come back.

   A verdict is about one address, normally the envelope recipient of a
   bounce:
   - valid: a tag of ours, with a correct MAC, not expired;
   - expired: a tag of ours, correct MAC, past its expiry and grace;
   - forged: a bad MAC, a key id we do not have for the address's domain
     (also one of another tenant's key: backscatter-keys.h), a malformed
     tag, or an expiry further ahead than any signer of ours gives
     (BACKSCATTER_TAG_MAX_DAYS);
   - unsigned: no tag at all;
   - unknown: we cannot tell: no keys are loaded (no file, an unusable
     one, or one without keys), no key serves the address's domain, or
     the tag is on an original recipient that nothing ties to the
     mailbox (backscatter_verify_recipient()).

   The verdict never depends on anything but the addresses, the keys, the
   settings and the time passed in, so it is the same in Sieve, LMTP and
   the CLI. The threat model behind it is in docs/bs1-tag-format.md. */

#include "backscatter-tag.h"

struct backscatter_keyring;

/* The longest a tag may live: tag lifetime plus grace never exceed it
   (backscatter_settings_check()), so no tag of ours expires later than
   this many days after it was made, whatever the settings are now */
#define BACKSCATTER_TAG_MAX_DAYS 365

enum backscatter_verdict {
	BACKSCATTER_VERDICT_VALID = 0,
	BACKSCATTER_VERDICT_EXPIRED,
	BACKSCATTER_VERDICT_FORGED,
	BACKSCATTER_VERDICT_UNSIGNED,
	BACKSCATTER_VERDICT_UNKNOWN,

	BACKSCATTER_VERDICT_COUNT
};

struct backscatter_tag_settings {
	/* Characters that may start a subaddress tag; the first one is
	   used for signing */
	const char *delimiters;
	/* Days a tag lives, counted from the day it was signed */
	unsigned int lifetime_days;
	/* Days an expired tag is still accepted, for delayed bounces */
	unsigned int grace_days;
	/* Seconds our clock and the signer's may differ */
	unsigned int clock_skew_secs;
};

/* Why the verdict is what it is */
enum backscatter_verify_cause {
	BACKSCATTER_CAUSE_NO_TAG = 0,
	BACKSCATTER_CAUSE_NO_KEYS,
	BACKSCATTER_CAUSE_MALFORMED,
	BACKSCATTER_CAUSE_UNKNOWN_KEY,
	BACKSCATTER_CAUSE_BAD_MAC,
	BACKSCATTER_CAUSE_TOO_FAR_AHEAD,
	BACKSCATTER_CAUSE_EXPIRED,
	BACKSCATTER_CAUSE_VALID,
	/* the tag is in an ORCPT that nothing ties to the mailbox */
	BACKSCATTER_CAUSE_NOT_BOUND,
	/* unknown: keys are loaded, but none serves the address's domain */
	BACKSCATTER_CAUSE_NO_DOMAIN_KEYS,
	/* forged: the tag's key id names a key of other domains only */
	BACKSCATTER_CAUSE_WRONG_DOMAIN,
};

struct backscatter_verification {
	enum backscatter_verdict verdict;
	enum backscatter_verify_cause cause;
	/* For BACKSCATTER_CAUSE_MALFORMED: what is wrong with the tag */
	const char *malformed;
	/* When a tag was found (also a malformed one: then only
	   tag.untagged is unset) */
	bool tagged;
	struct backscatter_tag tag;
	/* The full expiry day, when the MAC was right; 0 otherwise */
	unsigned int expiry_day;
	/* For BACKSCATTER_CAUSE_NO_DOMAIN_KEYS: the domain, lower-cased */
	const char *domain;
	/* backscatter_verify_recipient(): the address whose tag this is
	   about, the delivered one or the ORCPT */
	const struct smtp_address *address;
};

/* A delivery's recipient, as the MTA gave it */
struct backscatter_recipient {
	/* RCPT TO, before anything took its tag away */
	const struct smtp_address *delivered;
	/* The ORCPT parameter, or NULL. Whoever sends the bounce writes it. */
	const struct smtp_address *orcpt;
	/* Who owns this (untagged) address? 1 the user delivered to, 0
	   another user, -1 no one or cannot tell. NULL: only the
	   delivered address's own mailbox belongs to it. */
	int (*owner_lookup)(const struct smtp_address *address, void *context);
	void *owner_context;
};

const char *backscatter_verdict_to_str(enum backscatter_verdict verdict);
/* Why, in a few words, for traces and logs: "bs1 tag, key 0, expires
   2026-12-03". Formatted on demand, as judging is the hot path and the
   reason is wanted rarely. Data stack. */
const char *
backscatter_verification_reason(const struct backscatter_verification *result);
bool backscatter_verdict_from_str(const char *name,
				  enum backscatter_verdict *verdict_r);

/* Judges the address. keyring may be NULL (verdict unknown). The result's
   strings are allocated from pool; scratch space from the data stack. */
void backscatter_verify(const struct backscatter_keyring *keyring,
			const struct backscatter_tag_settings *set,
			const struct smtp_address *address, time_t now,
			pool_t pool,
			struct backscatter_verification *result_r);

/* Judges the tag that counts for a delivery, the one rule LMTP, Sieve and
   the CLI all use. A tag counts only where the delivery ties it to the
   mailbox:
   - a tag on the delivered address is judged as it is; when the ORCPT
     carries the same tag on another address (an alias that propagated
     the extension), the ORCPT's verdict counts when better, unless the
     owner lookup says the ORCPT is another user's (then unknown);
   - an untagged delivery takes the ORCPT's tag only when the ORCPT
     names the same mailbox (case-insensitive, detail ignored) or the
     owner lookup says it is this user's; otherwise the verdict is
     unknown (cause NOT_BOUND): never valid, and never forged either, as
     an alias may not propagate extensions.
   Without keys it is unknown, as backscatter_verify(). Strings come from
   pool, scratch space from the data stack. */
void backscatter_verify_recipient(const struct backscatter_keyring *keyring,
				  const struct backscatter_tag_settings *set,
				  const struct backscatter_recipient *rcpt,
				  time_t now, pool_t pool,
				  struct backscatter_verification *result_r);

/* The mailbox an untagged address names: "local@domain" lower-cased,
   with any detail (from the first of delimiters on) taken away. Data
   stack. */
const char *
backscatter_address_mailbox(const struct smtp_address *address,
			    const char *delimiters);

/* Tags the address with the scheme's signing key for its domain
   (backscatter_keyring_signing_key()) in the given form. Returns 1 and
   the tagged address (data stack), 0 when the address must stay as it is
   (reason_r says why: already tagged, null or incomplete address, a
   local part that needs quoting, or a tagged local part that would
   exceed 64 octets), or -1 when no key signs for its domain. */
int backscatter_sign(const struct backscatter_keyring *keyring,
		     const struct backscatter_tag_settings *set,
		     enum backscatter_scheme scheme,
		     enum backscatter_tag_form form,
		     const struct smtp_address *address, time_t now,
		     const struct smtp_address **tagged_r,
		     const char **reason_r);

#endif
