/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of keys limited to domains (a hosting provider's tenants,
   backscatter-keys.h): the domains= field, ids shared across tenants,
   signing and rotation per domain, that one tenant's key forges nothing
   for another, and the events that report verdicts and signing
   (backscatter-events.h). */

#include "lib.h"
#include "str.h"
#include "smtp-address.h"
#include "event-filter.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"
#include "backscatter-settings.h"
#include "backscatter-signer.h"
#include "backscatter-triage.h"
#include "backscatter-events.h"
#include "check-common.h"

/* Three different 32-byte keys */
#define KEY_X "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_Y "//////////////////////////////////////////8="
#define KEY_Z "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define DAY0 20423	/* 2025-12-01 */
#define AT(day) ((time_t)(day) * BACKSCATTER_SECS_PER_DAY + 12 * 60 * 60)

static const struct backscatter_tag_settings tag_set = {
	.delimiters = "+",
	.lifetime_days = 7,
	.grace_days = 1,
	.clock_skew_secs = 3600,
};

/* The tagged address, signed as on day */
static const char *
sign(const struct backscatter_keyring *kr, enum backscatter_scheme scheme,
     const char *addr, unsigned int day)
{
	const struct smtp_address *tagged;
	const char *reason;

	ck_assert_msg(backscatter_sign(kr, &tag_set, scheme,
				       BACKSCATTER_TAG_FORM_SUBADDRESS,
				       test_address(addr), AT(day), &tagged,
				       &reason) == 1,
		      "sign %s: %s", addr, reason);
	return t_strconcat(tagged->localpart, "@", tagged->domain, NULL);
}

static void
verify(const struct backscatter_keyring *kr, const char *addr,
       unsigned int day, enum backscatter_verdict expected,
       enum backscatter_verify_cause expected_cause)
{
	struct backscatter_verification result;

	backscatter_verify(kr, &tag_set, test_address(addr), AT(day),
			   pool_datastack_create(), &result);
	ck_assert_msg(result.verdict == expected && result.cause ==
		      expected_cause, "%s: %s (%s), expected %s", addr,
		      backscatter_verdict_to_str(result.verdict),
		      backscatter_verification_reason(&result),
		      backscatter_verdict_to_str(expected));
}

/* The key id of a tagged address */
static unsigned int tag_key_id(const char *addr)
{
	struct backscatter_tag tag;
	const char *error;

	ck_assert_int_eq(backscatter_tag_parse(test_address(addr), "+",
					       pool_datastack_create(), &tag,
					       &error), 1);
	return tag.key_id;
}

/*
 * The domains= field
 */

static const struct {
	const char *text;
	const char *error;	/* NULL: accepted */
} domain_cases[] = {
	{ "bs1 0 2020-01-01 - domains=a.example " KEY_X "\n", NULL },
	{ "bs1 0 2020-01-01 - domains=A.Example,b.example " KEY_X "\n",
	  NULL },
	{ "bs1 0 2020-01-01 - domains=xn--bcher-kva.example " KEY_X "\n",
	  NULL },
	{ "prvs 1 2020-01-01 -\tdomains=a.example  Top Secret\n", NULL },
	/* one id, tenants with no domain in common */
	{ "bs1 0 2020-01-01 - domains=a.example " KEY_X "\n"
	  "bs1 0 2020-01-01 - domains=b.example,c.example " KEY_Y "\n",
	  NULL },
	{ "prvs 1 2020-01-01 - domains=a.example TopSecret\n"
	  "prvs 1 2020-01-01 - domains=b.example TopSecret2\n", NULL },
	/* ... but never for a domain twice */
	{ "bs1 0 2020-01-01 - domains=a.example " KEY_X "\n"
	  "bs1 0 2020-01-01 - domains=b.example,A.example " KEY_Y "\n",
	  "line 2: bs1 key 0 is already defined on line 1 for a domain" },
	/* ... nor beside a key of every domain */
	{ "bs1 0 2020-01-01 - " KEY_X "\n"
	  "bs1 0 2020-01-01 - domains=b.example " KEY_Y "\n",
	  "line 2: bs1 key 0 is already defined on line 1 for a domain" },
	{ "bs1 0 2020-01-01 - domains=b.example " KEY_Y "\n"
	  "bs1 0 2020-01-01 - " KEY_X "\n",
	  "line 2: bs1 key 0 is already defined on line 1 for a domain" },
	{ "bs1 0 2020-01-01 - domains= " KEY_X "\n",
	  "line 1: domains=: no domain given" },
	{ "bs1 0 2020-01-01 - domains=a..example " KEY_X "\n",
	  "line 1: domains=: 'a..example': empty label" },
	{ "bs1 0 2020-01-01 - domains=a.example. " KEY_X "\n",
	  "empty label" },
	{ "bs1 0 2020-01-01 - domains=@a.example " KEY_X "\n",
	  "without an @" },
	{ "bs1 0 2020-01-01 - domains=a_b.example " KEY_X "\n",
	  "'_' is no character of a domain name" },
	{ "bs1 0 2020-01-01 - domains=a.example,,b.example " KEY_X "\n",
	  "empty domain" },
	{ "bs1 0 2020-01-01 - domains=a.example,A.EXAMPLE " KEY_X "\n",
	  "a.example is listed twice" },
	{ "bs1 0 2020-01-01 - domains=a.example\n", "key is missing" },
	/* the field comes before the key, not after */
	{ "bs1 0 2020-01-01 - " KEY_X " domains=a.example\n",
	  "bs1 key is not the base64 of 32 bytes" },
};

