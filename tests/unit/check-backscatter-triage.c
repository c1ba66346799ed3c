/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the triage verdict: each rule of backscatter-triage.h.
   Tags are signed here with the tag engine, at times chosen so that the
   test knows what they must be; reports are built by hand, as the
   analyzer would fill them in. */

#include "lib.h"
#include "array.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-triage.h"
#include "check-common.h"

#define NOON (12 * 60 * 60)
#define DAYS(n) ((time_t)(n) * BACKSCATTER_SECS_PER_DAY)

#define RELAY_NAME "mx.example.com"
#define RELAY_IP "192.0.2.25"

struct triage_test {
	pool_t pool;
	struct backscatter_settings *set;
	struct backscatter_tag_settings tag_set;
	struct backscatter_keyring *keyring;
	struct bounce_report report;
	time_t now;

	const struct smtp_address *recipient;
	struct backscatter_verification verification;
	struct backscatter_triage result;
};

static time_t day_time(const char *date)
{
	unsigned int day;

	ck_assert(backscatter_day_parse(date, &day));
	return (time_t)day * BACKSCATTER_SECS_PER_DAY + NOON;
}

/* A DSN that quotes no original, arriving at noon of 2026-06-15, with the
   settings given as name/value pairs */
static void
triage_test_init(struct triage_test *t, bool keys, const char *sign_domains,
		 const char *own_relays, const char *enforce_since)
{
	i_zero(t);
	t->pool = pool_alloconly_create("triage test", 4096);
	t->set = test_settings_new(t->pool);
	t->set->sign_domains = sign_domains;
	t->set->own_relays = own_relays;
	t->set->enforce_since = enforce_since;
	test_settings_check(t->set, t->pool);
	backscatter_settings_get_tag_settings(t->set, &t->tag_set);
	if (keys)
		t->keyring = test_keyring(TEST_BS1_KEY);
	t->report.kind = BOUNCE_KIND_DSN;
	t->now = day_time("2026-06-15");
}

static void triage_test_deinit(struct triage_test *t)
{
	backscatter_keyring_free(&t->keyring);
	pool_unref(&t->pool);
}

/* alice's address tagged on the given day */
static const struct smtp_address *
signed_alice(struct triage_test *t, time_t when)
{
	const struct smtp_address *tagged;
	const char *reason;

	ck_assert_msg(backscatter_sign(t->keyring, &t->tag_set,
				       BACKSCATTER_SCHEME_BS1,
				       BACKSCATTER_TAG_FORM_SUBADDRESS,
				       test_address("alice@example.com"), when,
				       &tagged, &reason) == 1, "%s", reason);
	return tagged;
}

/* The same with the MAC's last character changed */
static const struct smtp_address *forged_alice(struct triage_test *t)
{
	const struct smtp_address *tagged = signed_alice(t, t->now);
	char *localpart = t_strdup_noconst(tagged->localpart);
	size_t len = strlen(localpart);

	localpart[len - 1] = localpart[len - 1] == 'a' ? 'b' : 'a';
	return smtp_address_create(pool_datastack_create(), localpart,
				   tagged->domain);
}

static void quote_original(struct triage_test *t)
{
	t->report.original_found = TRUE;
	if (!array_is_created(&t->report.original.received))
		p_array_init(&t->report.original.received, t->pool, 4);
}

static void quote_received(struct triage_test *t, const char *received)
{
	quote_original(t);
	received = p_strdup(t->pool, received);
	array_push_back(&t->report.original.received, &received);
}

static enum backscatter_triage_verdict
triage(struct triage_test *t, const struct smtp_address *recipient)
{
	struct backscatter_triage_input input = {
		.set = t->set,
		.keyring = t->keyring,
		.report = &t->report,
		.recipient = recipient,
		.recipient_verification = &t->verification,
		.now = t->now,
	};

	t->recipient = recipient;
	backscatter_verify(t->keyring, &t->tag_set, recipient, t->now,
			   t->pool, &t->verification);
	backscatter_triage(&input, t->pool, &t->result);
	return t->result.verdict;
}

