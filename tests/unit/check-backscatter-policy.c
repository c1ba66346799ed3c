/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the Postfix policy service's protocol core
   (backscatter-policy.h): the decision for each kind of request, the
   reply, and requests whole, pipelined, split anywhere, oversized and
   broken. */

#include "lib.h"
#include "str.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-policy.h"
#include "check-common.h"

#define PRVS_KEY "prvs 3 2020-01-01 - secret\n"
/* 2026-05-26, noon UTC */
#define NOW_DAY 20599
#define NOW ((time_t)NOW_DAY * BACKSCATTER_SECS_PER_DAY + 12 * 60 * 60)
#define DUNNO "action=DUNNO\n\n"
#define REJECT(what) \
	"action=550 5.7.1 " BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT \
	" (" what ")\n\n"

struct policy_test {
	pool_t pool;
	struct backscatter_settings *set;
	struct backscatter_keyring *keyring;
	struct backscatter_tag_settings tag_set;
	struct backscatter_daemon policy;
};

/* enforce_since: "" or a date; policy_unsigned: dunno or reject */
static void
policy_test_init_full(struct policy_test *t, bool keys,
		      const char *enforce_since, const char *policy_unsigned)
{
	i_zero(t);
	t->pool = pool_alloconly_create("policy test", 4096);
	t->set = test_settings_new(t->pool);
	t->set->sign_domains = "example.com";
	t->set->enforce_since = enforce_since;
	t->set->policy_unsigned = policy_unsigned;
	test_settings_check(t->set, t->pool);
	backscatter_settings_get_tag_settings(t->set, &t->tag_set);
	if (keys)
		t->keyring = test_keyring(TEST_BS1_KEY PRVS_KEY);
	t->policy.set = t->set;
	t->policy.keyring = t->keyring;
	t->policy.event = event_create(NULL);
}

static void policy_test_init(struct policy_test *t, bool keys)
{
	policy_test_init_full(t, keys, "", "dunno");
}

static void policy_test_deinit(struct policy_test *t)
{
	event_unref(&t->policy.event);
	backscatter_keyring_free(&t->keyring);
	pool_unref(&t->pool);
}

/* address tagged as signed on the given day (noon UTC) */
static const char *
tag_on(struct policy_test *t, const char *address, unsigned int day,
       enum backscatter_scheme scheme, enum backscatter_tag_form form)
{
	const struct smtp_address *addr, *tagged;
	struct smtp_address *parsed;
	const char *error;

	ck_assert_int_eq(smtp_address_parse_path(pool_datastack_create(),
		address, SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL, &parsed,
		&error), 0);
	addr = parsed;
	ck_assert_int_eq(backscatter_sign(t->keyring, &t->tag_set, scheme,
		form, addr, (time_t)day * BACKSCATTER_SECS_PER_DAY +
		12 * 60 * 60, &tagged, &error), 1);
	return t_strdup(smtp_address_encode(tagged));
}

static const char *tag(struct policy_test *t, const char *address)
{
	return tag_on(t, address, NOW_DAY, BACKSCATTER_SCHEME_BS1,
		      BACKSCATTER_TAG_FORM_SUBADDRESS);
}

/* The tag's last MAC character changed, as tests/lib/tamper does */
static const char *tamper(const char *address)
{
	char *copy = t_strdup_noconst(address);
	char *at = strchr(copy, '@');

	ck_assert_ptr_nonnull(at);
	/* subaddress form: the MAC ends at the '@'; prefix form: at the
	   second '=' */
	if (strncmp(copy, "bs1=", 4) == 0 || strncmp(copy, "prvs=", 5) == 0)
		at = strchr(strchr(copy, '=') + 1, '=');
	at[-1] = at[-1] == 'a' ? 'b' : 'a';
	return copy;
}

/* A request as Postfix sends it at RCPT */
static const char *
rcpt_request(const char *sender, const char *recipient)
{
	return t_strdup_printf(
		"request=smtpd_access_policy\n"
		"protocol_state=RCPT\n"
		"protocol_name=ESMTP\n"
		"client_address=192.0.2.7\n"
		"client_name=mx.attacker.example\n"
		"helo_name=mx.attacker.example\n"
		"sender=%s\n"
		"recipient=%s\n"
		"recipient_count=0\n"
		"queue_id=\n"
		"instance=1234.5678.9abc.0\n"
		"size=0\n"
		"sasl_method=\n"
		"ccert_subject=\n"
		"\n", sender, recipient);
}