START_TEST(test_domains_field)
{
	check_keyring_parse(domain_cases[_i].text, domain_cases[_i].error);
}
END_TEST

START_TEST(test_domains_parsed)
{
	struct backscatter_keyring *kr = test_keyring(
		"bs1 3 2020-01-01 - domains=A.Example,b.example " KEY_X "\n"
		"prvs 1 2020-01-01 - domains=c.example Top Secret\n"
		"bs1 4 2020-01-01 - " KEY_Y "\n");
	const struct backscatter_key *keys;
	unsigned int count;

	keys = backscatter_keyring_keys(kr, &count);
	ck_assert_uint_eq(count, 3);
	ck_assert_ptr_nonnull(keys[0].domains);
	ck_assert_str_eq(keys[0].domains[0], "a.example");
	ck_assert_str_eq(keys[0].domains[1], "b.example");
	ck_assert_ptr_null(keys[0].domains[2]);
	ck_assert_uint_eq(keys[0].id, 3);
	ck_assert_str_eq(keys[1].domains[0], "c.example");
	/* the secret is the rest of the line, spaces and all */
	ck_assert_uint_eq(keys[1].material_size, strlen("Top Secret"));
	ck_assert_int_eq(memcmp(keys[1].material, "Top Secret", 10), 0);
	ck_assert_ptr_null(keys[2].domains);

	/* whole domains, any case; not subdomains, not parents */
	ck_assert(backscatter_key_serves_domain(&keys[0], "a.example"));
	ck_assert(backscatter_key_serves_domain(&keys[0], "A.EXAMPLE"));
	ck_assert(backscatter_key_serves_domain(&keys[0], "b.example"));
	ck_assert(!backscatter_key_serves_domain(&keys[0], "sub.a.example"));
	ck_assert(!backscatter_key_serves_domain(&keys[0], "example"));
	ck_assert(!backscatter_key_serves_domain(&keys[0], "xa.example"));
	ck_assert(!backscatter_key_serves_domain(&keys[0], NULL));
	/* a key of every domain serves them all, even none */
	ck_assert(backscatter_key_serves_domain(&keys[2], "sub.a.example"));
	ck_assert(backscatter_key_serves_domain(&keys[2], NULL));
	backscatter_keyring_free(&kr);
}
END_TEST

/*
 * Tenants
 */

/* Tenant a.example and tenant b.example, each with its own bs1 key 0 and
   prvs key 1; c.example has a key of its own with another id */
#define TENANTS \
	"bs1 0 2020-01-01 - domains=a.example " KEY_X "\n" \
	"bs1 0 2020-01-01 - domains=b.example " KEY_Y "\n" \
	"bs1 5 2020-01-01 - domains=c.example " KEY_Z "\n" \
	"prvs 1 2020-01-01 - domains=a.example secret-of-a\n" \
	"prvs 1 2020-01-01 - domains=b.example secret-of-b\n"

