#ifndef BACKSCATTER_SIGNER_H
#define BACKSCATTER_SIGNER_H

/* Signing at the edge: which senders our signers tag, and with what.

   The Dovecot submission plugin and the Postfix socketmap follow the same
   rule, so this is its one copy:
   - the null sender, an address without a domain, one outside
     backscatter_sign_domains, and one that already carries a tag (or
     something claiming to be one) are left alone, silently;
   - an address of ours that cannot carry a tag (a local part that would
     exceed 64 octets tagged, or one that needs quoting) stays unsigned,
     and the caller logs why;
   - without a key to sign with -- no key file, or no key that serves
     the sender's domain -- nothing is signed and the caller logs an
     error.
   Signing never fails the mail: every outcome but "signed" means "send it
   as it is". Scheme and form come from the settings. */

#include "backscatter-tag.h"

struct backscatter_keyring;
struct backscatter_settings;

enum backscatter_signer_result {
	/* tagged_r is the tagged address */
	BACKSCATTER_SIGNER_SIGNED = 0,
	/* not ours to sign; reason_r for debug logs */
	BACKSCATTER_SIGNER_SKIPPED,
	/* ours, but it cannot carry a tag; worth a log line */
	BACKSCATTER_SIGNER_UNSIGNED,
	/* ours, but there is no key to sign with: a configuration error */
	BACKSCATTER_SIGNER_FAILED,
};

/* Why a sender stays unsigned, as a token for events
   (backscatter-events.h) */
#define BACKSCATTER_UNSIGNED_NULL_SENDER "null_sender"
#define BACKSCATTER_UNSIGNED_NO_DOMAIN "no_domain"
#define BACKSCATTER_UNSIGNED_NOT_SIGN_DOMAIN "not_sign_domain"
#define BACKSCATTER_UNSIGNED_ALREADY_TAGGED "already_tagged"
#define BACKSCATTER_UNSIGNED_MALFORMED_TAG "malformed_tag"
#define BACKSCATTER_UNSIGNED_UNTAGGABLE "untaggable"
#define BACKSCATTER_UNSIGNED_NO_KEY "no_key"
/* the signers' own: the login may not use the sender (submission), the
   settings could not be read */
#define BACKSCATTER_UNSIGNED_NOT_USER_ADDRESS "not_user_address"
#define BACKSCATTER_UNSIGNED_ERROR "error"

/* What the signer made of a sender */
struct backscatter_signing {
	enum backscatter_signer_result result;
	/* SIGNED: the tagged address, and with what */
	const struct smtp_address *tagged;
	enum backscatter_scheme scheme;
	enum backscatter_tag_form form;
	unsigned int key_id;
	/* otherwise: why, in words for the log, and as a token
	   (BACKSCATTER_UNSIGNED_*) for events */
	const char *reason;
	const char *unsigned_reason;
};

/* Decides about the envelope sender and signs it when it is ours, with
   the key that serves its domain (backscatter-keys.h). sender may be
   NULL (the null sender); keyring may be NULL (no keys: FAILED for our
   addresses). Returns signing_r->result; the addresses and reasons are
   on the data stack. */
enum backscatter_signer_result
backscatter_signer_sign(const struct backscatter_settings *set,
			const struct backscatter_keyring *keyring,
			const struct smtp_address *sender, time_t now,
			struct backscatter_signing *signing_r);

#endif
