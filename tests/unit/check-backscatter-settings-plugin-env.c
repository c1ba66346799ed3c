/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Dovecot 2.3 settings reader (plugin {} strings) */

#include "lib.h"
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

START_TEST(test_bad_values)
{
	static const char *const bad_values[] = { "lots", "12 parsecs", "0" };
	const struct backscatter_settings *set;
	const char *error;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(bad_values); i++) {
		const struct fake_config config[] = {
			{ "backscatter_analyze_max_size", bad_values[i] },
			{ NULL, NULL },
		};
		ck_assert_int_eq(read_config(config, &set, &error), -1);
		/* the error names the setting */
		ck_assert_msg(strstr(error, "backscatter_analyze_max_size")
			      != NULL, "error without name: %s", error);
	}
}
END_TEST

Suite *backscatter_settings_suite(void)
{
	Suite *s = suite_create("backscatter-settings");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_size_units);
	tcase_add_test(tc, test_bad_values);
	suite_add_tcase(s, tc);
	return s;
}
