#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

/* Shared helpers of the Check unit tests: one Suite per engine module,
   all run by check-main.c. */

#include <check.h>

struct istream;

/* Test messages live in tests/data; TEST_DATA_DIR points there. */
struct istream *test_data_open(const char *name);
string_t *test_data_read(const char *name);

struct backscatter_settings;

/* Asserts what both settings readers must make of the triage settings
   " Example.COM\texample.org ", "MX.example.com 192.0.2.25
   [2001:db8::25]" and "2026-03-01" (check-backscatter-triage.c) */
void check_triage_settings(const struct backscatter_settings *set);

Suite *bounce_analyzer_suite(void);
Suite *bounce_decoders_suite(void);
Suite *backscatter_settings_suite(void);
Suite *backscatter_tag_suite(void);
Suite *backscatter_domain_keys_suite(void);
Suite *backscatter_socketmap_suite(void);
Suite *backscatter_triage_suite(void);
Suite *backscatter_properties_suite(void);

#endif
