/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of return-path tags: the Exim prvs vectors, the bs1
   vectors made by an independent implementation (tests/vectors/), and the
   verdicts at their boundaries. */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "base64.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-key-cache.h"
#include "backscatter-mac.h"
#include "backscatter-verify.h"
#include "check-common.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#define NOON (12 * 60 * 60)

static bool has_prefix(const char *str, const char *prefix)
{
	return strncmp(str, prefix, strlen(prefix)) == 0;
}

static const struct backscatter_tag_settings exim_like_set = {
	/* Exim's prvscheck: seven days, no grace, no skew */
	.delimiters = "+",
	.lifetime_days = 7,
	.grace_days = 0,
	.clock_skew_secs = 0,
};

static const struct backscatter_tag_settings default_set = {
	.delimiters = "+",
	.lifetime_days = 7,
	.grace_days = 1,
	.clock_skew_secs = 3600,
};

static const char *address_str(const struct smtp_address *address)
{
	return t_strconcat(address->localpart, "@", address->domain, NULL);
}

static const char *const *tsv_rows(const char *name)
{
	const char *const *lines = t_strsplit(str_c(test_data_read(name)),
					      "\n");
	ARRAY_TYPE(const_string) rows;
	bool header_seen = FALSE;

	t_array_init(&rows, 256);
	/* skip comments and the header line */
	for (; *lines != NULL; lines++) {
		if (**lines == '\0' || **lines == '#')
			continue;
		if (header_seen)
			array_push_back(&rows, lines);
		header_seen = TRUE;
	}
	array_append_zero(&rows);
	return array_front(&rows);
}

static enum backscatter_verdict
verify(const struct backscatter_keyring *kr,
       const struct backscatter_tag_settings *set, const char *addr,
       time_t now, struct backscatter_verification *result)
{
	backscatter_verify(kr, set, test_address(addr), now,
			   pool_datastack_create(), result);
	return result->verdict;
}

#define ck_assert_verdict(got, expected, what) \
	ck_assert_msg((got) == (expected), "%s: %s, expected %s", what, \
		      backscatter_verdict_to_str(got), \
		      backscatter_verdict_to_str(expected))

/*
 * prvs: Exim's signing vectors
 */

START_TEST(test_exim_prvs_vectors)
{
	const char *const *rows = tsv_rows("exim/vectors-exim-prvs.tsv");
	unsigned int checked = 0, signed_checked = 0;

	for (; *rows != NULL; rows++) {
		const char *const *f = t_strsplit(*rows, "\t");
		const char *addr = f[0], *key = f[1], *keynum = f[2];
		const char *ddd = f[5], *expected = f[7];
		char mac[7];

		if (has_prefix(expected, "Failed:"))
			continue;
		if (has_prefix(keynum, "(absent"))
			keynum = "0";

		backscatter_prvs_mac((const unsigned char *)key, strlen(key),
				     t_strconcat(keynum, ddd, NULL), addr, mac);
		ck_assert_str_eq(t_strdup_printf("prvs=%s%s%s=%s", keynum,
						 ddd, mac, addr), expected);
		checked++;

		/* Our signer lower-cases; where Exim's input already was,
		   signing must give Exim's result */
		if (strcmp(addr, t_str_lcase(addr)) == 0 && *addr != '"' &&
		    *key != '\0') {
			struct backscatter_keyring *kr;
			const struct smtp_address *tagged;
			const char *reason;
			unsigned int gen_day;

			ck_assert(str_to_uint(f[4], &gen_day) == 0);
			kr = test_keyring(t_strdup_printf(
				"prvs %s 2020-01-01 - %s", keynum, key));
			ck_assert_msg(backscatter_sign(kr, &exim_like_set,
				BACKSCATTER_SCHEME_PRVS,
				BACKSCATTER_TAG_FORM_PREFIX, test_address(addr),
				(time_t)gen_day * 86400 + NOON, &tagged,
				&reason) == 1, "%s: %s", addr, reason);
			ck_assert_str_eq(address_str(tagged), expected);
			backscatter_keyring_free(&kr);
			signed_checked++;
		}
	}
	/* 236 vectors, of which those with lower-case dot-atom addresses
	   and non-empty keys are also signed */
	ck_assert_uint_eq(checked, 236);
	ck_assert_uint_ge(signed_checked, 100);
}
END_TEST

/*
 * prvs: Exim's prvscheck
 */

/* Our verdict for each prvscheck case, checked with Exim's seven days and
   no grace or skew. Where it differs from Exim's VALID/INVALID, the
   reason is given (docs/bs1-tag-format.md, "prvs"). */