START_TEST(test_tenant_keys_forge_nothing_for_others)
{
	struct backscatter_keyring *tenants = test_keyring(TENANTS);
	/* What a leak of a.example's keys gives: the same keys, with the
	   domains taken off, so that they sign for any domain */
	struct backscatter_keyring *leaked_a = test_keyring(
		"bs1 0 2020-01-01 - " KEY_X "\n"
		"prvs 1 2020-01-01 - secret-of-a\n");
	const char *tag;

	/* each tenant's own tags are valid, the shared ids notwithstanding */
	verify(tenants, sign(tenants, BACKSCATTER_SCHEME_BS1,
			     "alice@a.example", DAY0), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	verify(tenants, sign(tenants, BACKSCATTER_SCHEME_BS1,
			     "bob@b.example", DAY0), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	verify(tenants, sign(tenants, BACKSCATTER_SCHEME_PRVS,
			     "bob@b.example", DAY0), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	verify(tenants, sign(tenants, BACKSCATTER_SCHEME_BS1,
			     "carol@c.example", DAY0), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);

	/* a.example's key makes a tag for b.example with a MAC that is
	   right for that key: b.example's key 0 says the MAC is bad */
	tag = sign(leaked_a, BACKSCATTER_SCHEME_BS1, "bob@b.example", DAY0);
	ck_assert_uint_eq(tag_key_id(tag), 0);
	verify(leaked_a, tag, DAY0, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_FORGED,
	       BACKSCATTER_CAUSE_BAD_MAC);
	tag = sign(leaked_a, BACKSCATTER_SCHEME_PRVS, "bob@b.example", DAY0);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_FORGED,
	       BACKSCATTER_CAUSE_BAD_MAC);
	/* and for c.example, whose key has another id: key 0 is a.example's
	   and b.example's, none of c.example's */
	tag = sign(leaked_a, BACKSCATTER_SCHEME_BS1, "carol@c.example", DAY0);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_FORGED,
	       BACKSCATTER_CAUSE_WRONG_DOMAIN);
	/* prvs, where c.example has no key of the scheme at all */
	tag = sign(leaked_a, BACKSCATTER_SCHEME_PRVS, "carol@c.example",
		   DAY0);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_FORGED,
	       BACKSCATTER_CAUSE_WRONG_DOMAIN);

	/* nor for a subdomain, which no key serves: unknown, as without
	   keys, and never valid */
	tag = sign(leaked_a, BACKSCATTER_SCHEME_BS1, "eve@sub.a.example",
		   DAY0);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_UNKNOWN,
	       BACKSCATTER_CAUSE_NO_DOMAIN_KEYS);
	/* its own tenant still verifies the leaked key's tags: a leak is
	   revoked by deleting the line */
	verify(tenants, sign(leaked_a, BACKSCATTER_SCHEME_BS1,
			     "alice@a.example", DAY0), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);

	backscatter_keyring_free(&leaked_a);
	backscatter_keyring_free(&tenants);
}
END_TEST

