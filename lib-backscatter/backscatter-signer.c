/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "smtp-address.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-signer.h"

static enum backscatter_signer_result
signer_not_signed(struct backscatter_signing *signing,
		  enum backscatter_signer_result result, const char *reason,
		  const char *unsigned_reason)
{
	signing->result = result;
	signing->reason = reason;
	signing->unsigned_reason = unsigned_reason;
	return result;
}

enum backscatter_signer_result
backscatter_signer_sign(const struct backscatter_settings *set,
			const struct backscatter_keyring *keyring,
			const struct smtp_address *sender, time_t now,
			struct backscatter_signing *signing_r)
{
	struct backscatter_tag_settings tag_set;
	struct backscatter_tag tag;
	const struct smtp_address *tagged;
	const char *error, *reason;
	int ret;

	i_zero(signing_r);
	if (smtp_address_isnull(sender)) {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_SKIPPED, "null sender",
			BACKSCATTER_UNSIGNED_NULL_SENDER);
	}
	if (sender->domain == NULL || *sender->domain == '\0') {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_SKIPPED, "no domain",
			BACKSCATTER_UNSIGNED_NO_DOMAIN);
	}
	if (!backscatter_settings_is_sign_domain(set, sender->domain)) {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_SKIPPED,
			"domain not in backscatter_sign_domains",
			BACKSCATTER_UNSIGNED_NOT_SIGN_DOMAIN);
	}

	backscatter_settings_get_tag_settings(set, &tag_set);
	/* A malformed tag is left alone too: signing over it would hide
	   what the sender (or a forger) wrote */
	ret = backscatter_tag_parse(sender, tag_set.delimiters,
				    pool_datastack_create(), &tag, &error);
	if (ret > 0) {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_SKIPPED, "already tagged",
			BACKSCATTER_UNSIGNED_ALREADY_TAGGED);
	}
	if (ret < 0) {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_SKIPPED, t_strdup_printf(
				"carries a malformed tag: %s", error),
			BACKSCATTER_UNSIGNED_MALFORMED_TAG);
	}

	ret = backscatter_sign(keyring, &tag_set, set->parsed.sign_scheme,
			       set->parsed.tag_form, sender, now, &tagged,
			       &reason);
	if (ret == 0) {
		/* what is left: a local part that needs quoting, or one
		   too long to carry a tag */
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_UNSIGNED, reason,
			BACKSCATTER_UNSIGNED_UNTAGGABLE);
	}
	if (ret < 0) {
		return signer_not_signed(signing_r,
			BACKSCATTER_SIGNER_FAILED, reason,
			BACKSCATTER_UNSIGNED_NO_KEY);
	}
	signing_r->result = BACKSCATTER_SIGNER_SIGNED;
	signing_r->tagged = tagged;
	signing_r->scheme = set->parsed.sign_scheme;
	signing_r->form = set->parsed.tag_form;
	/* The key id as the verifier will read it, from the tag itself
	   (a tag we made always parses) */
	if (backscatter_tag_parse(tagged, tag_set.delimiters,
				  pool_datastack_create(), &tag, &error) > 0)
		signing_r->key_id = tag.key_id;
	return BACKSCATTER_SIGNER_SIGNED;
}