static void
assert_triage(struct triage_test *t, const struct smtp_address *recipient,
	      enum backscatter_triage_verdict verdict,
	      enum backscatter_triage_cause cause)
{
	enum backscatter_triage_verdict got = triage(t, recipient);

	ck_assert_msg(got == verdict && t->result.cause == cause,
		      "%s (cause %d), expected %s (cause %d): %s",
		      backscatter_triage_verdict_to_str(got), t->result.cause,
		      backscatter_triage_verdict_to_str(verdict), cause,
		      backscatter_triage_evidence(&t->result));
}

static void assert_evidence(struct triage_test *t, const char *part)
{
	const char *evidence = backscatter_triage_evidence(&t->result);

	ck_assert_msg(strstr(evidence, part) != NULL,
		      "evidence '%s' lacks '%s'", evidence, part);
}

/*
 * Not bounces
 */

START_TEST(test_kind_none)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	t.report.kind = BOUNCE_KIND_NONE;
	/* untagged under enforcement, but no bounce at all */
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_NONE,
		      BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE);
	t.report.kind = BOUNCE_KIND_FEEDBACK;
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_NONE,
		      BACKSCATTER_TRIAGE_CAUSE_FEEDBACK);
	/* a service's notification to its subscriber (Amazon SES) is no
	   bounce returned to a return path, whatever it reports */
	t.report.kind = BOUNCE_KIND_MTA;
	t.report.subscribed_notification = TRUE;
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_NONE,
		      BACKSCATTER_TRIAGE_CAUSE_NOTIFICATION);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_autoreply_is_judged)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "", "", "");
	t.report.kind = BOUNCE_KIND_AUTOREPLY;
	assert_triage(&t, forged_alice(&t), BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED);
	triage_test_deinit(&t);
}
END_TEST

/*
 * The recipient's tag
 */