START_TEST(test_tenant_without_key)
{
	struct backscatter_keyring *tenants = test_keyring(TENANTS);
	const struct smtp_address *tagged;
	const char *reason;
	struct backscatter_verification result;

	/* d.example has no key: its senders leave unsigned ... */
	ck_assert_int_eq(backscatter_sign(tenants, &tag_set,
		BACKSCATTER_SCHEME_BS1, BACKSCATTER_TAG_FORM_SUBADDRESS,
		test_address("dave@d.example"), AT(DAY0), &tagged, &reason),
		-1);
	ck_assert_msg(strstr(reason, "d.example") != NULL, "%s", reason);
	/* ... so its bounces are judged as if there were no keys: an
	   untagged address is unknown, not unsigned (which enforcement
	   would call bogus), and a tag is unknown, not forged */
	verify(tenants, "dave@d.example", DAY0, BACKSCATTER_VERDICT_UNKNOWN,
	       BACKSCATTER_CAUSE_NO_DOMAIN_KEYS);
	verify(tenants, "dave+bs1=aaaaaaaaaaaaaaaaa@d.example", DAY0,
	       BACKSCATTER_VERDICT_UNKNOWN, BACKSCATTER_CAUSE_NO_DOMAIN_KEYS);
	verify(tenants, "dave+bs1=broken@d.example", DAY0,
	       BACKSCATTER_VERDICT_UNKNOWN, BACKSCATTER_CAUSE_NO_DOMAIN_KEYS);
	backscatter_verify(tenants, &tag_set, test_address("Dave@D.Example"),
			   AT(DAY0), pool_datastack_create(), &result);
	ck_assert_str_eq(backscatter_verification_reason(&result),
			 "no tag, and no key serves d.example");
	/* while a tenant with keys gets the usual verdicts */
	verify(tenants, "alice@a.example", DAY0,
	       BACKSCATTER_VERDICT_UNSIGNED, BACKSCATTER_CAUSE_NO_TAG);
	verify(tenants, "alice+bs1=broken@a.example", DAY0,
	       BACKSCATTER_VERDICT_FORGED, BACKSCATTER_CAUSE_MALFORMED);
	backscatter_keyring_free(&tenants);
}
END_TEST

