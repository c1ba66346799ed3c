/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Postfix signer's protocol core (backscatter-socketmap.h)
   and of the edge signing rule it shares with the submission plugin
   (backscatter-signer.h): netstrings whole, split and broken, and the
   answer to each kind of key. */

#include "lib.h"
#include "str.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-socketmap.h"
#include "check-common.h"

#define PRVS_KEY "prvs 3 2020-01-01 - secret\n"
#define NOW ((time_t)20600 * BACKSCATTER_SECS_PER_DAY + 12 * 60 * 60)

struct socketmap_test {
	pool_t pool;
	struct backscatter_settings *set;
	struct backscatter_keyring *keyring;
	struct backscatter_daemon map;
};

static void
socketmap_test_init_domains(struct socketmap_test *t, bool keys,
			    const char *scheme, const char *form,
			    const char *domains)
{
	i_zero(t);
	t->pool = pool_alloconly_create("socketmap test", 4096);
	t->set = test_settings_new(t->pool);
	t->set->sign_domains = domains;
	t->set->sign_scheme = scheme;
	t->set->tag_form = form;
	test_settings_check(t->set, t->pool);
	if (keys)
		t->keyring = test_keyring(TEST_BS1_KEY PRVS_KEY);
	t->map.set = t->set;
	t->map.keyring = t->keyring;
	t->map.event = event_create(NULL);
}

static void
socketmap_test_init(struct socketmap_test *t, bool keys,
		    const char *scheme, const char *form)
{
	socketmap_test_init_domains(t, keys, scheme, form,
				    "example.com Example.NET");
}

static void socketmap_test_deinit(struct socketmap_test *t)
{
	event_unref(&t->map.event);
	backscatter_keyring_free(&t->keyring);
	pool_unref(&t->pool);
}