START_TEST(test_valid_tag)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "", "", "");
	/* signed two days ago: within the 7 days' lifetime */
	assert_triage(&t, signed_alice(&t, t.now - DAYS(2)),
		      BACKSCATTER_TRIAGE_LEGITIMATE,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_VALID);
	assert_evidence(&t, "valid");
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_forged_tag)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "", RELAY_NAME, "");
	assert_triage(&t, forged_alice(&t), BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED);
	assert_evidence(&t, "bad MAC");
	/* a quoted original "through our relay" does not outweigh a
	   forged tag: it is text the forger wrote */
	quote_received(&t, "from "RELAY_NAME" ("RELAY_NAME" ["RELAY_IP"]) "
		       "by mx.remote.example; Mon, 15 Jun 2026 10:00:00 +0000");
	assert_triage(&t, forged_alice(&t), BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_expired_tag)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "", "", "");
	/* signed 30 days ago: past 7 days' lifetime and 1 day's grace */
	assert_triage(&t, signed_alice(&t, t.now - DAYS(30)),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED);
	assert_evidence(&t, "expired");
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_no_keys)
{
	struct triage_test t;
	const struct smtp_address *tagged;
	struct backscatter_keyring *kr;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	tagged = signed_alice(&t, t.now);
	kr = t.keyring;
	t.keyring = NULL;
	/* neither a tagged nor an untagged address can be judged, and
	   enforcement needs keys to tell the two apart */
	assert_triage(&t, tagged, BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	/* not even a tag that does not parse is known to be forged */
	assert_triage(&t, test_address("alice+bs1=short@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	t.keyring = kr;
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_empty_keyring)
{
	static const char comments[] = "# no keys yet\n\n";
	struct triage_test t;
	const struct smtp_address *tagged;
	struct backscatter_keyring *kr;
	const char *error;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	tagged = signed_alice(&t, t.now);
	kr = t.keyring;
	ck_assert_int_eq(backscatter_keyring_parse("comments", comments,
		strlen(comments), &t.keyring, &error), 0);
	ck_assert_uint_eq(backscatter_keyring_count(t.keyring), 0);
	/* a file of only comments is no keys, not keys none of which
	   made the tag */
	assert_triage(&t, tagged, BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	backscatter_keyring_free(&t.keyring);
	t.keyring = kr;
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_no_keys_relay)
{
	struct triage_test t;

	triage_test_init(&t, FALSE, "example.com", RELAY_NAME, "2020-01-01");
	/* quoted text proves nothing, with or without keys */
	quote_received(&t, "from "RELAY_NAME" ("RELAY_NAME" ["RELAY_IP"]) "
		       "by mx.remote.example; Mon, 15 Jun 2026 10:00:00 +0000");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_internal_errors)
{
	struct triage_test t;
	struct backscatter_triage_input input;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	i_zero(&input);
	input.set = t.set;
	input.keyring = t.keyring;
	input.recipient = test_address("alice@example.com");
	input.now = t.now;
	/* analysis failed: unknown, though enforcement would say bogus */
	backscatter_triage(&input, t.pool, &t.result);
	ck_assert_int_eq(t.result.verdict, BACKSCATTER_TRIAGE_UNKNOWN);
	ck_assert_int_eq(t.result.cause, BACKSCATTER_TRIAGE_CAUSE_ERROR);
	/* verification missing */
	input.report = &t.report;
	backscatter_triage(&input, t.pool, &t.result);
	ck_assert_int_eq(t.result.verdict, BACKSCATTER_TRIAGE_UNKNOWN);
	ck_assert_int_eq(t.result.cause, BACKSCATTER_TRIAGE_CAUSE_ERROR);
	triage_test_deinit(&t);
}
END_TEST

/*
 * Untagged recipients and enforcement
 */

START_TEST(test_unsigned_without_enforcement)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", "", "");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_unsigned_enforced)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.org EXAMPLE.com", "",
			 "2026-03-01");
	/* no quoted date: the bounce's arrival counts */
	assert_triage(&t, test_address("alice@Example.Com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	ck_assert_int_eq(t.result.sent_day_source,
			 BACKSCATTER_TRIAGE_DATE_NOW);
	assert_evidence(&t, "2026-03-01");
	assert_evidence(&t, "2026-06-15");
	/* a domain we do not sign */
	assert_triage(&t, test_address("alice@sub.example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_enforcement_not_yet)
{
	struct triage_test t;

	/* enforcement begins after the bounce arrived */
	triage_test_init(&t, TRUE, "example.com", "", "2026-06-16");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT);
	/* a quoted Date after it is no reason to enforce early */
	quote_original(&t);
	t.report.original.date = "Mon, 20 Jul 2026 10:00:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT);
	/* on the day itself it applies */
	t.now = day_time("2026-06-16");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_enforcement_original_date)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", "", "2026-03-01");
	/* bounced two days after signing began */
	t.now = day_time("2026-03-03");
	quote_original(&t);
	/* sent the day before signing began */
	t.report.original.date = "Sat, 28 Feb 2026 23:30:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT);
	ck_assert_int_eq(t.result.sent_day_source,
			 BACKSCATTER_TRIAGE_DATE_ORIGINAL);
	assert_evidence(&t, "2026-02-28");
	/* sent on the day */
	t.report.original.date = "Sun, 1 Mar 2026 00:10:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	/* an unparsable Date: the bounce's arrival */
	t.report.original.date = "last Tuesday";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	ck_assert_int_eq(t.result.sent_day_source,
			 BACKSCATTER_TRIAGE_DATE_NOW);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_enforcement_backdated)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", "", "2026-03-01");
	t.now = day_time("2026-03-03");
	quote_original(&t);
	/* the spammer's backdated Date loses to what the reporting MTA
	   wrote: its Arrival-Date ... */
	t.report.original.date = "Sat, 28 Feb 2026 23:30:00 +0000";
	t.report.arrival_date = "Mon, 2 Mar 2026 08:00:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	ck_assert_int_eq(t.result.sent_day_source,
			 BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD);
	/* ... which tells the truth of mail sent before, too */
	t.report.arrival_date = "Fri, 27 Feb 2026 08:00:00 +0000";
	t.report.original.date = "Mon, 2 Mar 2026 08:00:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT);
	/* ... or the topmost quoted Received header's date, not one the
	   spammer added below it */
	t.report.arrival_date = NULL;
	t.report.original.date = "Sat, 28 Feb 2026 23:30:00 +0000";
	quote_received(&t, "from bot.example (bot.example [198.51.100.7]) "
		       "by mx.remote.example; Mon, 2 Mar 2026 09:00:00 +0000");
	quote_received(&t, "from x by y; Fri, 27 Feb 2026 08:00:00 +0000");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	ck_assert_int_eq(t.result.sent_day_source,
			 BACKSCATTER_TRIAGE_DATE_RECEIVED);
	assert_evidence(&t, "2026-03-02");
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_enforcement_date_clamped)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", "", "2026-06-01");
	quote_original(&t);
	/* no bounce comes back two years late: the Date counts as
	   lifetime + grace (8 days) before the bounce arrived */
	t.report.original.date = "Sat, 13 Jun 2024 10:00:00 +0000";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	ck_assert(t.result.sent_day_clamped);
	assert_evidence(&t, "no earlier than 2026-06-07");
	/* while a Date within that window counts as it is */
	t.report.original.date = "Sun, 31 May 2026 10:00:00 +0000";
	t.now = day_time("2026-06-05");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT);
	ck_assert(!t.result.sent_day_clamped);
	triage_test_deinit(&t);
}
END_TEST