START_TEST(test_case_of_domains)
{
	struct backscatter_keyring *tenants = test_keyring(TENANTS);
	const char *tag;

	/* The key is chosen, and the tag verified, whatever the case of
	   the domain */
	tag = sign(tenants, BACKSCATTER_SCHEME_BS1, "Alice@A.Example", DAY0);
	ck_assert_uint_eq(tag_key_id(tag), 0);
	verify(tenants, tag, DAY0, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	verify(tenants, t_str_lcase(tag), DAY0, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	verify(tenants, t_str_ucase(tag), DAY0, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	backscatter_keyring_free(&tenants);
}
END_TEST

START_TEST(test_rotation_per_domain)
{
	/* a.example rotates: key 0 retires on DAY0, key 1 signs from then;
	   b.example keeps its key 0 (the same id as a.example's old one)
	   and gets key 1 of its own later */
	struct backscatter_keyring *kr = test_keyring(t_strdup_printf(
		"bs1 0 2025-10-01 %s domains=a.example " KEY_X "\n"
		"bs1 1 %s - domains=a.example " KEY_Y "\n"
		"bs1 0 2025-10-01 - domains=b.example " KEY_Z "\n"
		"bs1 1 %s - domains=b.example "
		"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n",
		backscatter_day_to_str(DAY0), backscatter_day_to_str(DAY0),
		backscatter_day_to_str(DAY0 + 30)));
	const char *a_old, *a_new, *b_tag;

	a_old = sign(kr, BACKSCATTER_SCHEME_BS1, "alice@a.example", DAY0 - 1);
	a_new = sign(kr, BACKSCATTER_SCHEME_BS1, "alice@a.example", DAY0);
	b_tag = sign(kr, BACKSCATTER_SCHEME_BS1, "bob@b.example", DAY0);
	ck_assert_uint_eq(tag_key_id(a_old), 0);
	ck_assert_uint_eq(tag_key_id(a_new), 1);
	ck_assert_uint_eq(tag_key_id(b_tag), 0);
	ck_assert_uint_eq(tag_key_id(sign(kr, BACKSCATTER_SCHEME_BS1,
					  "bob@b.example", DAY0 + 30)), 1);

	/* during a.example's overlap both of its tags verify, and b's */
	verify(kr, a_old, DAY0 + 5, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	verify(kr, a_new, DAY0 + 5, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	verify(kr, b_tag, DAY0 + 5, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	/* a.example's old key is gone when no tag of it can be valid;
	   b.example's key 0, of the same id, is not */
	verify(kr, a_old, DAY0 + 368, BACKSCATTER_VERDICT_FORGED,
	       BACKSCATTER_CAUSE_UNKNOWN_KEY);
	verify(kr, sign(kr, BACKSCATTER_SCHEME_BS1, "bob@b.example",
			DAY0 + 20), DAY0 + 21, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_own_key_before_shared_key)
{
	/* Keys of every domain, the newer made after a.example got its
	   own: a.example keeps signing with its own, the rest with the
	   newest shared key */
	struct backscatter_keyring *kr = test_keyring(
		"bs1 0 2023-01-01 - domains=a.example " KEY_X "\n"
		"bs1 1 2021-01-01 2024-01-01 " KEY_Y "\n"
		"bs1 2 2024-01-01 - " KEY_Z "\n");
	unsigned int day_2022, day_2023;
	const struct backscatter_key *key;

	ck_assert(backscatter_day_parse("2022-06-01", &day_2022));
	ck_assert(backscatter_day_parse("2023-06-01", &day_2023));
	key = backscatter_keyring_signing_key(kr, BACKSCATTER_SCHEME_BS1,
					      "a.example", DAY0);
	ck_assert_ptr_nonnull(key);
	ck_assert_uint_eq(key->id, 0);
	key = backscatter_keyring_signing_key(kr, BACKSCATTER_SCHEME_BS1,
					      "other.example", DAY0);
	ck_assert_ptr_nonnull(key);
	ck_assert_uint_eq(key->id, 2);
	/* before a.example had a key of its own, the shared key signed
	   for it; from then on its own key did */
	key = backscatter_keyring_signing_key(kr, BACKSCATTER_SCHEME_BS1,
					      "a.example", day_2022);
	ck_assert_ptr_nonnull(key);
	ck_assert_uint_eq(key->id, 1);
	key = backscatter_keyring_signing_key(kr, BACKSCATTER_SCHEME_BS1,
					      "a.example", day_2023);
	ck_assert_ptr_nonnull(key);
	ck_assert_uint_eq(key->id, 0);
	/* tags of the shared key still verify for a.example, and always
	   will while a shared key is in the file: isolation needs every
	   key limited to domains (README, hosting providers) */
	verify(kr, sign(kr, BACKSCATTER_SCHEME_BS1, "alice@a.example",
			day_2022), day_2022, BACKSCATTER_VERDICT_VALID,
	       BACKSCATTER_CAUSE_VALID);
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_recipient_rule_per_domain)
{
	struct backscatter_keyring *kr = test_keyring(TENANTS);
	struct backscatter_recipient rcpt;
	struct backscatter_verification result;
	const char *tag = sign(kr, BACKSCATTER_SCHEME_BS1, "alice@a.example",
			       DAY0);

	/* an untagged delivery to a domain without keys: the ORCPT's tag,
	   valid under a.example's key, is another mailbox's, so it proves
	   nothing here (and a domain without keys refutes nothing) */
	i_zero(&rcpt);
	rcpt.delivered = test_address("alice@d.example");
	rcpt.orcpt = test_address(tag);
	backscatter_verify_recipient(kr, &tag_set, &rcpt, AT(DAY0),
				     pool_datastack_create(), &result);
	ck_assert_int_eq(result.verdict, BACKSCATTER_VERDICT_UNKNOWN);
	ck_assert_int_eq(result.cause, BACKSCATTER_CAUSE_NOT_BOUND);

	/* delivered to the mailbox itself: the ORCPT's tag counts */
	rcpt.delivered = test_address("alice@a.example");
	backscatter_verify_recipient(kr, &tag_set, &rcpt, AT(DAY0),
				     pool_datastack_create(), &result);
	ck_assert_int_eq(result.verdict, BACKSCATTER_VERDICT_VALID);
	backscatter_keyring_free(&kr);
}
END_TEST

/*
 * The signer and its event
 */

static struct backscatter_settings *
signer_settings(pool_t pool, const char *sign_domains)
{
	struct backscatter_settings *set = test_settings_new(pool);

	set->sign_domains = sign_domains;
	test_settings_check(set, pool);
	return set;
}

static const char *field(struct event *event, const char *name)
{
	return event_find_field_recursive_str(event, name);
}

/* Does the event match the filter, as a metric { filter } would? */
static bool matches(struct event *event, const char *query)
{
	struct event_filter *filter = event_filter_create();
	const struct failure_context ctx = { .type = LOG_TYPE_DEBUG };
	const char *error;
	bool ret;

	ck_assert_msg(event_filter_parse(query, filter, &error) == 0,
		      "%s: %s", query, error);
	ret = event_filter_match(filter, event, &ctx);
	event_filter_unref(&filter);
	return ret;
}

START_TEST(test_signer_per_domain)
{
	pool_t pool = pool_alloconly_create("signer test", 1024);
	struct backscatter_settings *set =
		signer_settings(pool, "a.example b.example d.example");
	struct backscatter_keyring *kr = test_keyring(TENANTS);
	struct backscatter_signing signing;
	struct event *parent = event_create(NULL), *event;

	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("bob@b.example"), AT(DAY0), &signing),
		BACKSCATTER_SIGNER_SIGNED);
	ck_assert_uint_eq(signing.key_id, 0);
	verify(kr, t_strconcat(signing.tagged->localpart, "@",
			       signing.tagged->domain, NULL), DAY0,
	       BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	event = backscatter_signed_event_create(parent,
		BACKSCATTER_SIGNER_SUBMISSION, test_address("bob@B.example"),
		&signing);
	ck_assert(matches(event, "event=backscatter_signed AND "
			  "scheme=bs1 AND domain=b.example"));
	ck_assert(!matches(event, "event=backscatter_verdict"));
	ck_assert_str_eq(field(event, "signer"), "submission");
	ck_assert_str_eq(field(event, "scheme"), "bs1");
	ck_assert_str_eq(field(event, "form"), "subaddress");
	ck_assert_str_eq(field(event, "key_id"), "0");
	ck_assert_str_eq(field(event, "domain"), "b.example");
	ck_assert_ptr_null(field(event, "unsigned_reason"));
	event_unref(&event);

	/* a sign domain without a key of its own: not signed, and said */
	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("dave@d.example"), AT(DAY0), &signing),
		BACKSCATTER_SIGNER_FAILED);
	ck_assert_ptr_null(signing.tagged);
	ck_assert_str_eq(signing.unsigned_reason, "no_key");
	event = backscatter_signed_event_create(parent,
		BACKSCATTER_SIGNER_SOCKETMAP, test_address("dave@d.example"),
		&signing);
	ck_assert_str_eq(field(event, "unsigned_reason"), "no_key");
	ck_assert_str_eq(field(event, "signer"), "socketmap");
	ck_assert_ptr_null(field(event, "scheme"));
	event_unref(&event);

	/* the other reasons, one token each */
	ck_assert_int_eq(backscatter_signer_sign(set, kr, NULL, AT(DAY0),
		&signing), BACKSCATTER_SIGNER_SKIPPED);
	ck_assert_str_eq(signing.unsigned_reason, "null_sender");
	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("carol@c.example"), AT(DAY0), &signing),
		BACKSCATTER_SIGNER_SKIPPED);
	ck_assert_str_eq(signing.unsigned_reason, "not_sign_domain");
	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("alice+bs1=aaaaaaaaaaaaaaaaa@a.example"), AT(DAY0),
		&signing), BACKSCATTER_SIGNER_SKIPPED);
	ck_assert_str_eq(signing.unsigned_reason, "already_tagged");
	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("alice+bs1=x@a.example"), AT(DAY0), &signing),
		BACKSCATTER_SIGNER_SKIPPED);
	ck_assert_str_eq(signing.unsigned_reason, "malformed_tag");
	ck_assert_int_eq(backscatter_signer_sign(set, kr,
		test_address("a.b..c@a.example"), AT(DAY0), &signing),
		BACKSCATTER_SIGNER_UNSIGNED);
	ck_assert_str_eq(signing.unsigned_reason, "untaggable");

	event_unref(&parent);
	backscatter_keyring_free(&kr);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_verdict_event)
{
	struct backscatter_keyring *kr = test_keyring(TENANTS);
	struct event *parent = event_create(NULL), *event;
	struct backscatter_verification result;
	const char *tag = sign(kr, BACKSCATTER_SCHEME_PRVS, "alice@a.example",
			       DAY0);

	backscatter_verify(kr, &tag_set, test_address(tag), AT(DAY0),
			   pool_datastack_create(), &result);
	event = backscatter_verdict_event_create(parent,
		BACKSCATTER_TRIAGE_LEGITIMATE,
		BACKSCATTER_TRIAGE_CAUSE_TAG_VALID, &result, NULL,
		test_address(tag), BACKSCATTER_STAGE_SIEVE);
	ck_assert(matches(event, "event=backscatter_verdict AND "
			  "verdict=legitimate AND key_id=1"));
	ck_assert(!matches(event, "event=backscatter_verdict AND "
			   "verdict=bogus"));
	ck_assert_str_eq(field(event, "verdict"), "legitimate");
	ck_assert_str_eq(field(event, "cause"), "tag_valid");
	ck_assert_str_eq(field(event, "returnpath"), "valid");
	ck_assert_str_eq(field(event, "scheme"), "prvs");
	ck_assert_str_eq(field(event, "key_id"), "1");
	ck_assert_str_eq(field(event, "domain"), "a.example");
	ck_assert_str_eq(field(event, "stage"), "sieve");
	/* no report: no kind, no reason */
	ck_assert_ptr_null(field(event, "kind"));
	ck_assert_ptr_null(field(event, "reason"));
	event_unref(&event);

	/* a message that is no bounce: no tag verdict either */
	event = backscatter_verdict_event_create(parent,
		BACKSCATTER_TRIAGE_NONE, BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE,
		NULL, NULL, NULL, BACKSCATTER_STAGE_SIEVE);
	ck_assert_str_eq(field(event, "verdict"), "none");
	ck_assert_str_eq(field(event, "cause"), "not_bounce");
	ck_assert_ptr_null(field(event, "returnpath"));
	ck_assert_ptr_null(field(event, "key_id"));
	ck_assert_ptr_null(field(event, "domain"));
	event_unref(&event);

	/* a malformed tag: the verdict, but no scheme or key id */
	backscatter_verify(kr, &tag_set, test_address("alice+bs1=x@a.example"),
			   AT(DAY0), pool_datastack_create(), &result);
	event = backscatter_verdict_event_create(parent,
		BACKSCATTER_TRIAGE_BOGUS, BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED,
		&result, NULL, test_address("alice@a.example"),
		BACKSCATTER_STAGE_LMTP);
	ck_assert_str_eq(field(event, "returnpath"), "forged");
	ck_assert_ptr_null(field(event, "scheme"));
	ck_assert_ptr_null(field(event, "key_id"));
	ck_assert_str_eq(field(event, "stage"), "lmtp");
	event_unref(&event);

	event_unref(&parent);
	backscatter_keyring_free(&kr);
}
END_TEST