/* Dovecot 2.3 and 2.4 disagree on str_begins(); strncmp() does not */
static bool starts_with(const char *str, const char *prefix)
{
	return strncmp(str, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *str, const char *suffix)
{
	size_t len = strlen(str), suffix_len = strlen(suffix);

	return len >= suffix_len && strcmp(str + len - suffix_len, suffix) == 0;
}

/* The errors logged while capturing, one line each */
static string_t *captured_errors;
static failure_callback_t *saved_error_handler;

static void ATTR_FORMAT(2, 0)
capture_error(const struct failure_context *ctx ATTR_UNUSED,
	      const char *format, va_list args)
{
	str_vprintfa(captured_errors, format, args);
	str_append_c(captured_errors, '\n');
}

static void capture_errors_start(void)
{
	failure_callback_t *fatal, *info, *debug;

	i_get_failure_handlers(&fatal, &saved_error_handler, &info, &debug);
	captured_errors = str_new(default_pool, 256);
	i_set_error_handler(capture_error);
}

/* Returns what was logged since capture_errors_start() and stops */
static const char *capture_errors_end(void)
{
	const char *errors = t_strdup(str_c(captured_errors));

	i_set_error_handler(saved_error_handler);
	str_free(&captured_errors);
	return errors;
}

/* The reply payload to one request */
static const char *lookup(struct socketmap_test *t, const char *request)
{
	string_t *reply = t_str_new(128);
	const unsigned char *payload;
	size_t payload_size, used;
	const char *error;

	backscatter_socketmap_lookup(&t->map, (const void *)request,
				     strlen(request), NOW, reply);
	ck_assert_int_eq(backscatter_netstring_parse(str_data(reply),
		str_len(reply), SIZE_MAX, &payload, &payload_size, &used,
		&error), 1);
	ck_assert_uint_eq(used, str_len(reply));
	return t_strndup(payload, payload_size);
}

/*
 * Netstrings
 */

static const struct {
	const char *input;
	int ret;
	const char *payload;
	size_t used;
} netstring_tests[] = {
	{ "", 0, NULL, 0 },
	{ "1", 0, NULL, 0 },
	{ "12", 0, NULL, 0 },
	{ "5:hel", 0, NULL, 0 },
	{ "5:hello", 0, NULL, 0 },
	{ "0:,", 1, "", 3 },
	{ "5:hello,", 1, "hello", 8 },
	{ "5:hello,3:abc,", 1, "hello", 8 },
	{ "5:he,lo,", 1, "he,lo", 8 },
	{ "10000:", 0, NULL, 0 },
	{ "10001:", -1, NULL, 0 },
	{ "99999999999999999999999", -1, NULL, 0 },
	{ "000000:", -1, NULL, 0 },
	{ ":hello,", -1, NULL, 0 },
	{ "hello", -1, NULL, 0 },
	{ "-1:,", -1, NULL, 0 },
	{ " 5:hello,", -1, NULL, 0 },
	{ "5;hello,", -1, NULL, 0 },
	{ "5:hello;", -1, NULL, 0 },
	{ "5:hellox,", -1, NULL, 0 },
};

START_TEST(test_netstring_parse)
{
	const char *input = netstring_tests[_i].input;
	const unsigned char *payload;
	size_t payload_size, used;
	const char *error = NULL;
	int ret;

	ret = backscatter_netstring_parse((const void *)input, strlen(input),
					  BACKSCATTER_SOCKETMAP_MAX_REQUEST,
					  &payload, &payload_size, &used,
					  &error);
	ck_assert_msg(ret == netstring_tests[_i].ret, "'%s': %d", input, ret);
	if (ret > 0) {
		ck_assert_str_eq(t_strndup(payload, payload_size),
				 netstring_tests[_i].payload);
		ck_assert_uint_eq(used, netstring_tests[_i].used);
	} else if (ret < 0) {
		ck_assert_ptr_nonnull(error);
	}
}
END_TEST

START_TEST(test_netstring_append)
{
	string_t *str = t_str_new(32);

	backscatter_netstring_append(str, "", 0);
	backscatter_netstring_append(str, "OK a@b", 6);
	ck_assert_str_eq(str_c(str), "0:,6:OK a@b,");
}
END_TEST

/*
 * Lookups
 */

START_TEST(test_lookup_signs_our_senders)
{
	struct socketmap_test t;
	struct backscatter_tag_settings tag_set;
	struct backscatter_verification result;
	struct smtp_address *address;
	const char *reply, *error;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	reply = lookup(&t, "sign alice@example.com");
	ck_assert_msg(starts_with(reply, "OK alice+bs1="), "%s", reply);
	ck_assert_msg(smtp_address_parse_path(pool_datastack_create(),
		reply + 3, SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL, &address,
		&error) == 0, "%s", error);
	backscatter_settings_get_tag_settings(t.set, &tag_set);
	backscatter_verify(t.keyring, &tag_set, address, NOW,
			   pool_datastack_create(), &result);
	ck_assert_int_eq(result.verdict, BACKSCATTER_VERDICT_VALID);

	/* Domains match whatever their case */
	reply = lookup(&t, "sign Bob@EXAMPLE.net");
	ck_assert_msg(starts_with(reply, "OK Bob+bs1="), "%s", reply);
	socketmap_test_deinit(&t);
}
END_TEST

START_TEST(test_lookup_scheme_and_form)
{
	struct socketmap_test t;
	const char *reply;

	socketmap_test_init(&t, TRUE, "prvs", "prefix");
	reply = lookup(&t, "sign alice@example.com");
	ck_assert_msg(starts_with(reply, "OK prvs=3") &&
		      ends_with(reply, "=alice@example.com"), "%s", reply);
	ck_assert_uint_eq(strlen(reply), strlen("OK prvs=3DDDHHHHHH=") +
			  strlen("alice@example.com"));
	socketmap_test_deinit(&t);
}
END_TEST

START_TEST(test_lookup_notfound)
{
	static const char *const keys[] = {
		"", "<>", "alice", "@example.com", "alice@example.org",
		"alice@mail.example.com", "alice@example.com.evil",
		"alice+bs1=forgedforgedforge@example.com",
		"\"a b\"@example.com", "not an address",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"@example.com",
	};
	struct socketmap_test t;
	const char *tagged, *reply;
	unsigned int i;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	for (i = 0; i < N_ELEMENTS(keys); i++) {
		reply = lookup(&t, t_strconcat("sign ", keys[i], NULL));
		ck_assert_msg(strcmp(reply, "NOTFOUND ") == 0, "'%s': '%s'",
			      keys[i], reply);
	}
	/* What we signed maps to itself no further */
	tagged = lookup(&t, "sign alice@example.com") + 3;
	ck_assert_str_eq(lookup(&t, t_strconcat("sign ", tagged, NULL)),
			 "NOTFOUND ");
	socketmap_test_deinit(&t);
}
END_TEST

START_TEST(test_lookup_without_keys)
{
	struct socketmap_test t;

	/* Mail must flow unsigned, not be deferred */
	socketmap_test_init(&t, FALSE, "bs1", "subaddress");
	ck_assert_str_eq(lookup(&t, "sign alice@example.com"), "NOTFOUND ");
	socketmap_test_deinit(&t);
}
END_TEST

/* What the signer cannot understand gets NOTFOUND, never PERM or TEMP:
   Postfix would defer the mail on either. The log says why. */
START_TEST(test_lookup_bad_requests)
{
	static const struct {
		const char *request;
		const char *log;
	} requests[] = {
		{ "sign", "request has no key" },
		{ "", "request has no key" },
		{ "virtual alice@example.com", "unknown map 'virtual' " },
		{ "SIGN alice@example.com", "unknown map 'SIGN' " },
		{ "sign alice@example.com\r\n",
		  "control characters in request" },
	};
	struct socketmap_test t;
	string_t *reply = t_str_new(64);
	const char *errors;
	unsigned int i;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	for (i = 0; i < N_ELEMENTS(requests); i++) {
		capture_errors_start();
		ck_assert_str_eq(lookup(&t, requests[i].request), "NOTFOUND ");
		errors = capture_errors_end();
		ck_assert_msg(strstr(errors, requests[i].log) != NULL,
			      "'%s': logged '%s'", requests[i].request, errors);
	}
	capture_errors_start();
	backscatter_socketmap_lookup(&t.map, (const void *)"sign a\0@b.c", 11,
				     NOW, reply);
	errors = capture_errors_end();
	ck_assert_str_eq(str_c(reply), "9:NOTFOUND ,");
	ck_assert_msg(strstr(errors, "control characters") != NULL, "%s",
		      errors);
	socketmap_test_deinit(&t);
}
END_TEST

/*
 * Input streams
 */

START_TEST(test_input_batches)
{
	static const char input[] =
		"20:sign bob@example.org,7:sign <>,5:sign ,4:sign,9:sign bo";
	struct socketmap_test t;
	string_t *reply = t_str_new(128);
	size_t used;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	ck_assert_int_eq(backscatter_socketmap_input(&t.map,
		(const void *)input, strlen(input), NOW, reply, &used), 0);
	/* The incomplete last request stays for the next read */
	ck_assert_uint_eq(used, strlen(input) - strlen("9:sign bo"));
	ck_assert_str_eq(str_c(reply), "9:NOTFOUND ,9:NOTFOUND ,9:NOTFOUND ,"
			 "9:NOTFOUND ,");
	socketmap_test_deinit(&t);
}
END_TEST

/* However the input is split, the replies are the same */
START_TEST(test_input_split_anywhere)
{
	static const char input[] =
		"22:sign alice@example.com,20:sign bob@example.org,7:sign <>,";
	struct socketmap_test t;
	string_t *whole = t_str_new(128), *pieces = t_str_new(128);
	string_t *pending = t_str_new(128);
	size_t i, used;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	ck_assert_int_eq(backscatter_socketmap_input(&t.map,
		(const void *)input, strlen(input), NOW, whole, &used), 0);
	ck_assert_uint_eq(used, strlen(input));
	for (i = 0; i < strlen(input); i++) {
		str_append_c(pending, input[i]);
		ck_assert_int_eq(backscatter_socketmap_input(&t.map,
			str_data(pending), str_len(pending), NOW, pieces,
			&used), 0);
		str_delete(pending, 0, used);
	}
	ck_assert_uint_eq(str_len(pending), 0);
	ck_assert_str_eq(str_c(pieces), str_c(whole));
	socketmap_test_deinit(&t);
}
END_TEST

START_TEST(test_input_protocol_errors)
{
	static const char *const inputs[] = {
		"hello", "5:hello;", "10001:", "7:sign <>,x", "7:sign <>,12;",
	};
	struct socketmap_test t;
	string_t *reply;
	const char *errors;
	size_t used;
	unsigned int i;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	for (i = 0; i < N_ELEMENTS(inputs); i++) {
		reply = t_str_new(128);
		capture_errors_start();
		ck_assert_int_eq(backscatter_socketmap_input(&t.map,
			(const void *)inputs[i], strlen(inputs[i]), NOW,
			reply, &used), -1);
		errors = capture_errors_end();
		/* The requests before the broken one are answered, then
		   the broken one NOTFOUND too: the mail leaves unsigned
		   instead of being deferred */
		ck_assert_str_eq(str_c(reply), starts_with(inputs[i], "7:") ?
				 "9:NOTFOUND ,9:NOTFOUND ," : "9:NOTFOUND ,");
		ck_assert_msg(strstr(errors, "protocol error: netstring") !=
			      NULL, "'%s': logged '%s'", inputs[i], errors);
	}
	socketmap_test_deinit(&t);
}
END_TEST

START_TEST(test_input_truncated)
{
	struct socketmap_test t;
	string_t *reply = t_str_new(64);
	const char *errors;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	capture_errors_start();
	backscatter_socketmap_input_truncated(&t.map, reply);
	errors = capture_errors_end();
	ck_assert_str_eq(str_c(reply), "9:NOTFOUND ,");
	ck_assert_msg(strstr(errors, "closed within a request") != NULL,
		      "%s", errors);
	socketmap_test_deinit(&t);
}
END_TEST

/* The replies to one batch outgrow the reply's first allocation: it must
   grow where the caller made it (a t_str_new() of the daemon's frame),
   not in a lookup's own data stack frame, which panics. */
START_TEST(test_input_many_replies)
{
	struct socketmap_test t;
	string_t *input = t_str_new(1024), *reply = t_str_new(256);
	const char *request, *replies;
	size_t used;
	unsigned int i;

	socketmap_test_init(&t, TRUE, "bs1", "subaddress");
	for (i = 0; i < 30; i++) {
		request = t_strdup_printf("sign u%u@other.example", i);
		backscatter_netstring_append(input, request, strlen(request));
	}
	ck_assert_int_eq(backscatter_socketmap_input(&t.map, str_data(input),
		str_len(input), NOW, reply, &used), 0);
	ck_assert_uint_eq(used, str_len(input));
	replies = t_strdup(str_c(reply));
	ck_assert_uint_eq(strlen(replies), 30 * strlen("9:NOTFOUND ,"));
	for (i = 0; i < 30; i++) {
		ck_assert_msg(strncmp(replies + i * 12, "9:NOTFOUND ,", 12) ==
			      0, "reply %u: %s", i, replies);
	}
	socketmap_test_deinit(&t);
}
END_TEST

/* One reply alone longer than the reply's first allocation */
START_TEST(test_input_long_address)
{
	struct socketmap_test t;
	string_t *input = t_str_new(512), *reply = t_str_new(256);
	const char *domain, *request, *payload, *error;
	const unsigned char *data;
	size_t size, used;

	/* Four labels of 60 octets: a domain of 251 octets, near the
	   longest there is */
#define LABEL60 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	domain = LABEL60"."LABEL60"."LABEL60"."LABEL60".example";
#undef LABEL60
	ck_assert_uint_eq(strlen(domain), 251);
	socketmap_test_init_domains(&t, TRUE, "bs1", "subaddress", domain);
	request = t_strconcat("sign alice@", domain, NULL);
	backscatter_netstring_append(input, request, strlen(request));
	ck_assert_int_eq(backscatter_socketmap_input(&t.map, str_data(input),
		str_len(input), NOW, reply, &used), 0);
	ck_assert_uint_gt(str_len(reply), 256);
	ck_assert_int_eq(backscatter_netstring_parse(str_data(reply),
		str_len(reply), SIZE_MAX, &data, &size, &used, &error), 1);
	ck_assert_uint_eq(used, str_len(reply));
	payload = t_strndup(data, size);
	ck_assert_msg(starts_with(payload, "OK alice+bs1=") &&
		      ends_with(payload, t_strconcat("@", domain, NULL)),
		      "%s", payload);
	socketmap_test_deinit(&t);
}
END_TEST

Suite *backscatter_socketmap_suite(void)
{
	Suite *s = suite_create("socketmap");
	TCase *tc;

	tc = tcase_create("netstrings");
	tcase_add_loop_test(tc, test_netstring_parse, 0,
			    N_ELEMENTS(netstring_tests));
	tcase_add_test(tc, test_netstring_append);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookups");
	tcase_add_test(tc, test_lookup_signs_our_senders);
	tcase_add_test(tc, test_lookup_scheme_and_form);
	tcase_add_test(tc, test_lookup_notfound);
	tcase_add_test(tc, test_lookup_without_keys);
	tcase_add_test(tc, test_lookup_bad_requests);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_test(tc, test_input_batches);
	tcase_add_test(tc, test_input_split_anywhere);
	tcase_add_test(tc, test_input_protocol_errors);
	tcase_add_test(tc, test_input_truncated);
	tcase_add_test(tc, test_input_many_replies);
	tcase_add_test(tc, test_input_long_address);
	suite_add_tcase(s, tc);
	return s;
}
