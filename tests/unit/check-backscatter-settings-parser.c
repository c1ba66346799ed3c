/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Dovecot 2.4 settings declaration, run through
   Dovecot's own settings parser, as the config process does. */

#include "lib.h"
#include "array.h"
#include "settings-parser.h"
#include "backscatter-settings.h"
#include "check-common.h"

struct parsed {
	pool_t pool;
	struct setting_parser_context *parser;
	const struct backscatter_settings *set;
};

/* Returns 1 if value was accepted and the result passed the checks,
   0 or -1 otherwise, with the parser's error. */
static int parse(struct parsed *p, const char *key, const char *value,
		 const char **error_r)
{
	int ret;

	p->pool = pool_alloconly_create("settings test", 1024);
	p->parser = settings_parser_init(p->pool,
					 &backscatter_setting_parser_info, 0);
	*error_r = NULL;
	ret = key == NULL ? 1 : settings_parse_keyvalue(p->parser, key, value);
	if (ret < 0)
		*error_r = settings_parser_get_error(p->parser);
	else if (ret > 0 &&
		 !settings_parser_check(p->parser, p->pool, NULL, error_r))
		ret = -1;
	p->set = settings_parser_get_set(p->parser);
	return ret;
}

static void parsed_free(struct parsed *p)
{
	settings_parser_unref(&p->parser);
	pool_unref(&p->pool);
}

START_TEST(test_defaults)
{
	struct parsed p;
	const char *error;

	ck_assert_int_eq(parse(&p, NULL, NULL, &error), 1);
	ck_assert_int_eq(p.set->analyze_max_size, 64 * 1024);
	ck_assert(!p.set->parsed.enforce);
	ck_assert(!p.set->parsed.policy_unsigned_reject);
	ck_assert_str_eq(p.set->policy_reject_text,
			 BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT);
	ck_assert(!backscatter_settings_is_sign_domain(p.set, "example.com"));
	ck_assert(!array_is_created(&p.set->parsed.own_relays));
	parsed_free(&p);
}
END_TEST

START_TEST(test_size_units)
{
	struct parsed p;
	const char *error;

	ck_assert_int_eq(parse(&p, "backscatter_analyze_max_size", "2M",
			       &error), 1);
	ck_assert_int_eq(p.set->analyze_max_size, 2 * 1024 * 1024);
	parsed_free(&p);
}
END_TEST

START_TEST(test_all_settings)
{
	static const struct {
		const char *key, *value;
	} values[] = {
		{ "backscatter_key_file", "/etc/dovecot/backscatter.keys" },
		{ "backscatter_sign_scheme", "prvs" },
		{ "backscatter_tag_form", "prefix" },
		{ "backscatter_tag_delimiter", "+-" },
		{ "backscatter_tag_lifetime", "10d" },
		{ "backscatter_tag_grace", "2 days" },
		{ "backscatter_tag_clock_skew", "5 mins" },
		{ "backscatter_lmtp_reject", "yes" },
		{ "backscatter_policy_unsigned", "reject" },
		{ "backscatter_policy_reject_text", "Go away (RFC 3834)" },
	};
	struct setting_parser_context *parser;
	struct backscatter_settings *set;
	const char *error;
	pool_t pool = pool_alloconly_create("settings test", 1024);
	unsigned int i;

	parser = settings_parser_init(pool, &backscatter_setting_parser_info,
				      0);
	for (i = 0; i < N_ELEMENTS(values); i++) {
		ck_assert_msg(settings_parse_keyvalue(parser, values[i].key,
						      values[i].value) == 1,
			      "%s", values[i].key);
	}
	ck_assert_msg(settings_parser_check(parser, pool, NULL, &error),
		      "%s", error);
	set = settings_parser_get_set(parser);
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
	settings_parser_unref(&parser);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_triage_settings)
{
	static const struct {
		const char *key, *value;
	} values[] = {
		{ "backscatter_sign_domains", " Example.COM\texample.org " },
		{ "backscatter_own_relays",
		  "MX.example.com 192.0.2.25 [2001:db8::25]" },
		{ "backscatter_enforce_since", "2026-03-01" },
	};
	struct setting_parser_context *parser;
	struct backscatter_settings *set;
	unsigned int i;
	const char *error;
	pool_t pool = pool_alloconly_create("settings test", 1024);

	parser = settings_parser_init(pool, &backscatter_setting_parser_info,
				      0);
	for (i = 0; i < N_ELEMENTS(values); i++) {
		ck_assert_msg(settings_parse_keyvalue(parser, values[i].key,
						      values[i].value) == 1,
			      "%s", values[i].key);
	}
	ck_assert_msg(settings_parser_check(parser, pool, NULL, &error),
		      "%s", error);
	set = settings_parser_get_set(parser);
	check_triage_settings(set);
	settings_parser_unref(&parser);
	pool_unref(&pool);
}
END_TEST

static const struct {
	const char *key, *value;
} bad_values[] = {
	{ "backscatter_analyze_max_size", "lots" },
	{ "backscatter_analyze_max_size", "12 parsecs" },
	{ "backscatter_analyze_max_size", "0" },
	{ "backscatter_sign_scheme", "srs" },
	{ "backscatter_tag_form", "suffix" },
	{ "backscatter_tag_delimiter", "=" },
	{ "backscatter_tag_lifetime", "soon" },
	{ "backscatter_tag_lifetime", "12h" },
	{ "backscatter_tag_lifetime", "400d" },
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
	struct parsed p;
	const char *error;

	ck_assert_msg(parse(&p, bad_values[_i].key, bad_values[_i].value,
			    &error) == -1, "%s = %s accepted",
		      bad_values[_i].key, bad_values[_i].value);
	ck_assert_ptr_nonnull(error);
	parsed_free(&p);
}
END_TEST

START_TEST(test_check_names_setting)
{
	struct parsed p;
	const char *error;

	/* our check names the setting */
	ck_assert_int_eq(parse(&p, "backscatter_analyze_max_size", "0",
			       &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "backscatter_analyze_max_size"));
	parsed_free(&p);
	ck_assert_int_eq(parse(&p, "backscatter_enforce_since", "2026-13-01",
			       &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "backscatter_enforce_since"));
	parsed_free(&p);
}
END_TEST

START_TEST(test_unknown_key)
{
	struct parsed p;
	const char *error;

	/* a misspelling is not ours: the parser reports it unknown (0) */
	ck_assert_int_eq(parse(&p, "backscatter_analyse_max_size", "1k",
			       &error), 0);
	parsed_free(&p);
}
END_TEST

Suite *backscatter_settings_suite(void)
{
	Suite *s = suite_create("backscatter-settings");
	TCase *tc = tcase_create("parser-info");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_size_units);
	tcase_add_test(tc, test_all_settings);
	tcase_add_test(tc, test_triage_settings);
	tcase_add_loop_test(tc, test_bad_values, 0, N_ELEMENTS(bad_values));
	tcase_add_test(tc, test_check_names_setting);
	tcase_add_test(tc, test_unknown_key);
	suite_add_tcase(s, tc);
	return s;
}