START_TEST(test_triage_cause_names)
{
	unsigned int cause;

	/* every cause has a token, and no two share one */
	for (cause = BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE;
	     cause <= BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN; cause++) {
		const char *name = backscatter_triage_cause_to_str(cause);
		unsigned int other;

		ck_assert_ptr_nonnull(name);
		for (other = 0; other < cause; other++) {
			ck_assert_str_ne(name,
				backscatter_triage_cause_to_str(other));
		}
	}
}
END_TEST

Suite *backscatter_domain_keys_suite(void)
{
	Suite *s = suite_create("backscatter-domain-keys");
	TCase *tc;

	tc = tcase_create("key file");
	tcase_add_loop_test(tc, test_domains_field, 0,
			    N_ELEMENTS(domain_cases));
	tcase_add_test(tc, test_domains_parsed);
	suite_add_tcase(s, tc);

	tc = tcase_create("tenants");
	tcase_add_test(tc, test_tenant_keys_forge_nothing_for_others);
	tcase_add_test(tc, test_tenant_without_key);
	tcase_add_test(tc, test_case_of_domains);
	tcase_add_test(tc, test_rotation_per_domain);
	tcase_add_test(tc, test_own_key_before_shared_key);
	tcase_add_test(tc, test_recipient_rule_per_domain);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, test_signer_per_domain);
	tcase_add_test(tc, test_verdict_event);
	tcase_add_test(tc, test_triage_cause_names);
	suite_add_tcase(s, tc);
	return s;
}
