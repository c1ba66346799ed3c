/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "smtp-address.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-signer.h"

enum backscatter_signer_result
backscatter_signer_sign(const struct backscatter_settings *set,
			const struct backscatter_keyring *keyring,
			const struct smtp_address *sender, time_t now,
			const struct smtp_address **tagged_r,
			const char **reason_r)
{
	struct backscatter_tag_settings tag_set;
	struct backscatter_tag tag;
	const char *error;
	int ret;

	*tagged_r = NULL;
	if (smtp_address_isnull(sender)) {
		*reason_r = "null sender";
		return BACKSCATTER_SIGNER_SKIPPED;
	}
	if (sender->domain == NULL || *sender->domain == '\0') {
		*reason_r = "no domain";
		return BACKSCATTER_SIGNER_SKIPPED;
	}
	if (!backscatter_settings_is_sign_domain(set, sender->domain)) {
		*reason_r = "domain not in backscatter_sign_domains";
		return BACKSCATTER_SIGNER_SKIPPED;
	}

	backscatter_settings_get_tag_settings(set, &tag_set);
	/* A malformed tag is left alone too: signing over it would hide
	   what the sender (or a forger) wrote */
	ret = backscatter_tag_parse(sender, tag_set.delimiters,
				    pool_datastack_create(), &tag, &error);
	if (ret != 0) {
		*reason_r = ret > 0 ? "already tagged" :
			t_strdup_printf("carries a malformed tag: %s", error);
		return BACKSCATTER_SIGNER_SKIPPED;
	}

	ret = backscatter_sign(keyring, &tag_set, set->parsed.sign_scheme,
			       set->parsed.tag_form, sender, now, tagged_r,
			       reason_r);
	if (ret > 0)
		return BACKSCATTER_SIGNER_SIGNED;
	return ret == 0 ? BACKSCATTER_SIGNER_UNSIGNED :
		BACKSCATTER_SIGNER_FAILED;
}
