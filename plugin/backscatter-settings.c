/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* What both settings readers share: the defaults and the checks. */

#include "lib.h"
#include "bounce-analyzer.h"
#include "backscatter-date.h"
#include "backscatter-verify.h"
#include "backscatter-settings.h"

const struct backscatter_settings backscatter_default_settings = {
	BACKSCATTER_DEFAULT_SETTINGS_COMMON,
	.sign_scheme = "bs1",
	.tag_form = "subaddress",
	.parsed = {
		.sign_scheme = BACKSCATTER_SCHEME_BS1,
		.tag_form = BACKSCATTER_TAG_FORM_SUBADDRESS,
	},
};

bool backscatter_settings_check(struct backscatter_settings *set,
				const char **error_r)
{
	if (set->analyze_max_size == 0) {
		*error_r = "backscatter_analyze_max_size must be larger than 0";
		return FALSE;
	}
	if (!backscatter_scheme_from_str(set->sign_scheme,
					 &set->parsed.sign_scheme)) {
		*error_r = t_strdup_printf("backscatter_sign_scheme: "
			"unknown scheme '%s' (use bs1 or prvs)",
			set->sign_scheme);
		return FALSE;
	}
	if (!backscatter_tag_form_from_str(set->tag_form,
					   &set->parsed.tag_form)) {
		*error_r = t_strdup_printf("backscatter_tag_form: "
			"unknown form '%s' (use subaddress or prefix)",
			set->tag_form);
		return FALSE;
	}
	if (*set->tag_delimiter == '\0' ||
	    strpbrk(set->tag_delimiter, "=@\" \t") != NULL) {
		*error_r = "backscatter_tag_delimiter must be one or more "
			"characters other than '=', '@', quotes and spaces";
		return FALSE;
	}
	if (set->tag_lifetime < BACKSCATTER_SECS_PER_DAY) {
		*error_r = "backscatter_tag_lifetime must be at least 1 day";
		return FALSE;
	}
	/* bs1 reconstructs the expiry day within half its 32768-day cycle,
	   prvs within its 1000 days */
	if (set->tag_lifetime / BACKSCATTER_SECS_PER_DAY +
	    set->tag_grace / BACKSCATTER_SECS_PER_DAY > 365) {
		*error_r = "backscatter_tag_lifetime plus "
			"backscatter_tag_grace must not exceed 365 days";
		return FALSE;
	}
	return TRUE;
}

void backscatter_settings_get_tag_settings(
	const struct backscatter_settings *set,
	struct backscatter_tag_settings *tag_set_r)
{
	i_zero(tag_set_r);
	tag_set_r->delimiters = set->tag_delimiter;
	tag_set_r->lifetime_days = set->tag_lifetime / BACKSCATTER_SECS_PER_DAY;
	tag_set_r->grace_days = set->tag_grace / BACKSCATTER_SECS_PER_DAY;
	tag_set_r->clock_skew_secs = set->tag_clock_skew;
}
