/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "smtp-address.h"
#include "bounce-analyzer.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "check-common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static const char *test_data_path(const char *name)
{
	const char *dir = getenv("TEST_DATA_DIR");

	if (dir == NULL)
		i_fatal("TEST_DATA_DIR is not set");
	return t_strconcat(dir, "/", name, NULL);
}

struct istream *test_data_open(const char *name)
{
	const char *path = test_data_path(name);
	struct istream *input;

	input = i_stream_create_file(path, IO_BLOCK_SIZE);
	if (input->stream_errno != 0)
		i_fatal("open(%s): %s", path, i_stream_get_error(input));
	return input;
}

string_t *test_data_read(const char *name)
{
	struct istream *input = test_data_open(name);
	string_t *str = t_str_new(4096);
	const unsigned char *data;
	size_t size;

	while (i_stream_read_more(input, &data, &size) > 0) {
		str_append_data(str, data, size);
		i_stream_skip(input, size);
	}
	if (input->stream_errno != 0)
		i_fatal("read(%s): %s", name, i_stream_get_error(input));
	i_stream_unref(&input);
	return str;
}

struct bounce_report *test_analyze_message(pool_t pool, const char *message)
{
	struct istream *input = i_stream_create_from_data(message,
							  strlen(message));
	const struct bounce_analyzer_settings set = { .max_read_size = 0 };
	struct bounce_report *report;
	const char *error;

	ck_assert_int_eq(bounce_analyze(input, &set, pool, &report, &error), 0);
	i_stream_unref(&input);
	return report;
}

struct smtp_address *test_address(const char *str)
{
	const char *at = strrchr(str, '@');

	if (at == NULL)
		return smtp_address_create(pool_datastack_create(), str, NULL);
	return smtp_address_create(pool_datastack_create(),
				   t_strdup_until(str, at), at + 1);
}

struct backscatter_keyring *test_keyring(const char *text)
{
	struct backscatter_keyring *keyring;
	const char *error;

	ck_assert_msg(backscatter_keyring_parse("test-keys", text,
						strlen(text), &keyring,
						&error) == 0,
		      "keyring: %s", error);
	return keyring;
}

struct backscatter_settings *test_settings_new(pool_t pool)
{
	struct backscatter_settings *set;

	set = p_new(pool, struct backscatter_settings, 1);
	*set = backscatter_default_settings;
	return set;
}

void test_settings_check(struct backscatter_settings *set, pool_t pool)
{
	const char *error;

	ck_assert_msg(backscatter_settings_check(set, pool, &error),
		      "%s", error);
}

int main(void)
{
	SRunner *runner;
	int failed;

	lib_init();
	runner = srunner_create(NULL);
#define CHECK_SUITE_ADD(name) srunner_add_suite(runner, name##_suite());
	CHECK_SUITES(CHECK_SUITE_ADD)
#undef CHECK_SUITE_ADD
	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	lib_deinit();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
