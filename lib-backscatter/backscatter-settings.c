/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* What both settings readers share: the defaults and the checks. */

#include "lib.h"
#include "array.h"
#include "bounce-analyzer.h"
#include "backscatter-date.h"
#include "backscatter-verify.h"
#include "backscatter-settings.h"

const struct backscatter_settings backscatter_default_settings = {
	BACKSCATTER_DEFAULT_SETTINGS_COMMON,
	.sign_scheme = "bs1",
	.tag_form = "subaddress",
	.policy_unsigned = "dunno",
	.parsed = {
		.sign_scheme = BACKSCATTER_SCHEME_BS1,
		.tag_form = BACKSCATTER_TAG_FORM_SUBADDRESS,
	},
};

/* Splits a space-separated list into lower-cased entries from pool;
   leaves the array uncreated for an empty list. */
static void
settings_split_list(const char *value, pool_t pool,
		    ARRAY_TYPE(const_string) *list_r)
{
	const char *const *entries = t_strsplit_spaces(value, " \t");

	if (*entries == NULL)
		return;
	p_array_init(list_r, pool, str_array_length(entries));
	for (; *entries != NULL; entries++) {
		const char *entry = p_strdup(pool, t_str_lcase(*entries));

		array_push_back(list_r, &entry);
	}
}

/* A domain or host name as it may appear in a list: something, and no
   address, literal or list syntax that would never match */
static bool settings_is_name(const char *name)
{
	return *name != '\0' && strpbrk(name, "@[]<>,;\"\\") == NULL;
}

static bool
settings_check_sign_domains(struct backscatter_settings *set, pool_t pool,
			    const char **error_r)
{
	const char *domain;

	settings_split_list(set->sign_domains, pool,
			    &set->parsed.sign_domains);
	if (!array_is_created(&set->parsed.sign_domains))
		return TRUE;
	array_foreach_elem(&set->parsed.sign_domains, domain) {
		if (!settings_is_name(domain)) {
			*error_r = t_strdup_printf("backscatter_sign_domains: "
				"'%s' is not a domain", domain);
			return FALSE;
		}
	}
	return TRUE;
}

/* Each relay is an IP address (also as a "[...]" literal) or a host
   name; which one is decided here, once, not per message. */
static bool
settings_check_own_relays(struct backscatter_settings *set, pool_t pool,
			  const char **error_r)
{
	ARRAY_TYPE(const_string) names;
	const char *name;

	i_zero(&names);
	settings_split_list(set->own_relays, pool, &names);
	if (!array_is_created(&names))
		return TRUE;
	p_array_init(&set->parsed.own_relays, pool, array_count(&names));
	array_foreach_elem(&names, name) {
		struct backscatter_relay *relay =
			array_append_space(&set->parsed.own_relays);
		size_t len = strlen(name);
		const char *literal = name;

		if (len > 2 && name[0] == '[' && name[len - 1] == ']')
			literal = t_strndup(name + 1, len - 2);
		if (net_addr2ip(literal, &relay->ip) == 0)
			continue;
		if (!settings_is_name(name)) {
			*error_r = t_strdup_printf("backscatter_own_relays: "
				"'%s' is neither a host name nor an "
				"IP address", name);
			return FALSE;
		}
		relay->host = name;
	}
	return TRUE;
}

static bool
settings_check_policy(struct backscatter_settings *set, const char **error_r)
{
	const char *p;

	if (strcasecmp(set->policy_unsigned, "dunno") == 0)
		set->parsed.policy_unsigned_reject = FALSE;
	else if (strcasecmp(set->policy_unsigned, "reject") == 0)
		set->parsed.policy_unsigned_reject = TRUE;
	else {
		*error_r = t_strdup_printf("backscatter_policy_unsigned: "
			"unknown value '%s' (use dunno or reject)",
			set->policy_unsigned);
		return FALSE;
	}
	/* It becomes the text of an SMTP reply */
	if (*set->policy_reject_text == '\0') {
		*error_r = "backscatter_policy_reject_text must not be empty";
		return FALSE;
	}
	for (p = set->policy_reject_text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			*error_r = "backscatter_policy_reject_text must be "
				"printable ASCII (it is an SMTP reply's text)";
			return FALSE;
		}
	}
	return TRUE;
}

bool backscatter_settings_check(struct backscatter_settings *set, pool_t pool,
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
	    set->tag_grace / BACKSCATTER_SECS_PER_DAY >
	    BACKSCATTER_TAG_MAX_DAYS) {
		*error_r = "backscatter_tag_lifetime plus "
			"backscatter_tag_grace must not exceed 365 days";
		return FALSE;
	}
	if (!settings_check_sign_domains(set, pool, error_r) ||
	    !settings_check_own_relays(set, pool, error_r) ||
	    !settings_check_policy(set, error_r))
		return FALSE;
	set->parsed.enforce = *set->enforce_since != '\0';
	if (set->parsed.enforce &&
	    !backscatter_day_parse(set->enforce_since,
				   &set->parsed.enforce_since_day)) {
		*error_r = t_strdup_printf("backscatter_enforce_since: "
			"invalid date '%s' (use YYYY-MM-DD)",
			set->enforce_since);
		return FALSE;
	}
	return TRUE;
}

bool backscatter_settings_is_sign_domain(const struct backscatter_settings *set,
					 const char *domain)
{
	const char *sign_domain;

	if (!array_is_created(&set->parsed.sign_domains))
		return FALSE;
	array_foreach_elem(&set->parsed.sign_domains, sign_domain) {
		if (strcasecmp(sign_domain, domain) == 0)
			return TRUE;
	}
	return FALSE;
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