static const struct {
	const char *name;
	enum backscatter_verdict verdict;
	const char *deviation;
} prvscheck_expected[] = {
	{ "age +0 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +1 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +6 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +7 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +8 days", BACKSCATTER_VERDICT_EXPIRED, NULL },
	{ "age +30 days", BACKSCATTER_VERDICT_EXPIRED, NULL },
	{ "age +500 days", BACKSCATTER_VERDICT_EXPIRED, NULL },
	{ "age +745 days", BACKSCATTER_VERDICT_EXPIRED, NULL },
	{ "age +746 days", BACKSCATTER_VERDICT_EXPIRED,
	  "Exim compares DDD with today mod 1000 without the draft's window" },
	{ "age +993 days", BACKSCATTER_VERDICT_EXPIRED, "same" },
	{ "age +999 days", BACKSCATTER_VERDICT_EXPIRED, "same" },
	/* 1000 days on, DDD comes round again: the draft's window accepts
	   it as Exim does; BATV's known replay cycle */
	{ "age +1000 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +1007 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "age +1008 days", BACKSCATTER_VERDICT_EXPIRED, NULL },
	{ "age -1 day (clock skew, checker behind)",
	  BACKSCATTER_VERDICT_EXPIRED,
	  "expiry beyond today + lifetime: a skew of a whole day exceeds "
	  "backscatter_tag_clock_skew" },
	{ "age -200 days (stamp far in future)", BACKSCATTER_VERDICT_EXPIRED,
	  "Exim accepts any stamp in the future" },
	{ "wrong key", BACKSCATTER_VERDICT_FORGED, NULL },
	{ "key chosen by keynum (keynum 1->secret)",
	  BACKSCATTER_VERDICT_VALID, NULL },
	{ "uppercase hex hash", BACKSCATTER_VERDICT_VALID,
	  "hex is accepted in either case" },
	{ "uppercase PRVS= prefix", BACKSCATTER_VERDICT_VALID, NULL },
	{ "local part case changed", BACKSCATTER_VERDICT_VALID,
	  "the lower-cased local part is tried too" },
	{ "domain case changed", BACKSCATTER_VERDICT_VALID,
	  "domains carry no case, and MTAs change it on the way back" },
	{ "old slash syntax prvs=user/KDDDHHHHHH@dom",
	  BACKSCATTER_VERDICT_FORGED,
	  "a prvs= local part that is no prvs tag is malformed, not untagged" },
	{ "old order user=tag syntax", BACKSCATTER_VERDICT_FORGED, "same" },
	{ "not prvs", BACKSCATTER_VERDICT_UNSIGNED, NULL },
	{ "keynum digit altered 1->0 (same key supplied)",
	  BACKSCATTER_VERDICT_FORGED, NULL },
	{ "DDD altered 261->262", BACKSCATTER_VERDICT_FORGED, NULL },
	{ "wrap tag (DDD=002) age +0 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "wrap tag (DDD=002) age +3 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "wrap tag (DDD=002) age +4 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "wrap tag (DDD=002) age +6 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "wrap tag (DDD=002) age +7 days", BACKSCATTER_VERDICT_VALID, NULL },
	{ "wrap tag (DDD=002) age +8 days", BACKSCATTER_VERDICT_EXPIRED,
	  NULL },
};

START_TEST(test_exim_prvscheck_vectors)
{
	const char *const *rows = tsv_rows("exim/vectors-exim-prvscheck.tsv");
	unsigned int i, cases = 0;

	for (; *rows != NULL; rows++) {
		const char *const *f = t_strsplit(*rows, "\t");
		const char *name = f[0], *tagged = f[1], *key_expr = f[2];
		struct backscatter_keyring *kr;
		struct backscatter_verification result;
		enum backscatter_verdict got;
		unsigned int check_day;

		for (i = 0; i < N_ELEMENTS(prvscheck_expected); i++) {
			if (strcmp(prvscheck_expected[i].name, name) == 0)
				break;
		}
		ck_assert_msg(i < N_ELEMENTS(prvscheck_expected),
			      "no expectation for case '%s'", name);
		ck_assert(str_to_uint(f[4], &check_day) == 0);

		/* The key expression picks "secret" for key 1, otherwise
		   the literal key */
		kr = test_keyring(has_prefix(key_expr, "${") ?
			"prvs 1 2020-01-01 - secret\n"
			"prvs 0 2020-01-01 - otherkey\n" :
			t_strdup_printf("prvs 1 2020-01-01 - %s\n"
					"prvs 0 2020-01-01 - %s\n",
					key_expr, key_expr));
		got = verify(kr, &exim_like_set, tagged,
			     (time_t)check_day * 86400 + NOON, &result);
		ck_assert_msg(got == prvscheck_expected[i].verdict,
			      "%s: %s (%s), expected %s", name,
			      backscatter_verdict_to_str(got), backscatter_verification_reason(&result),
			      backscatter_verdict_to_str(
				prvscheck_expected[i].verdict));
		/* Where Exim says VALID and no deviation is documented, we
		   must say valid too, and the other way round */
		if (prvscheck_expected[i].deviation == NULL &&
		    strchr(f[6], '|') != NULL) {
			ck_assert_msg((got == BACKSCATTER_VERDICT_VALID) ==
				      has_prefix(f[6], "VALID|"),
				      "%s disagrees with Exim", name);
		}
		backscatter_keyring_free(&kr);
		cases++;
	}
	ck_assert_uint_eq(cases, N_ELEMENTS(prvscheck_expected));
}
END_TEST

/*
 * bs1: vectors from the independent implementation
 */

START_TEST(test_bs1_vectors)
{
	const char *const *rows = tsv_rows("bs1-vectors.tsv");
	unsigned int count = 0;

	for (; *rows != NULL; rows++) {
		const char *const *f = t_strsplit(*rows, "\t");
		const char *key_b64 = f[0], *addr = f[3], *form_name = f[4];
		const char *mac_input = f[5], *expected = f[6];
		unsigned int key_id, day;
		struct backscatter_keyring *kr;
		struct backscatter_verification result;
		enum backscatter_tag_form form;
		const struct smtp_address *tagged;
		const char *kid_day, *reason;

		ck_assert(str_to_uint(f[1], &key_id) == 0);
		ck_assert(str_to_uint(f[2], &day) == 0);
		ck_assert(backscatter_tag_form_from_str(form_name, &form));

		kid_day = backscatter_tag_kid_day(BACKSCATTER_SCHEME_BS1,
						  key_id, day);
		ck_assert_str_eq(t_strdup_printf("bs1=%s=%s", kid_day,
			backscatter_canonical_address(test_address(addr))),
			mac_input);

		kr = test_keyring(t_strdup_printf("bs1 %u 2020-01-01 - %s",
					     key_id, key_b64));
		/* Sign on the day that gives this expiry day */
		ck_assert_int_eq(backscatter_sign(kr, &default_set,
			BACKSCATTER_SCHEME_BS1, form, test_address(addr),
			(time_t)(day - 7) * 86400 + NOON, &tagged, &reason),
			1);
		ck_assert_str_eq(address_str(tagged), expected);

		/* ... and the tag verifies, back to the address */
		ck_assert_verdict(verify(kr, &default_set, expected,
					 (time_t)(day - 3) * 86400, &result),
				  BACKSCATTER_VERDICT_VALID, expected);
		ck_assert_str_eq(address_str(&result.tag.untagged), addr);
		ck_assert_uint_eq(result.expiry_day, day);
		backscatter_keyring_free(&kr);
		count++;
	}
	ck_assert_uint_eq(count, 18);
}
END_TEST

/*
 * Tag syntax
 */

static const struct {
	const char *address;
	int ret;	/* of backscatter_tag_parse() */
} parse_cases[] = {
	{ "alice@example.com", 0 },
	{ "alice+news@example.com", 0 },
	{ "bs1@example.com", 0 },
	{ "prvs@example.com", 0 },
	{ "alice+bs1@example.com", 0 },
	{ "SRS0=HHH=TT=example.org=alice@forwarder.example", 0 },
	{ "btv1==0123==alice@example.com", 0 },
	{ "alice+bs1=aaaaaaaaaaaaaaaaa@example.com", 1 },
	{ "ALICE+BS1=AAAAAAAAAAAAAAAAA@EXAMPLE.COM", 1 },
	{ "bs1=aaaaaaaaaaaaaaaaa=alice@example.com", 1 },
	{ "prvs=1261576c6a=user@example.com", 1 },
	{ "PRVS=1261576C6A=user@example.com", 1 },
	{ "user+prvs=1261576c6a@example.com", 1 },
	{ "a+b+bs1=aaaaaaaaaaaaaaaaa@example.com", 1 },
	/* malformed */
	{ "bs1==x@y", -1 },
	{ "bs1=aaaaaaaaaaaaaaaa=alice@example.com", -1 },	/* 16 chars */
	{ "bs1=aaaaaaaaaaaaaaaaaa=alice@example.com", -1 },	/* 18 chars */
	{ "bs1=aaaaaaaaaaaaaaa1a=alice@example.com", -1 },	/* '1' */
	{ "bs1=aaaaaaaaaaaaaaaaa=@example.com", -1 },
	{ "bs1=aaaaaaaaaaaaaaaaa=alice", -1 },			/* no domain */
	{ "+bs1=aaaaaaaaaaaaaaaaa@example.com", -1 },
	{ "alice+bs1=aaaaaaaaaaaaaaaaa+bs1=baaaaaaaaaaaaaaaa@example.com", -1 },
	{ "bs1=aaaaaaaaaaaaaaaaa=alice+bs1=aaaaaaaaaaaaaaaaa@example.com", -1 },
	{ "bs1=aaaaaaaaaaaaaaaaa=prvs=1261576c6a=u@example.com", -1 },
	{ "prvs=x261576c6a=user@example.com", -1 },
	{ "prvs=1261576c6g=user@example.com", -1 },
	{ "prvs=1261576c6a@example.com", -1 },
};

START_TEST(test_parse)
{
	struct backscatter_tag tag;
	const char *error = NULL;
	const char *addr = parse_cases[_i].address;
	int ret;

	ret = backscatter_tag_parse(test_address(addr), "+",
				    pool_datastack_create(), &tag, &error);
	ck_assert_msg(ret == parse_cases[_i].ret, "%s: %d (%s), expected %d",
		      addr, ret, ret < 0 ? error : "", parse_cases[_i].ret);
}
END_TEST

START_TEST(test_parse_hostile)
{
	/* 10,000 characters, with and without a tag marker */
	string_t *local = t_str_new(10100);
	struct backscatter_tag tag;
	const char *error;

	while (str_len(local) < 10000)
		str_append(local, "aaaaaaaaaa");
	ck_assert_int_eq(backscatter_tag_parse(test_address(t_strconcat(
		str_c(local), "@example.com", NULL)), "+",
		pool_datastack_create(), &tag, &error), 0);
	str_append(local, "+bs1=aaaaaaaaaaaaaaaaa");
	ck_assert_int_eq(backscatter_tag_parse(test_address(t_strconcat(
		str_c(local), "@example.com", NULL)), "+",
		pool_datastack_create(), &tag, &error), -1);
	/* a null address and a local part without domain */
	ck_assert_int_eq(backscatter_tag_parse(NULL, "+",
		pool_datastack_create(), &tag, &error), 0);
	ck_assert_int_eq(backscatter_tag_parse(test_address("alice"), "+",
		pool_datastack_create(), &tag, &error), 0);
}
END_TEST

START_TEST(test_parse_delimiters)
{
	struct backscatter_tag tag;
	const char *error;

	/* any of the configured delimiters; not others */
	ck_assert_int_eq(backscatter_tag_parse(
		test_address("alice-bs1=aaaaaaaaaaaaaaaaa@example.com"), "+-",
		pool_datastack_create(), &tag, &error), 1);
	ck_assert_str_eq(tag.untagged.localpart, "alice");
	ck_assert_int_eq(backscatter_tag_parse(
		test_address("alice-bs1=aaaaaaaaaaaaaaaaa@example.com"), "+",
		pool_datastack_create(), &tag, &error), 0);
}
END_TEST

/*
 * Verdicts
 */

#define PRVS_KEY "prvs 1 2020-01-01 - secret\n"
#define DAY0 20423	/* 2025-12-01 */

static const char *sign_at(struct backscatter_keyring *kr,
			   enum backscatter_scheme scheme,
			   enum backscatter_tag_form form, const char *addr,
			   time_t now)
{
	const struct smtp_address *tagged;
	const char *reason;

	ck_assert_int_eq(backscatter_sign(kr, &default_set, scheme, form,
					  test_address(addr), now, &tagged,
					  &reason), 1);
	return address_str(tagged);
}

START_TEST(test_expiry_boundaries)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY PRVS_KEY);
	struct backscatter_verification result;
	unsigned int s;

	for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
		const char *tag = sign_at(kr, s, BACKSCATTER_TAG_FORM_PREFIX,
					  "alice@example.com",
					  (time_t)DAY0 * 86400 + NOON);
		/* lifetime 7 days, then 1 day of grace, 1 hour of skew */
		ck_assert_verdict(verify(kr, &default_set, tag,
			(time_t)DAY0 * 86400, &result),
			BACKSCATTER_VERDICT_VALID, tag);
		ck_assert_uint_eq(result.expiry_day, DAY0 + 7);
		ck_assert_verdict(verify(kr, &default_set, tag,
			(time_t)(DAY0 + 8) * 86400 + 86399, &result),
			BACKSCATTER_VERDICT_VALID, "last second of grace");
		ck_assert_verdict(verify(kr, &default_set, tag,
			(time_t)(DAY0 + 9) * 86400 + 3599, &result),
			BACKSCATTER_VERDICT_VALID, "within the clock skew");
		ck_assert_verdict(verify(kr, &default_set, tag,
			(time_t)(DAY0 + 9) * 86400 + 3600, &result),
			BACKSCATTER_VERDICT_EXPIRED, "past grace and skew");
		ck_assert_verdict(verify(kr, &default_set, tag,
			(time_t)(DAY0 + 300) * 86400, &result),
			BACKSCATTER_VERDICT_EXPIRED, "long expired");
	}
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_bs1_future_is_forged)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY);
	struct backscatter_verification result;
	/* signed 400 days from now: no tag of ours expires that late,
	   whatever the lifetime (at most 365 days) */
	const char *tag = sign_at(kr, BACKSCATTER_SCHEME_BS1,
				  BACKSCATTER_TAG_FORM_SUBADDRESS,
				  "alice@example.com",
				  (time_t)(DAY0 + 400) * 86400);

	ck_assert_verdict(verify(kr, &default_set, tag,
		(time_t)DAY0 * 86400, &result), BACKSCATTER_VERDICT_FORGED,
		"expiry far ahead");
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_lifetime_shortened)
{
	struct backscatter_tag_settings long_set = default_set;
	struct backscatter_tag_settings short_set = default_set;
	struct backscatter_verification result;
	const struct smtp_address *tagged;
	struct backscatter_keyring *kr;
	unsigned int scheme;
	const char *tag;

	/* Tags signed with a 60 days' lifetime (by this server before the
	   admin shortened it, or by a signer elsewhere) stay valid until
	   they expire, under a lifetime of 1 day */
	long_set.lifetime_days = 60;
	short_set.lifetime_days = 1;
	for (scheme = 0; scheme < BACKSCATTER_SCHEME_COUNT; scheme++) {
		kr = test_keyring(t_strdup_printf("%s%s", TEST_BS1_KEY,
			"prvs 1 2025-11-01 - secret\n"));
		ck_assert_int_eq(backscatter_sign(kr, &long_set, scheme,
			BACKSCATTER_TAG_FORM_SUBADDRESS,
			smtp_address_create(pool_datastack_create(), "alice",
					    "example.com"),
			(time_t)DAY0 * 86400 + NOON, &tagged, &tag), 1);
		tag = smtp_address_encode(tagged);
		ck_assert_verdict(verify(kr, &short_set, tag,
			(time_t)(DAY0 + 30) * 86400, &result),
			BACKSCATTER_VERDICT_VALID, tag);
		ck_assert_verdict(verify(kr, &short_set, tag,
			(time_t)(DAY0 + 62) * 86400 + NOON, &result),
			BACKSCATTER_VERDICT_EXPIRED, tag);
		backscatter_keyring_free(&kr);
	}
}
END_TEST

