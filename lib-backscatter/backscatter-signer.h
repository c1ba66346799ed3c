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
   - without a key to sign with, nothing is signed and the caller logs an
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

/* Decides about the envelope sender and signs it when it is ours.
   sender may be NULL (the null sender); keyring may be NULL (no keys:
   FAILED for our addresses). Results and reasons are on the data
   stack. */
enum backscatter_signer_result
backscatter_signer_sign(const struct backscatter_settings *set,
			const struct backscatter_keyring *keyring,
			const struct smtp_address *sender, time_t now,
			const struct smtp_address **tagged_r,
			const char **reason_r);

#endif