/* Feeds data in one piece; returns the replies, and the return value and
   the octets used through the pointers */
static const char *
feed(struct policy_test *t, const char *data, int *ret_r, size_t *used_r)
{
	string_t *reply = t_str_new(128);

	*ret_r = backscatter_policy_input(&t->policy, (const void *)data,
					  strlen(data), NOW, reply, used_r);
	return str_c(reply);
}

/* The reply to one whole request, which must use it all */
static const char *answer(struct policy_test *t, const char *request)
{
	const char *reply;
	size_t used;
	int ret;

	reply = feed(t, request, &ret, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(used, strlen(request));
	return reply;
}

/*
 * Decisions
 */

START_TEST(test_bounce_to_forged_tag)
{
	struct policy_test t;

	policy_test_init(&t, TRUE);
	ck_assert_str_eq(answer(&t, rcpt_request("",
		tamper(tag(&t, "alice@example.com")))), REJECT("tag forged"));
	/* "<>" is the null sender too */
	ck_assert_str_eq(answer(&t, rcpt_request("<>",
		tamper(tag(&t, "alice@example.com")))), REJECT("tag forged"));
	/* a malformed tag and an unknown key id are forged, as everywhere */
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice+bs1=zzz@example.com")), REJECT("tag forged"));
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice+bs1=baaaaaaaaaaaaaaaa@example.com")),
		REJECT("tag forged"));
	/* prvs and the prefix form are judged alike */
	ck_assert_str_eq(answer(&t, rcpt_request("", tamper(tag_on(&t,
		"alice@example.com", NOW_DAY, BACKSCATTER_SCHEME_PRVS,
		BACKSCATTER_TAG_FORM_PREFIX)))), REJECT("tag forged"));
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_bounce_to_expired_tag)
{
	struct policy_test t;

	policy_test_init(&t, TRUE);
	/* lifetime 7 days, grace 1 day: 20 days ago is past both */
	ck_assert_str_eq(answer(&t, rcpt_request("", tag_on(&t,
		"alice@example.com", NOW_DAY - 20, BACKSCATTER_SCHEME_BS1,
		BACKSCATTER_TAG_FORM_SUBADDRESS))), REJECT("tag expired"));
	/* 8 days ago: expired, but within the grace day */
	ck_assert_str_eq(answer(&t, rcpt_request("", tag_on(&t,
		"alice@example.com", NOW_DAY - 7, BACKSCATTER_SCHEME_BS1,
		BACKSCATTER_TAG_FORM_SUBADDRESS))), DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_bounce_to_valid_tag)
{
	struct policy_test t;

	policy_test_init(&t, TRUE);
	ck_assert_str_eq(answer(&t, rcpt_request("",
		tag(&t, "alice@example.com"))), DUNNO);
	/* Postfix may send the domain in any case */
	ck_assert_str_eq(answer(&t, rcpt_request("",
		t_str_ucase(tag_on(&t, "alice@example.com", NOW_DAY,
				   BACKSCATTER_SCHEME_PRVS,
				   BACKSCATTER_TAG_FORM_PREFIX)))), DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_other_senders)
{
	struct policy_test t;

	policy_test_init(&t, TRUE);
	/* only bounces are judged: a forged tag from anyone else passes */
	ck_assert_str_eq(answer(&t, rcpt_request("bob@example.org",
		tamper(tag(&t, "alice@example.com")))), DUNNO);
	ck_assert_str_eq(answer(&t, rcpt_request("MAILER-DAEMON@example.org",
		"alice+bs1=zzz@example.com")), DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_without_keys)
{
	struct policy_test t;

	/* no keys: nothing is known, nothing refused */
	policy_test_init_full(&t, FALSE, "2020-01-01", "reject");
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice+bs1=zzz@example.com")), DUNNO);
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice+bs1=aaaaaaaaaaaaaaaaa@example.com")), DUNNO);
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_untagged)
{
	struct policy_test t;
	const char *since;

	/* not enforced: untagged is fine */
	policy_test_init_full(&t, TRUE, "", "reject");
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 DUNNO);
	policy_test_deinit(&t);

	/* enforced long since, but the setting says dunno */
	policy_test_init_full(&t, TRUE, "2026-01-01", "dunno");
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 DUNNO);
	policy_test_deinit(&t);

	/* enforced long since, reject: refused, with or without detail,
	   in any case of the domain */
	policy_test_init_full(&t, TRUE, "2026-01-01", "reject");
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 REJECT("no tag"));
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice+lists@EXAMPLE.com")), REJECT("no tag"));
	/* only for the sign domains */
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.org")),
			 DUNNO);
	ck_assert_str_eq(answer(&t, rcpt_request("",
		"alice@sub.example.com")), DUNNO);
	/* a valid tag still passes, a forged one is still forged */
	ck_assert_str_eq(answer(&t, rcpt_request("",
		tag(&t, "alice@example.com"))), DUNNO);
	ck_assert_str_eq(answer(&t, rcpt_request("",
		tamper(tag(&t, "alice@example.com")))), REJECT("tag forged"));
	policy_test_deinit(&t);

	/* Triage counts the day the bounced message was sent, never
	   further back than lifetime + grace (8) days: until enforcement
	   is that old, a bounce of mail sent before it may still come */
	since = backscatter_day_to_str(NOW_DAY - 7);
	policy_test_init_full(&t, TRUE, since, "reject");
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 DUNNO);
	policy_test_deinit(&t);
	since = backscatter_day_to_str(NOW_DAY - 8);
	policy_test_init_full(&t, TRUE, since, "reject");
	ck_assert_str_eq(answer(&t, rcpt_request("", "alice@example.com")),
			 REJECT("no tag"));
	policy_test_deinit(&t);
}
END_TEST