START_TEST(test_tampering)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY PRVS_KEY);
	struct backscatter_verification result;
	time_t now = (time_t)DAY0 * 86400 + NOON;
	unsigned int s, i;

	for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
		const char *tag = sign_at(kr, s,
			BACKSCATTER_TAG_FORM_SUBADDRESS, "alice@example.com",
			now);
		const char *value = strchr(tag, '=') + 1;
		size_t start = value - tag, len = strchr(tag, '@') - value;

		/* Every character of the tag value, changed to another of
		   its alphabet, makes it forged */
		for (i = 0; i < len; i++) {
			char *copy = t_strdup_noconst(tag);
			char c = copy[start + i];

			copy[start + i] = c == '2' ? '3' :
				(c == 'a' ? 'b' : (i_isdigit(c) ? '0' + (c - '0' + 1) % 10 : 'a'));
			if (copy[start + i] == c)
				continue;
			ck_assert_verdict(verify(kr, &default_set, copy, now,
						 &result),
					  BACKSCATTER_VERDICT_FORGED, copy);
		}
		/* ... as does another address under the same tag */
		ck_assert_verdict(verify(kr, &default_set,
			t_strconcat("bob", strchr(tag, '+'), NULL), now,
			&result), BACKSCATTER_VERDICT_FORGED, "other user");
	}
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_case_changes)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY PRVS_KEY);
	struct backscatter_verification result;
	time_t now = (time_t)DAY0 * 86400 + NOON;
	const char *tag;

	/* bs1 is case-insensitive through and through */
	tag = sign_at(kr, BACKSCATTER_SCHEME_BS1,
		      BACKSCATTER_TAG_FORM_SUBADDRESS, "Alice@Example.com",
		      now);
	ck_assert_verdict(verify(kr, &default_set, t_str_ucase(
		t_strdup(tag)), now, &result), BACKSCATTER_VERDICT_VALID,
		"upper-cased bs1");
	ck_assert_verdict(verify(kr, &default_set, t_str_lcase(
		t_strdup(tag)), now, &result), BACKSCATTER_VERDICT_VALID,
		"lower-cased bs1");
	ck_assert_str_eq(result.tag.untagged.localpart, "alice");

	/* prvs: an upper-cased local part and hex still verify */
	tag = sign_at(kr, BACKSCATTER_SCHEME_PRVS,
		      BACKSCATTER_TAG_FORM_PREFIX, "alice@example.com", now);
	ck_assert_verdict(verify(kr, &default_set,
		t_strconcat(t_str_ucase(t_strdup_until(tag,
			strchr(tag, '@'))), strchr(tag, '@'), NULL), now,
		&result), BACKSCATTER_VERDICT_VALID, "upper-cased prvs");
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_key_rotation)
{
	/* key 0 retires on DAY0, key 1 signs from then on */
	struct backscatter_keyring *kr = test_keyring(t_strdup_printf(
		"# rotation\n"
		"bs1 0 2025-10-01 %s AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		"bs1 1 %s - //////////////////////////////////////////8=\n",
		backscatter_day_to_str(DAY0), backscatter_day_to_str(DAY0)));
	struct backscatter_verification result;
	const char *old_tag, *new_tag;

	old_tag = sign_at(kr, BACKSCATTER_SCHEME_BS1,
			  BACKSCATTER_TAG_FORM_SUBADDRESS, "alice@example.com",
			  (time_t)(DAY0 - 1) * 86400 + NOON);
	new_tag = sign_at(kr, BACKSCATTER_SCHEME_BS1,
			  BACKSCATTER_TAG_FORM_SUBADDRESS, "alice@example.com",
			  (time_t)DAY0 * 86400 + NOON);
	ck_assert_msg(strstr(old_tag, "+bs1=a") != NULL, "%s", old_tag);
	ck_assert_msg(strstr(new_tag, "+bs1=b") != NULL, "%s", new_tag);

	/* both verify during the overlap */
	ck_assert_verdict(verify(kr, &default_set, old_tag,
		(time_t)(DAY0 + 5) * 86400, &result),
		BACKSCATTER_VERDICT_VALID, "old key during overlap");
	ck_assert_verdict(verify(kr, &default_set, new_tag,
		(time_t)(DAY0 + 5) * 86400, &result),
		BACKSCATTER_VERDICT_VALID, "new key");
	/* the old key verifies until retirement + lifetime + grace ... */
	ck_assert_verdict(verify(kr, &default_set, old_tag,
		(time_t)(DAY0 + 8) * 86400 + NOON, &result),
		BACKSCATTER_VERDICT_EXPIRED, "old tag at the end of the overlap");
	/* ... its tags expire as any do ... */
	ck_assert_verdict(verify(kr, &default_set, old_tag,
		(time_t)(DAY0 + 9) * 86400 + NOON, &result),
		BACKSCATTER_VERDICT_EXPIRED, "old tag expired");
	/* ... and the key is gone when no tag it made can be valid, even
	   one made with the longest lifetime the settings allow */
	ck_assert_verdict(verify(kr, &default_set, old_tag,
		(time_t)(DAY0 + 368) * 86400 + NOON, &result),
		BACKSCATTER_VERDICT_FORGED, "old key gone");
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_unknown_and_unsigned)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY);
	struct backscatter_verification result;
	time_t now = (time_t)DAY0 * 86400;
	const char *tag = sign_at(kr, BACKSCATTER_SCHEME_BS1,
				  BACKSCATTER_TAG_FORM_PREFIX,
				  "alice@example.com", now);

	/* without keys nothing can be decided */
	ck_assert_verdict(verify(NULL, &default_set, tag, now, &result),
			  BACKSCATTER_VERDICT_UNKNOWN, "no keys, tagged");
	ck_assert_verdict(verify(NULL, &default_set, "alice@example.com",
				 now, &result),
			  BACKSCATTER_VERDICT_UNKNOWN, "no keys, untagged");
	ck_assert_verdict(verify(kr, &default_set, "alice@example.com", now,
				 &result), BACKSCATTER_VERDICT_UNSIGNED,
			  "untagged");
	/* a prvs tag while only bs1 keys exist: unknown key id */
	ck_assert_verdict(verify(kr, &default_set,
		"prvs=1261576c6a=user@example.com", now, &result),
		BACKSCATTER_VERDICT_FORGED, "no such key");
	ck_assert_verdict(verify(kr, &default_set, "bs1==x@y", now, &result),
			  BACKSCATTER_VERDICT_FORGED, "malformed");
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_sign_refusals)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY);
	const struct smtp_address *tagged;
	const char *reason;
	time_t now = (time_t)DAY0 * 86400;
	string_t *local = t_str_new(64);

	/* 42 + 22 = 64 octets: still signed; 43 would exceed RFC 5321 */
	while (str_len(local) < 42)
		str_append_c(local, 'a');
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address(t_strconcat(str_c(local), "@example.com", NULL)),
		now, &tagged, &reason), 1);
	ck_assert_uint_eq(strlen(tagged->localpart), 64);
	str_append_c(local, 'a');
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address(t_strconcat(str_c(local), "@example.com", NULL)),
		now, &tagged, &reason), 0);
	ck_assert_ptr_nonnull(strstr(reason, "64"));

	/* already tagged, quoted local part, no domain */
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address("prvs=1261576c6a=user@example.com"), now, &tagged,
		&reason), 0);
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address("john doe@example.com"), now, &tagged, &reason),
		0);
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address("alice"), now, &tagged, &reason), 0);
	/* no prvs key */
	ck_assert_int_eq(backscatter_sign(kr, &default_set,
		BACKSCATTER_SCHEME_PRVS, BACKSCATTER_TAG_FORM_PREFIX,
		test_address("alice@example.com"), now, &tagged, &reason), -1);
	backscatter_keyring_free(&kr);
}
END_TEST

