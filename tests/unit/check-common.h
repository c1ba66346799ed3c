#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

/* Shared helpers of the Check unit tests: one Suite per engine module,
   all run by check-main.c. */

#include <check.h>

struct istream;
struct bounce_report;

/* Test messages live in tests/data; TEST_DATA_DIR points there. */
struct istream *test_data_open(const char *name);
string_t *test_data_read(const char *name);
/* The report on a hand-made message, from pool; asserts the analysis
   succeeds */
struct bounce_report *test_analyze_message(pool_t pool, const char *message);

/* Asserts that backscatter_keyring_parse() accepts the key file text
   when expected_error is NULL, else refuses it with an error that names
   the line, contains expected_error and shows no key
   (check-backscatter-tag.c) */
void check_keyring_parse(const char *text, const char *expected_error);

struct backscatter_settings;

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
