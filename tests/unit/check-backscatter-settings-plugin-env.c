/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Dovecot 2.3 settings reader (plugin {} strings) */

#include "lib.h"
#include "array.h"
#include "backscatter-settings.h"
#include "check-common.h"

struct fake_config {
	const char *name, *value;
};

static const char *fake_lookup(const char *name, void *context)
{
	const struct fake_config *config = context;

	for (; config->name != NULL; config++) {
		if (strcmp(config->name, name) == 0)
			return config->value;
	}
	return NULL;
}

static int read_config(const struct fake_config *config,
		       const struct backscatter_settings **set_r,
		       const char **error_r)
{
	return backscatter_settings_read(fake_lookup, (void *)config,
					 pool_datastack_create(), set_r,
					 error_r);
}

START_TEST(test_defaults)
{
	const struct fake_config config[] = { { NULL, NULL } };
	const struct backscatter_settings *set;
	const char *error;

	ck_assert_int_eq(read_config(config, &set, &error), 0);
	ck_assert_int_eq(set->analyze_max_size, 64 * 1024);
	ck_assert_str_eq(set->key_file, "");
	ck_assert_int_eq(set->parsed.sign_scheme, BACKSCATTER_SCHEME_BS1);
	ck_assert_int_eq(set->parsed.tag_form, BACKSCATTER_TAG_FORM_SUBADDRESS);
	ck_assert_str_eq(set->tag_delimiter, "+");
	ck_assert_uint_eq(set->tag_lifetime, 7 * 86400);
	ck_assert_uint_eq(set->tag_grace, 86400);
	ck_assert_uint_eq(set->tag_clock_skew, 3600);
	ck_assert(!set->lmtp_reject);
	ck_assert(!set->parsed.enforce);
	ck_assert(!set->parsed.policy_unsigned_reject);
	ck_assert_str_eq(set->policy_reject_text,
			 BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT);
	ck_assert(!backscatter_settings_is_sign_domain(set, "example.com"));
	ck_assert(!array_is_created(&set->parsed.own_relays));
}
END_TEST

START_TEST(test_triage_settings)
{
	const struct fake_config config[] = {
		{ "backscatter_sign_domains", " Example.COM\texample.org " },
		{ "backscatter_own_relays",
		  "MX.example.com 192.0.2.25 [2001:db8::25]" },
		{ "backscatter_enforce_since", "2026-03-01" },
		{ NULL, NULL },
	};
	const struct backscatter_settings *set;
	const char *error;

	ck_assert_msg(read_config(config, &set, &error) == 0, "%s", error);
	check_triage_settings(set);
}
END_TEST

START_TEST(test_all_settings)
{
	const struct fake_config config[] = {
		{ "backscatter_key_file", "/etc/dovecot/backscatter.keys" },
		{ "backscatter_sign_scheme", "PRVS" },
		{ "backscatter_tag_form", "prefix" },
		{ "backscatter_tag_delimiter", "+-" },
		{ "backscatter_tag_lifetime", "10d" },
		{ "backscatter_tag_grace", "2 days" },
		{ "backscatter_tag_clock_skew", "5 mins" },
		{ "backscatter_lmtp_reject", "yes" },
		{ "backscatter_policy_unsigned", "reject" },
		{ "backscatter_policy_reject_text", "Go away (RFC 3834)" },
		{ NULL, NULL },
	};
	const struct backscatter_settings *set;
	const char *error;

	ck_assert_msg(read_config(config, &set, &error) == 0, "%s", error);
	ck_assert_str_eq(set->key_file, "/etc/dovecot/backscatter.keys");
	ck_assert_int_eq(set->parsed.sign_scheme, BACKSCATTER_SCHEME_PRVS);
	ck_assert_int_eq(set->parsed.tag_form, BACKSCATTER_TAG_FORM_PREFIX);
	ck_assert_str_eq(set->tag_delimiter, "+-");
	ck_assert_uint_eq(set->tag_lifetime, 10 * 86400);
	ck_assert_uint_eq(set->tag_grace, 2 * 86400);
	ck_assert_uint_eq(set->tag_clock_skew, 300);
	ck_assert(set->lmtp_reject);
	ck_assert(set->parsed.policy_unsigned_reject);
	ck_assert_str_eq(set->policy_reject_text, "Go away (RFC 3834)");
}
END_TEST

START_TEST(test_size_units)
{
	const struct fake_config config[] = {
		{ "backscatter_analyze_max_size", "2M" },
		{ NULL, NULL },
	};
	const struct backscatter_settings *set;
	const char *error;

	ck_assert_int_eq(read_config(config, &set, &error), 0);
	ck_assert_int_eq(set->analyze_max_size, 2 * 1024 * 1024);
}
END_TEST

static const struct fake_config bad_values[] = {
	{ "backscatter_analyze_max_size", "lots" },
	{ "backscatter_analyze_max_size", "12 parsecs" },
	{ "backscatter_analyze_max_size", "0" },
	{ "backscatter_sign_scheme", "srs" },
	{ "backscatter_tag_form", "suffix" },
	{ "backscatter_tag_delimiter", "=" },
	{ "backscatter_tag_delimiter", "" },
	{ "backscatter_tag_lifetime", "soon" },
	{ "backscatter_tag_lifetime", "12h" },
	{ "backscatter_tag_lifetime", "400d" },
	{ "backscatter_tag_clock_skew", "-1" },
	{ "backscatter_lmtp_reject", "maybe" },
	{ "backscatter_policy_unsigned", "defer" },
	{ "backscatter_policy_reject_text", "" },
	{ "backscatter_policy_reject_text", "tab\there" },
	{ "backscatter_policy_reject_text", "caf\xc3\xa9" },
	{ "backscatter_sign_domains", "@example.com" },
	{ "backscatter_own_relays", "mx.example.com postmaster@example.com" },
	{ "backscatter_enforce_since", "2026-02-30" },
	{ "backscatter_enforce_since", "1 March 2026" },
};

START_TEST(test_bad_values)
{
	const struct fake_config config[] = {
		bad_values[_i], { NULL, NULL },
	};
	const struct backscatter_settings *set;
	const char *error;

	ck_assert_msg(read_config(config, &set, &error) == -1,
		      "%s = %s accepted", config[0].name, config[0].value);
	/* the error names the setting */
	ck_assert_msg(strstr(error, config[0].name) != NULL,
		      "error without name: %s", error);
}
END_TEST

Suite *backscatter_settings_suite(void)
{
	Suite *s = suite_create("backscatter-settings");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_size_units);
	tcase_add_test(tc, test_all_settings);
	tcase_add_test(tc, test_triage_settings);
	tcase_add_loop_test(tc, test_bad_values, 0, N_ELEMENTS(bad_values));
	suite_add_tcase(s, tc);
	return s;
}