/*
 * Key files
 */

static const struct {
	const char *text;
	const char *error;	/* NULL: accepted */
} keyfile_cases[] = {
	{ "", NULL },
	{ "# only a comment\n\n   \n", NULL },
	{ TEST_BS1_KEY PRVS_KEY, NULL },
	{ "prvs 9 2020-01-01 2020-02-01 TopSecret horse battery staple\r\n",
	  NULL },
	{ "bs2 0 2020-01-01 - x\n", "line 1: unknown scheme" },
	{ "# x\nbs1 32 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	  "line 2: bs1 key id must be a number from 0 to 31" },
	{ "prvs 10 2020-01-01 - secret\n",
	  "line 1: prvs key id must be a number from 0 to 9" },
	{ "prvs x 2020-01-01 - secret\n", "line 1: prvs key id" },
	{ PRVS_KEY PRVS_KEY, "line 2: prvs key 1 is already defined on line 1" },
	{ "prvs 1 2020-13-01 - TopSecret\n", "line 1: created date" },
	{ "prvs 1 2020-02-30 - TopSecret\n", "line 1: created date" },
	{ "prvs 1 2020-01-01 yesterday TopSecret\n", "line 1: retired date" },
	{ "prvs 1 2020-01-02 2020-01-01 TopSecret\n",
	  "line 1: retired date is before" },
	{ "prvs 1 2020-01-01 -\n", "line 1: key is missing" },
	{ "prvs 1\n", "line 1: created date is missing" },
	{ "bs1 0 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
	  "line 1: bs1 key is not the base64 of 32 bytes" },
	{ "bs1 0 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA\n",
	  "line 1: bs1 key is not the base64 of 32 bytes" },
	{ "bs1 0 2020-01-01 - !!ECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	  "line 1: bs1 key is not the base64 of 32 bytes" },
	{ "prvs 1 2020-01-01 - TopSecret0123456789abcdef0123456789abcdef0123456789abcdef01234567\n",
	  "line 1: prvs secret is longer than 64 bytes" },
};

void check_keyring_parse(const char *text, const char *expected)
{
	struct backscatter_keyring *kr = NULL;
	const char *error = NULL;
	int ret;

	ret = backscatter_keyring_parse("keys.txt", text, strlen(text), &kr,
					&error);
	if (expected == NULL) {
		ck_assert_msg(ret == 0, "'%s': %s", text, error);
		backscatter_keyring_free(&kr);
		return;
	}
	ck_assert_msg(ret < 0, "'%s' was accepted", text);
	ck_assert_msg(has_prefix(error, "keys.txt line"), "%s", error);
	ck_assert_msg(strstr(error, expected) != NULL, "'%s' lacks '%s'",
		      error, expected);
	/* never a key in an error message */
	ck_assert_ptr_null(strstr(error, "TopSecret"));
	ck_assert_ptr_null(strstr(error, "AAECAw"));
}

START_TEST(test_keyfile)
{
	check_keyring_parse(keyfile_cases[_i].text, keyfile_cases[_i].error);
}
END_TEST

START_TEST(test_keyfile_permissions)
{
	static const struct {
		unsigned int mode;
		bool accepted;
	} modes[] = {
		{ 0600, TRUE }, { 0640, TRUE }, { 0400, TRUE },
		{ 0644, FALSE }, { 0604, FALSE }, { 0660, FALSE },
		{ 0602, FALSE },
	};
	char path[] = "/tmp/backscatter-keys.XXXXXX";
	struct backscatter_keyring *kr;
	const char *error;
	unsigned int i;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, TEST_BS1_KEY, strlen(TEST_BS1_KEY)),
			 (int)strlen(TEST_BS1_KEY));
	i_close_fd(&fd);
	for (i = 0; i < N_ELEMENTS(modes); i++) {
		ck_assert_int_eq(chmod(path, modes[i].mode), 0);
		if (modes[i].accepted) {
			ck_assert_msg(backscatter_keyring_read(path, &kr,
				&error) == 0, "%04o: %s", modes[i].mode, error);
			ck_assert_uint_eq(backscatter_keyring_count(kr), 1);
			backscatter_keyring_free(&kr);
		} else {
			ck_assert_msg(backscatter_keyring_read(path, &kr,
				&error) < 0, "%04o accepted", modes[i].mode);
			ck_assert_ptr_nonnull(strstr(error, path));
			ck_assert_ptr_nonnull(strstr(error, "others"));
		}
	}
	i_unlink(path);
	ck_assert_int_lt(backscatter_keyring_read(path, &kr, &error), 0);
	ck_assert_ptr_nonnull(strstr(error, path));
}
END_TEST

