#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

/* Shared helpers of the Check unit tests: one Suite per engine module,
   all run by check-main.c. */

#include <check.h>

struct istream;
struct bounce_report;
struct smtp_address;
struct backscatter_settings;
struct backscatter_keyring;

/* Test messages live in tests/data; TEST_DATA_DIR points there. */
struct istream *test_data_open(const char *name);
string_t *test_data_read(const char *name);
/* The report on a hand-made message, from pool; asserts the analysis
   succeeds */
struct bounce_report *test_analyze_message(pool_t pool, const char *message);

/* A bs1 key, id 0, from 2020: the one most suites sign with */
#define TEST_BS1_KEY \
	"bs1 0 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"

/* "local@domain" (or a local part alone) as an address, from the data
   stack */
struct smtp_address *test_address(const char *str);
/* The keys of a key file's text; asserts that it parses */
struct backscatter_keyring *test_keyring(const char *text);
/* A copy of the default settings from pool, for a test to change and
   then pass to test_settings_check() */
struct backscatter_settings *test_settings_new(pool_t pool);
/* Asserts that backscatter_settings_check() accepts set */
void test_settings_check(struct backscatter_settings *set, pool_t pool);

/* Asserts that backscatter_keyring_parse() accepts the key file text
   when expected_error is NULL, else refuses it with an error that names
   the line, contains expected_error and shows no key
   (check-backscatter-tag.c) */
void check_keyring_parse(const char *text, const char *expected_error);

/* Asserts what both settings readers must make of the triage settings
   " Example.COM\texample.org ", "MX.example.com 192.0.2.25
   [2001:db8::25]" and "2026-03-01" (check-backscatter-triage.c) */
void check_triage_settings(const struct backscatter_settings *set);

/* Every suite, once: check-main.c runs them in this order. A new suite
   is a line here and its file in tests/Makefile.am. */
#define CHECK_SUITES(S) \
	S(bounce_analyzer) \
	S(bounce_decoders) \
	S(bounce_reasons) \
	S(backscatter_settings) \
	S(backscatter_tag) \
	S(backscatter_domain_keys) \
	S(backscatter_socketmap) \
	S(backscatter_policy) \
	S(backscatter_triage) \
	S(backscatter_properties)

#define CHECK_SUITE_DECLARE(name) Suite *name##_suite(void);
CHECK_SUITES(CHECK_SUITE_DECLARE)
#undef CHECK_SUITE_DECLARE

#endif