/* template with its "%s" (if any) replaced by rcpt */
static const char *with_rcpt(const char *template, const char *rcpt)
{
	const char *p = strstr(template, "%s");

	if (p == NULL)
		return template;
	return t_strconcat(t_strdup_until(template, p), rcpt, p + 2, NULL);
}

START_TEST(test_not_judged)
{
	static const char *const requests[] = {
		/* other request types and states */
		"request=junk_policy\nprotocol_state=RCPT\nsender=\n"
		"recipient=%s\n\n",
		"protocol_state=RCPT\nsender=\nrecipient=%s\n\n",
		"request=smtpd_access_policy\nprotocol_state=DATA\nsender=\n"
		"recipient=%s\n\n",
		"request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
		"sender=\nrecipient=%s\n\n",
		"request=smtpd_access_policy\nsender=\nrecipient=%s\n\n",
		/* no sender, no recipient, a recipient that is no address */
		"request=smtpd_access_policy\nprotocol_state=RCPT\n"
		"recipient=%s\n\n",
		"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
		"\n",
		"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
		"recipient=\n\n",
		"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
		"recipient=<<%s\n\n",
		/* an attribute twice: which one would Postfix mean? */
		"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
		"recipient=%s\nrecipient=bob@example.com\n\n",
		"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n"
		"sender=bob@example.org\nrecipient=%s\n\n",
		/* an empty request */
		"\n",
	};
	struct policy_test t;
	const char *forged;
	unsigned int i;

	policy_test_init_full(&t, TRUE, "2020-01-01", "reject");
	forged = tamper(tag(&t, "alice@example.com"));
	/* the request is well-formed: DUNNO, and the connection goes on */
	for (i = 0; i < N_ELEMENTS(requests); i++) {
		ck_assert_msg(strcmp(answer(&t, with_rcpt(requests[i],
			forged)), DUNNO) == 0, "request %u", i);
	}
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_reject_text)
{
	struct policy_test t;
	struct backscatter_policy_result result;
	string_t *reply = t_str_new(64);

	policy_test_init(&t, TRUE);
	t.set->policy_reject_text = "Go away";
	ck_assert_str_eq(answer(&t, rcpt_request("",
		tamper(tag(&t, "alice@example.com")))),
		"action=550 5.7.1 Go away (tag forged)\n\n");

	i_zero(&result);
	result.action = BACKSCATTER_POLICY_DUNNO;
	backscatter_policy_reply(&t.policy, &result, reply);
	ck_assert_str_eq(str_c(reply), DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_decide)
{
	struct policy_test t;
	struct backscatter_policy_request request;
	struct backscatter_policy_result result;

	policy_test_init(&t, TRUE);
	i_zero(&request);
	request.request = "smtpd_access_policy";
	request.protocol_state = "rcpt";
	request.sender = "";
	request.recipient = tamper(tag(&t, "alice@example.com"));
	backscatter_policy_decide(&t.policy, &request, NOW, &result);
	ck_assert_int_eq(result.action, BACKSCATTER_POLICY_REJECT);
	ck_assert_str_eq(result.what, "tag forged");
	ck_assert(result.log_info);
	ck_assert_ptr_nonnull(strstr(result.reason, "bs1 tag"));

	/* the common case logs at debug level only */
	request.sender = "bob@example.org";
	backscatter_policy_decide(&t.policy, &request, NOW, &result);
	ck_assert_int_eq(result.action, BACKSCATTER_POLICY_DUNNO);
	ck_assert(!result.log_info);
	policy_test_deinit(&t);
}
END_TEST

/*
 * Input: framing
 */

START_TEST(test_input_batches)
{
	struct policy_test t;
	const char *valid, *forged, *data, *reply;
	size_t used;
	int ret;

	policy_test_init(&t, TRUE);
	valid = tag(&t, "alice@example.com");
	forged = tamper(valid);
	/* pipelined: all answered, in order; the incomplete rest kept */
	data = t_strconcat(rcpt_request("", forged),
			   rcpt_request("", valid),
			   rcpt_request("bob@example.org", forged),
			   "request=smtpd_access_policy\nsender=", NULL);
	reply = feed(&t, data, &ret, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(reply, REJECT("tag forged") DUNNO DUNNO);
	ck_assert_uint_eq(used, strlen(data) -
		strlen("request=smtpd_access_policy\nsender="));

	/* nothing complete: nothing used, no reply */
	reply = feed(&t, "request=smtpd_access_policy\n", &ret, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_str_eq(reply, "");
	reply = feed(&t, "", &ret, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_str_eq(reply, "");

	/* CRLF, as an admin's telnet sends it */
	data = t_strdup_printf("request=smtpd_access_policy\r\n"
			       "protocol_state=RCPT\r\nsender=\r\n"
			       "recipient=%s\r\n\r\n", forged);
	ck_assert_str_eq(answer(&t, data), REJECT("tag forged"));
	policy_test_deinit(&t);
}
END_TEST

/* However reads split a request, the answer is the same */
START_TEST(test_input_split_anywhere)
{
	struct policy_test t;
	const char *data;
	string_t *buf, *replies;
	size_t i, used;
	int ret;

	policy_test_init(&t, TRUE);
	data = t_strconcat(
		rcpt_request("", tamper(tag(&t, "alice@example.com"))),
		rcpt_request("", tag(&t, "alice@example.com")), NULL);
	buf = t_str_new(1024);
	replies = t_str_new(128);
	for (i = 0; data[i] != '\0'; i++) {
		str_append_c(buf, data[i]);
		ret = backscatter_policy_input(&t.policy, str_data(buf),
					       str_len(buf), NOW, replies,
					       &used);
		ck_assert_int_eq(ret, 0);
		str_delete(buf, 0, used);
	}
	ck_assert_uint_eq(str_len(buf), 0);
	ck_assert_str_eq(str_c(replies), REJECT("tag forged") DUNNO);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_input_garbage)
{
	static const char *const garbage[] = {
		"hello world\n",
		"GET / HTTP/1.0\r\n\r\n",
		"request=smtpd_access_policy\nno equals sign here\n\n",
		"request=smtpd_access_policy\nsender=a\0b\n\n",
	};
	static const size_t garbage_sizes[] = {
		sizeof("hello world\n") - 1,
		sizeof("GET / HTTP/1.0\r\n\r\n") - 1,
		sizeof("request=smtpd_access_policy\nno equals sign here\n\n")
			- 1,
		sizeof("request=smtpd_access_policy\nsender=a\0b\n\n") - 1,
	};
	struct policy_test t;
	string_t *reply;
	buffer_t *data;
	const char *valid;
	size_t used;
	unsigned int i;
	int ret;

	policy_test_init(&t, TRUE);
	valid = rcpt_request("", tag(&t, "alice@example.com"));
	for (i = 0; i < N_ELEMENTS(garbage); i++) {
		/* after a good request, whose reply comes first */
		data = t_buffer_create(512);
		buffer_append(data, valid, strlen(valid));
		buffer_append(data, garbage[i], garbage_sizes[i]);
		reply = t_str_new(128);
		ret = backscatter_policy_input(&t.policy, data->data,
					       data->used, NOW, reply, &used);
		ck_assert_msg(ret == -1, "garbage %u accepted", i);
		ck_assert_uint_eq(used, strlen(valid));
		ck_assert_str_eq(str_c(reply), DUNNO DUNNO);
	}
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_input_size_bound)
{
	struct policy_test t;
	string_t *data, *reply;
	size_t used, pad;
	int ret;

	policy_test_init(&t, TRUE);
	/* a request of exactly the longest size is answered */
	data = t_str_new(BACKSCATTER_POLICY_MAX_REQUEST + 64);
	str_append(data, rcpt_request("", "alice@example.com"));
	str_truncate(data, str_len(data) - 1);
	pad = BACKSCATTER_POLICY_MAX_REQUEST - str_len(data) -
		strlen("x=\n\n");
	str_append(data, "x=");
	while (pad-- > 0)
		str_append_c(data, 'a');
	str_append(data, "\n\n");
	ck_assert_uint_eq(str_len(data), BACKSCATTER_POLICY_MAX_REQUEST);
	reply = t_str_new(64);
	ret = backscatter_policy_input(&t.policy, str_data(data),
				       str_len(data), NOW, reply, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(used, str_len(data));
	ck_assert_str_eq(str_c(reply), DUNNO);

	/* one octet more is refused, whether complete or not */
	str_insert(data, 0, "y=1\n");
	str_truncate(reply, 0);
	ret = backscatter_policy_input(&t.policy, str_data(data),
				       str_len(data), NOW, reply, &used);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(str_c(reply), DUNNO);
	str_truncate(data, BACKSCATTER_POLICY_MAX_REQUEST + 1);
	str_truncate(reply, 0);
	ret = backscatter_policy_input(&t.policy, str_data(data),
				       str_len(data), NOW, reply, &used);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(str_c(reply), DUNNO);
	/* but up to the bound, an incomplete one may still complete */
	str_truncate(data, BACKSCATTER_POLICY_MAX_REQUEST);
	str_truncate(reply, 0);
	ret = backscatter_policy_input(&t.policy, str_data(data),
				       str_len(data), NOW, reply, &used);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(used, 0);
	policy_test_deinit(&t);
}
END_TEST

START_TEST(test_input_truncated)
{
	struct policy_test t;
	string_t *reply = t_str_new(64);

	policy_test_init(&t, TRUE);
	backscatter_policy_input_truncated(&t.policy, reply);
	ck_assert_str_eq(str_c(reply), DUNNO);
	policy_test_deinit(&t);
}
END_TEST

/* Many replies in one batch outgrow the caller's reply buffer, which
   lives in the caller's data stack frame */
START_TEST(test_input_many_replies)
{
	struct policy_test t;
	string_t *data, *reply;
	const char *request;
	size_t used;
	unsigned int i;

	policy_test_init(&t, TRUE);
	request = rcpt_request("", tamper(tag(&t, "alice@example.com")));
	data = t_str_new(8192);
	for (i = 0; i < 30; i++)
		str_append(data, request);
	reply = t_str_new(16);
	ck_assert_int_eq(backscatter_policy_input(&t.policy, str_data(data),
		str_len(data), NOW, reply, &used), 0);
	ck_assert_uint_eq(used, str_len(data));
	ck_assert_uint_eq(str_len(reply), 30 * strlen(REJECT("tag forged")));
	policy_test_deinit(&t);
}
END_TEST

Suite *backscatter_policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("decisions");
	tcase_add_test(tc, test_bounce_to_forged_tag);
	tcase_add_test(tc, test_bounce_to_expired_tag);
	tcase_add_test(tc, test_bounce_to_valid_tag);
	tcase_add_test(tc, test_other_senders);
	tcase_add_test(tc, test_without_keys);
	tcase_add_test(tc, test_untagged);
	tcase_add_test(tc, test_not_judged);
	tcase_add_test(tc, test_reject_text);
	tcase_add_test(tc, test_decide);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_add_test(tc, test_input_batches);
	tcase_add_test(tc, test_input_split_anywhere);
	tcase_add_test(tc, test_input_garbage);
	tcase_add_test(tc, test_input_size_bound);
	tcase_add_test(tc, test_input_truncated);
	tcase_add_test(tc, test_input_many_replies);
	suite_add_tcase(s, tc);
	return s;
}