/*
 * Proof from the quoted original
 */

/* Received headers that name our relay RELAY_NAME / RELAY_IP where it
   counts */
static const char *const relay_received[] = {
	/* Postfix, the next hop naming our relay */
	"from "RELAY_NAME" ("RELAY_NAME" ["RELAY_IP"])\r\n\tby "
	"mx.remote.example (Postfix) with ESMTPS id 4F00\r\n\tfor "
	"<bob@remote.example>; Mon, 15 Jun 2026 10:00:00 +0000",
	/* our relay's own header */
	"by "RELAY_NAME" (Postfix, from userid 1000) id 4F01; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	/* case does not matter */
	"from client.example.net by MX.Example.COM with ESMTP; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	/* the address in the TCP-info of an unresolved client */
	"from relay (unknown ["RELAY_IP"]) by mx.remote.example; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	/* the address as the "from" domain */
	"from ["RELAY_IP"] (helo=relay) by mx.remote.example; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	/* IPv6 */
	"from relay6 (relay6 [IPv6:2001:db8::25]) by mx.remote.example; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
};

START_TEST(test_relay_match)
{
	struct triage_test t;

	/* untagged under enforcement: bogus, unless the reporting MTA
	   received the original from our relay (our mail, unsigned) */
	triage_test_init(&t, TRUE, "example.com",
			 RELAY_NAME" "RELAY_IP" 2001:db8::25", "2020-01-01");
	quote_received(&t, relay_received[_i]);
	quote_received(&t, "from a.example by b.example; "
		       "Mon, 15 Jun 2026 10:00:00 +0000");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY);
	assert_evidence(&t, "reporting MTA received the original from our "
			"relay");
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_relay_planted)
{
	struct triage_test t;

	/* the same header below the reporting MTA's own is the
	   original's text, which the spammer wrote */
	triage_test_init(&t, TRUE, "example.com",
			 RELAY_NAME" "RELAY_IP" 2001:db8::25", "2020-01-01");
	quote_received(&t, "from bot.example (bot.example [198.51.100.7]) "
		       "by mx.remote.example; Mon, 15 Jun 2026 10:00:00 +0000");
	quote_received(&t, relay_received[_i]);
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	/* and it never made anything legitimate: without enforcement an
	   untagged bounce stays unknown */
	triage_test_deinit(&t);
	triage_test_init(&t, TRUE, "", RELAY_NAME" "RELAY_IP, "");
	quote_received(&t, relay_received[_i]);
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_relay_by_ip_only)
{
	struct triage_test t;

	/* configured by address only: the name proves nothing */
	triage_test_init(&t, TRUE, "example.com", "["RELAY_IP"]",
			 "2020-01-01");
	quote_received(&t, "from "RELAY_NAME" by mx.remote.example; "
		       "Mon, 15 Jun 2026 10:00:00 +0000");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	array_clear(&t.report.original.received);
	quote_received(&t, "from "RELAY_NAME" ("RELAY_NAME" ["RELAY_IP"]) "
		       "by mx.remote.example; Mon, 15 Jun 2026 10:00:00 +0000");
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_UNKNOWN,
		      BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY);
	assert_evidence(&t, RELAY_IP);
	triage_test_deinit(&t);
}
END_TEST

