/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Dovecot 2.4 settings declaration, run through
   Dovecot's own settings parser, as the config process does. */

#include "lib.h"
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

START_TEST(test_bad_values)
{
	static const char *const bad_values[] = { "lots", "12 parsecs", "0" };
	struct parsed p;
	const char *error;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(bad_values); i++) {
		ck_assert_int_eq(parse(&p, "backscatter_analyze_max_size",
				       bad_values[i], &error), -1);
		ck_assert_ptr_nonnull(error);
		parsed_free(&p);
	}
	/* the check names the setting */
	ck_assert_int_eq(parse(&p, "backscatter_analyze_max_size", "0",
			       &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "backscatter_analyze_max_size"));
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
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_unknown_key);
	suite_add_tcase(s, tc);
	return s;
}