START_TEST(test_keyfile_owner_and_directory)
{
	char dir[] = "/tmp/backscatter-keydir.XXXXXX";
	struct backscatter_keyring *kr;
	const char *path, *error;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = t_strconcat(dir, "/keys", NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, TEST_BS1_KEY, strlen(TEST_BS1_KEY)),
			 (int)strlen(TEST_BS1_KEY));
	i_close_fd(&fd);
	ck_assert_int_eq(backscatter_keyring_read(path, &kr, &error), 0);
	backscatter_keyring_free(&kr);

	/* a directory anyone may write: anyone could swap the file */
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_lt(backscatter_keyring_read(path, &kr, &error), 0);
	ck_assert_msg(strstr(error, "directory others may write") != NULL,
		      "%s", error);
	/* with the sticky bit only the owner may, as in /tmp */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_int_eq(backscatter_keyring_read(path, &kr, &error), 0);
	backscatter_keyring_free(&kr);
	ck_assert_int_eq(chmod(dir, 0700), 0);

	/* a file of another user (only root can make one here) */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 65534, (gid_t)-1), 0);
		ck_assert_int_lt(backscatter_keyring_read(path, &kr, &error),
				 0);
		ck_assert_msg(strstr(error, "owned by uid 65534") != NULL,
			      "%s", error);
		ck_assert_int_eq(chown(path, 0, (gid_t)-1), 0);
		ck_assert_int_eq(chown(dir, 65534, (gid_t)-1), 0);
		ck_assert_int_lt(backscatter_keyring_read(path, &kr, &error),
				 0);
		ck_assert_msg(strstr(error, "directory owned by uid") != NULL,
			      "%s", error);
	}
	i_unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The VmFlags of the mapping that holds addr, from /proc/self/smaps, or
   NULL */