/* Received headers of forged bounces that must prove nothing */
static const char *const forged_received[] = {
	/* substrings of the relay's name, either way */
	"from evil-"RELAY_NAME" (evil-"RELAY_NAME" [198.51.100.1]) by "
	"evil.example; Mon, 15 Jun 2026 10:00:00 +0000",
	"from "RELAY_NAME".evil.org ("RELAY_NAME".evil.org [198.51.100.1]) "
	"by evil.example; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by ex.com; Mon, 15 Jun 2026 10:00:00 +0000",
	/* and of its address */
	"from x (x [192.0.2.250]) by y; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x (x [92.0.2.25]) by y; Mon, 15 Jun 2026 10:00:00 +0000",
	/* malformed: an unterminated comment, literal or quoted string,
	   no ";" and date */
	"from "RELAY_NAME" ("RELAY_NAME" ["RELAY_IP"] by y; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	"from ["RELAY_IP" by y; Mon, 15 Jun 2026 10:00:00 +0000",
	"from \"x by "RELAY_NAME"; Mon, 15 Jun 2026 10:00:00 +0000",
	"from "RELAY_NAME" by "RELAY_NAME,
	"from "RELAY_NAME,
	"",
	/* the relay where no host is named */
	RELAY_NAME"; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by y with "RELAY_NAME"; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by y id "RELAY_NAME"; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by y for <postmaster@"RELAY_NAME">; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by y; Mon, 15 Jun 2026 10:00:00 +0000 ("RELAY_NAME")",
	"from \""RELAY_NAME"\" by y; Mon, 15 Jun 2026 10:00:00 +0000",
	/* lib-mail refuses a dot-atom ending in a dot */
	"from x by "RELAY_NAME". (Postfix); Mon, 15 Jun 2026 10:00:00 +0000",
	"from x (helo="RELAY_NAME") by y; Mon, 15 Jun 2026 10:00:00 +0000",
	"from x (may be "RELAY_NAME": forged) by y; "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	"from x by y (comment "RELAY_NAME" ["RELAY_IP"]); "
	"Mon, 15 Jun 2026 10:00:00 +0000",
	"from from "RELAY_NAME"x by y; Mon, 15 Jun 2026 10:00:00 +0000",
};

START_TEST(test_relay_no_match)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "example.com", RELAY_NAME" "RELAY_IP,
			 "2020-01-01");
	quote_received(&t, forged_received[_i]);
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_quoted_return_path)
{
	struct triage_test t;
	const struct smtp_address *tagged;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	tagged = signed_alice(&t, t.now - DAYS(3));
	quote_original(&t);
	/* a bounce sent to the untagged address, quoting the tagged
	   return path */
	t.report.original.return_path =
		t_strdup_printf("<%s>", smtp_address_encode(tagged));
	assert_triage(&t, test_address("Alice@example.com"),
		      BACKSCATTER_TRIAGE_LEGITIMATE,
		      BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG);
	assert_evidence(&t, "Return-Path");
	/* someone else's tagged return path proves nothing for bob */
	assert_triage(&t, test_address("bob@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	/* nor does a forged one */
	t.report.original.return_path =
		t_strdup_printf("<%s>", smtp_address_encode(forged_alice(&t)));
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	/* nor an untagged one, nor garbage */
	t.report.original.return_path = "<alice@example.com>";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	t.report.original.return_path = "<<>";
	assert_triage(&t, test_address("alice@example.com"),
		      BACKSCATTER_TRIAGE_BOGUS,
		      BACKSCATTER_TRIAGE_CAUSE_ENFORCED);
	triage_test_deinit(&t);
}
END_TEST

/*
 * Which tag counts for a delivery (backscatter_verify_recipient)
 */

/* An owner lookup that knows alice and bob as users, and nothing of
   aliases such as info */
static int owner_lookup(const struct smtp_address *address, void *context)
{
	const char *delivered_user = context;
	const char *local = t_str_lcase(address->localpart);

	if (strcmp(local, "alice") != 0 && strcmp(local, "bob") != 0)
		return -1;
	return strcmp(local, delivered_user) == 0 ? 1 : 0;
}

static const struct smtp_address *
signed_for(struct triage_test *t, const char *addr)
{
	const struct smtp_address *tagged;
	const char *reason;

	ck_assert_msg(backscatter_sign(t->keyring, &t->tag_set,
				       BACKSCATTER_SCHEME_BS1,
				       BACKSCATTER_TAG_FORM_SUBADDRESS,
				       test_address(addr), t->now - DAYS(1),
				       &tagged, &reason) == 1, "%s", reason);
	return tagged;
}

/* tagged with the tag of another's tagged address */
static const struct smtp_address *
with_tag_of(const struct smtp_address *tagged, const char *local)
{
	const char *tag = strstr(tagged->localpart, "+bs1=");

	return smtp_address_create(pool_datastack_create(),
				   t_strconcat(local, tag, NULL),
				   tagged->domain);
}

static void
assert_recipient(struct triage_test *t, const struct smtp_address *delivered,
		 const struct smtp_address *orcpt, bool lookup,
		 enum backscatter_verdict verdict,
		 enum backscatter_verify_cause cause)
{
	struct backscatter_recipient rcpt = {
		.delivered = delivered,
		.orcpt = orcpt,
		.owner_lookup = lookup ? owner_lookup : NULL,
		.owner_context = (void *)"alice",
	};

	backscatter_verify_recipient(t->keyring, &t->tag_set, &rcpt, t->now,
				     t->pool, &t->verification);
	ck_assert_msg(t->verification.verdict == verdict &&
		      t->verification.cause == cause,
		      "%s / %s: %s (%s), expected %s",
		      smtp_address_encode(delivered),
		      orcpt == NULL ? "-" : smtp_address_encode(orcpt),
		      backscatter_verdict_to_str(t->verification.verdict),
		      backscatter_verification_reason(&t->verification),
		      backscatter_verdict_to_str(verdict));
}

START_TEST(test_recipient_orcpt_of_another_user)
{
	struct triage_test t;
	struct backscatter_triage_input input;
	const struct smtp_address *bob;

	triage_test_init(&t, TRUE, "example.com", "", "2020-01-01");
	bob = signed_for(&t, "bob@example.com");
	/* bob's valid tag in the ORCPT of a bounce to alice: the sender of
	   the bounce wrote that ORCPT */
	assert_recipient(&t, test_address("alice@example.com"), bob, FALSE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NOT_BOUND);
	assert_recipient(&t, test_address("alice@example.com"), bob, TRUE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NOT_BOUND);
	ck_assert_ptr_nonnull(strstr(backscatter_verification_reason(
		&t.verification), "nothing ties"));
	/* ... and quoting bob's tagged return path does not help either */
	i_zero(&input);
	quote_original(&t);
	t.report.original.return_path =
		t_strdup_printf("<%s>", smtp_address_encode(bob));
	input.set = t.set;
	input.keyring = t.keyring;
	input.report = &t.report;
	input.recipient = test_address("alice@example.com");
	input.recipient_verification = &t.verification;
	input.now = t.now;
	backscatter_triage(&input, t.pool, &t.result);
	ck_assert_int_eq(t.result.verdict, BACKSCATTER_TRIAGE_UNKNOWN);
	/* bob's tag moved onto alice's address as well */
	assert_recipient(&t, with_tag_of(bob, "alice"), bob, TRUE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NOT_BOUND);
	/* without an owner lookup (the CLI) nothing tells another user
	   from an alias, and a propagated tag counts: the threat model's
	   residual risk */
	assert_recipient(&t, with_tag_of(bob, "carol"), bob, FALSE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_recipient_orcpt_of_this_mailbox)
{
	struct triage_test t;

	triage_test_init(&t, TRUE, "", "", "");
	/* the same address, in another case, with a detail */
	assert_recipient(&t, test_address("alice@example.com"),
			 signed_for(&t, "Alice+news@EXAMPLE.com"), FALSE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	ck_assert_str_eq(t.verification.address->localpart,
			 signed_for(&t, "Alice+news@EXAMPLE.com")->localpart);
	/* the owner lookup says it is alice's */
	assert_recipient(&t, test_address("alice@example.com"),
			 with_tag_of(signed_for(&t, "ALICE@example.com"),
				     "ALICE"), TRUE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	/* an alias the lookup does not know, extension not propagated:
	   not tied, so unknown, never valid nor forged */
	assert_recipient(&t, test_address("alice@example.com"),
			 signed_for(&t, "info@example.com"), TRUE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NOT_BOUND);
	/* a forged tag of this mailbox in the ORCPT is forged */
	assert_recipient(&t, test_address("alice@example.com"),
			 forged_alice(&t), FALSE, BACKSCATTER_VERDICT_FORGED,
			 BACKSCATTER_CAUSE_BAD_MAC);
	/* an untagged ORCPT leaves the delivered address to decide */
	assert_recipient(&t, signed_for(&t, "alice@example.com"),
			 test_address("info@example.com"), TRUE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	assert_recipient(&t, test_address("alice@example.com"),
			 test_address("info@example.com"), TRUE,
			 BACKSCATTER_VERDICT_UNSIGNED,
			 BACKSCATTER_CAUSE_NO_TAG);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_recipient_alias_propagated)
{
	struct triage_test t;
	const struct smtp_address *info;

	triage_test_init(&t, TRUE, "", "", "");
	/* Postfix expanded info+T (an alias of alice) to alice+T and kept
	   info+T as ORCPT: the tag was made for info */
	info = signed_for(&t, "info@example.com");
	assert_recipient(&t, with_tag_of(info, "alice"), info, TRUE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	assert_recipient(&t, with_tag_of(info, "alice"), info, FALSE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	/* another tag in the ORCPT does not change the delivered one's */
	assert_recipient(&t, forged_alice(&t), info, TRUE,
			 BACKSCATTER_VERDICT_FORGED,
			 BACKSCATTER_CAUSE_BAD_MAC);
	assert_recipient(&t, signed_for(&t, "alice@example.com"),
			 signed_for(&t, "bob@example.com"), TRUE,
			 BACKSCATTER_VERDICT_VALID, BACKSCATTER_CAUSE_VALID);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_recipient_no_keys)
{
	struct triage_test t;

	triage_test_init(&t, FALSE, "", "", "");
	assert_recipient(&t, test_address("alice+bs1=short@example.com"),
			 test_address("alice+bs1=short@example.com"), TRUE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NO_KEYS);
	assert_recipient(&t, test_address("alice@example.com"), NULL, TRUE,
			 BACKSCATTER_VERDICT_UNKNOWN,
			 BACKSCATTER_CAUSE_NO_KEYS);
	triage_test_deinit(&t);
}
END_TEST

START_TEST(test_verdict_names)
{
	enum backscatter_triage_verdict verdict;
	unsigned int i;

	for (i = 0; i < BACKSCATTER_TRIAGE_COUNT; i++) {
		ck_assert(backscatter_triage_verdict_from_str(
			backscatter_triage_verdict_to_str(i), &verdict));
		ck_assert_uint_eq(verdict, i);
	}
	ck_assert(backscatter_triage_verdict_from_str("BOGUS", &verdict));
	ck_assert_int_eq(verdict, BACKSCATTER_TRIAGE_BOGUS);
	ck_assert(!backscatter_triage_verdict_from_str("forged", &verdict));
}
END_TEST

/*
 * The settings the triage reads, as both settings readers parse them
 */

void check_triage_settings(const struct backscatter_settings *set)
{
	const struct backscatter_relay *relays;
	struct ip_addr ip;
	unsigned int count, day;

	ck_assert(backscatter_settings_is_sign_domain(set, "example.com"));
	ck_assert(backscatter_settings_is_sign_domain(set, "EXAMPLE.org"));
	ck_assert(!backscatter_settings_is_sign_domain(set, "mail.example.com"));
	ck_assert(!backscatter_settings_is_sign_domain(set, "example.co"));
	ck_assert(!backscatter_settings_is_sign_domain(set, "example.com.evil"));
	ck_assert(!backscatter_settings_is_sign_domain(set, ""));

	relays = array_get(&set->parsed.own_relays, &count);
	ck_assert_uint_eq(count, 3);
	ck_assert_str_eq(relays[0].host, "mx.example.com");
	ck_assert_ptr_null(relays[1].host);
	ck_assert_int_eq(net_addr2ip("192.0.2.25", &ip), 0);
	ck_assert(net_ip_compare(&relays[1].ip, &ip));
	ck_assert_ptr_null(relays[2].host);
	ck_assert_int_eq(net_addr2ip("2001:db8::25", &ip), 0);
	ck_assert(net_ip_compare(&relays[2].ip, &ip));

	ck_assert(set->parsed.enforce);
	ck_assert(backscatter_day_parse("2026-03-01", &day));
	ck_assert_uint_eq(set->parsed.enforce_since_day, day);
}

Suite *backscatter_triage_suite(void)
{
	Suite *s = suite_create("backscatter-triage");
	TCase *tc;

	tc = tcase_create("tag");
	tcase_add_test(tc, test_kind_none);
	tcase_add_test(tc, test_autoreply_is_judged);
	tcase_add_test(tc, test_valid_tag);
	tcase_add_test(tc, test_forged_tag);
	tcase_add_test(tc, test_expired_tag);
	tcase_add_test(tc, test_no_keys);
	tcase_add_test(tc, test_empty_keyring);
	tcase_add_test(tc, test_no_keys_relay);
	tcase_add_test(tc, test_internal_errors);
	tcase_add_test(tc, test_verdict_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("recipient");
	tcase_add_test(tc, test_recipient_orcpt_of_another_user);
	tcase_add_test(tc, test_recipient_orcpt_of_this_mailbox);
	tcase_add_test(tc, test_recipient_alias_propagated);
	tcase_add_test(tc, test_recipient_no_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("enforcement");
	tcase_add_test(tc, test_unsigned_without_enforcement);
	tcase_add_test(tc, test_unsigned_enforced);
	tcase_add_test(tc, test_enforcement_not_yet);
	tcase_add_test(tc, test_enforcement_original_date);
	tcase_add_test(tc, test_enforcement_backdated);
	tcase_add_test(tc, test_enforcement_date_clamped);
	suite_add_tcase(s, tc);

	tc = tcase_create("original");
	tcase_add_loop_test(tc, test_relay_match, 0,
			    N_ELEMENTS(relay_received));
	tcase_add_loop_test(tc, test_relay_planted, 0,
			    N_ELEMENTS(relay_received));
	tcase_add_test(tc, test_relay_by_ip_only);
	tcase_add_loop_test(tc, test_relay_no_match, 0,
			    N_ELEMENTS(forged_received));
	tcase_add_test(tc, test_quoted_return_path);
	suite_add_tcase(s, tc);
	return s;
}