static const char *mapping_flags(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long start, end, a = (unsigned long)addr;
	bool inside = FALSE;
	const char *flags = NULL;

	if (f == NULL)
		return NULL;
	while (flags == NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = a >= start && a < end;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0)
			flags = t_strdup(line);
	}
	fclose(f);
	return flags;
}

START_TEST(test_keyring_guarded_memory)
{
	struct backscatter_keyring *kr = test_keyring(TEST_BS1_KEY);
	const struct backscatter_key *key =
		backscatter_keyring_signing_key(kr, BACKSCATTER_SCHEME_BS1,
						"example.com", DAY0);
	const char *flags;

	ck_assert_ptr_nonnull(key);
	flags = mapping_flags(key->material);
	ck_assert_msg(flags != NULL, "no mapping found for the key");
	/* "dd": excluded from core dumps (MADV_DONTDUMP) */
	ck_assert_msg(strstr(flags, " dd") != NULL, "%s", flags);
	backscatter_keyring_free(&kr);
}
END_TEST

/* Counts what the key cache logs, by type */
static unsigned int key_cache_errors, key_cache_infos;

static void
key_cache_log_counter(const struct failure_context *ctx,
		      const char *format ATTR_UNUSED, va_list args ATTR_UNUSED)
{
	if (ctx->type == LOG_TYPE_ERROR)
		key_cache_errors++;
	else if (ctx->type == LOG_TYPE_INFO)
		key_cache_infos++;
}

static void key_cache_write(const char *path, const char *text)
{
	const char *tmp = t_strconcat(path, ".new", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	i_close_fd(&fd);
	/* a new inode, as editors and keygen --add make */
	ck_assert_int_eq(rename(tmp, path), 0);
}

START_TEST(test_key_cache_states)
{
	char dir[] = "/tmp/backscatter-key-cache.XXXXXX";
	struct event *event = event_create(NULL);
	failure_callback_t *fatal_handler, *error_handler, *info_handler;
	failure_callback_t *debug_handler;
	const char *path;
	unsigned int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = t_strconcat(dir, "/keys", NULL);
	/* restored after: without fork, the next tests log too */
	i_get_failure_handlers(&fatal_handler, &error_handler, &info_handler,
			       &debug_handler);
	i_set_error_handler(key_cache_log_counter);
	i_set_info_handler(key_cache_log_counter);
	key_cache_errors = key_cache_infos = 0;

	/* missing: no keys, one error however often it is asked */
	for (i = 0; i < 3; i++)
		ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_errors, 1);
	/* it appears: keys, and one line saying so */
	key_cache_write(path, TEST_BS1_KEY);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_infos, 1);
	/* replaced by garbage, by comments only, made world-readable:
	   each a new state, each logged once, none gives keys */
	key_cache_write(path, "garbage\n");
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_errors, 2);
	key_cache_write(path, "# no keys\n");
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_errors, 3);
	key_cache_write(path, TEST_BS1_KEY);
	ck_assert_ptr_nonnull(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_infos, 2);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_ptr_null(backscatter_key_cache_get(path, event));
	ck_assert_uint_eq(key_cache_errors, 4);
	/* fixed again: the same keys, read again */
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_uint_eq(backscatter_keyring_count(
		backscatter_key_cache_get(path, event)), 1);
	ck_assert_uint_eq(key_cache_infos, 3);
	/* no key file set: nothing, and no error */
	ck_assert_ptr_null(backscatter_key_cache_get("", event));
	ck_assert_uint_eq(key_cache_errors, 4);

	i_set_error_handler(error_handler);
	i_set_info_handler(info_handler);
	backscatter_key_cache_deinit();
	event_unref(&event);
	i_unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *backscatter_tag_suite(void)
{
	Suite *s = suite_create("backscatter-tag");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, test_exim_prvs_vectors);
	tcase_add_test(tc, test_exim_prvscheck_vectors);
	tcase_add_test(tc, test_bs1_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_loop_test(tc, test_parse, 0, N_ELEMENTS(parse_cases));
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_parse_delimiters);
	suite_add_tcase(s, tc);

	tc = tcase_create("verdicts");
	tcase_add_test(tc, test_expiry_boundaries);
	tcase_add_test(tc, test_bs1_future_is_forged);
	tcase_add_test(tc, test_lifetime_shortened);
	tcase_add_test(tc, test_tampering);
	tcase_add_test(tc, test_case_changes);
	tcase_add_test(tc, test_key_rotation);
	tcase_add_test(tc, test_unknown_and_unsigned);
	tcase_add_test(tc, test_sign_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_loop_test(tc, test_keyfile, 0, N_ELEMENTS(keyfile_cases));
	tcase_add_test(tc, test_keyfile_permissions);
	tcase_add_test(tc, test_keyfile_owner_and_directory);
	tcase_add_test(tc, test_keyring_guarded_memory);
	tcase_add_test(tc, test_key_cache_states);
	suite_add_tcase(s, tc);
	return s;
}
