/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Unit tests of the analyzer: report detection on stored messages, on
   generated pathological ones, and its stream contract. */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "array.h"
#include "bounce-analyzer.h"
#include "bounce-json.h"
#include "bounce-phrases.h"
#include "check-common.h"

#include <check.h>

static const struct fixture_case {
	const char *file;
	enum bounce_kind kind;
	bool status_part_found;
	const char *content_type;
} fixture_cases[] = {
	{ "dsn-rfc3464.eml", BOUNCE_KIND_DSN, TRUE, "multipart/report" },
	{ "dsn-postfix.eml", BOUNCE_KIND_DSN, TRUE, "multipart/report" },
	{ "dsn-global.eml", BOUNCE_KIND_DSN, TRUE, "multipart/report" },
	{ "dsn-folded-quoted.eml", BOUNCE_KIND_DSN, TRUE,
	  "multipart/report" },
	{ "normal.eml", BOUNCE_KIND_NONE, FALSE, "text/plain" },
	{ "mentions-dsn.eml", BOUNCE_KIND_NONE, FALSE, "text/plain" },
	{ "mdn.eml", BOUNCE_KIND_NONE, FALSE, "multipart/report" },
	/* a member's post through a list, about a list manager's refusal */
	{ "list-post.eml", BOUNCE_KIND_NONE, FALSE, "text/plain" },
	/* Declared a DSN, but without a boundary no part can be found */
	{ "broken-no-boundary.eml", BOUNCE_KIND_DSN, FALSE,
	  "multipart/report" },
	/* Cut inside the status part: the part header was still seen */
	{ "broken-truncated.eml", BOUNCE_KIND_DSN, TRUE, "multipart/report" },
	{ "empty.eml", BOUNCE_KIND_NONE, FALSE, NULL },
	{ "dsn-edge-cases.eml", BOUNCE_KIND_DSN, TRUE, "multipart/report" },
};

static struct bounce_report *
analyze_stream(struct istream *input, uoff_t max_read_size, pool_t pool)
{
	const struct bounce_analyzer_settings set = {
		.max_read_size = max_read_size,
	};
	struct bounce_report *report;
	const char *error;

	ck_assert_msg(bounce_analyze(input, &set, pool, &report, &error) == 0,
		      "analysis failed: %s", error);
	return report;
}

static struct bounce_report *analyze_data(const string_t *msg, pool_t pool)
{
	struct istream *input = i_stream_create_from_data(str_data(msg),
							  str_len(msg));
	struct bounce_report *report = analyze_stream(input, 0, pool);

	i_stream_unref(&input);
	return report;
}

START_TEST(test_fixture)
{
	const struct fixture_case *c = &fixture_cases[_i];
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open(c->file);
	struct bounce_report *report = analyze_stream(input, 0, pool);

	ck_assert_msg(report->kind == c->kind, "%s: kind %s, expected %s",
		      c->file, bounce_kind_to_str(report->kind),
		      bounce_kind_to_str(c->kind));
	ck_assert_msg(report->status_part_found == c->status_part_found,
		      "%s: status_part_found=%d", c->file,
		      report->status_part_found);
	ck_assert_pstr_eq(report->content_type, c->content_type);
	ck_assert(!report->truncated);

	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_report_type_recorded)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-folded-quoted.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);

	/* quoted, mixed case and behind a comment in the message */
	ck_assert_str_eq(report->report_type, "delivery-status");
	i_stream_unref(&input);

	input = test_data_open("mdn.eml");
	report = analyze_stream(input, 0, pool);
	ck_assert_str_eq(report->report_type, "disposition-notification");
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

/* RFC 3464 reports with CRLF line endings, as they arrive over SMTP */
START_TEST(test_crlf)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *msg = test_data_read("dsn-rfc3464.eml");
	string_t *crlf = t_str_new(str_len(msg) + 128);
	const char *p;
	struct bounce_report *report;

	for (p = str_c(msg); *p != '\0'; p++) {
		if (*p == '\n')
			str_append_c(crlf, '\r');
		str_append_c(crlf, *p);
	}
	report = analyze_data(crlf, pool);
	ck_assert_int_eq(report->kind, BOUNCE_KIND_DSN);
	ck_assert(report->status_part_found);
	pool_unref(&pool);
}
END_TEST

static void append_dsn_header(string_t *msg, const char *boundary)
{
	str_printfa(msg,
		"From: MAILER-DAEMON@example.net\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; "
		"report-type=delivery-status; boundary=\"%s\"\n\n", boundary);
}

START_TEST(test_deep_nesting)
{
	/* 10,000 nested multiparts inside a DSN: far beyond the parser's
	   nesting limit, which must stay an ordinary result */
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *msg = t_str_new(1024 * 1024);
	struct bounce_report *report;
	unsigned int i;

	append_dsn_header(msg, "b0");
	for (i = 0; i < 10000; i++) {
		str_printfa(msg, "--b%u\nContent-Type: multipart/mixed; "
			    "boundary=\"b%u\"\n\n", i, i + 1);
	}
	str_append(msg, "--b10000\nContent-Type: text/plain\n\nx\n");

	report = analyze_data(msg, pool);
	ck_assert_int_eq(report->kind, BOUNCE_KIND_DSN);
	ck_assert(!report->status_part_found);
	/* 10,000 levels are more than the read limit holds */
	ck_assert(report->truncated);
	pool_unref(&pool);
}
END_TEST

static string_t *make_large_message(bool dsn, size_t body_size)
{
	string_t *msg = t_str_new(body_size + 1024);

	if (dsn) {
		append_dsn_header(msg, "big");
		str_append(msg, "--big\nContent-Type: message/delivery-status"
			   "\n\nFinal-Recipient: rfc822; x@example.net\n"
			   "Action: failed\nStatus: 5.2.3\n\n"
			   "--big\nContent-Type: application/octet-stream\n"
			   "Content-Transfer-Encoding: base64\n\n");
	} else {
		str_append(msg, "From: bob@example.org\nMIME-Version: 1.0\n"
			   "Content-Type: application/octet-stream\n"
			   "Content-Transfer-Encoding: base64\n\n");
	}
	while (str_len(msg) < body_size)
		str_append(msg, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo"
			   "wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcA==\n");
	if (dsn)
		str_append(msg, "--big--\n");
	return msg;
}

START_TEST(test_large_attachment)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *msg;
	struct bounce_report *report;

	msg = make_large_message(TRUE, 20 * 1024 * 1024);
	report = analyze_data(msg, pool);
	ck_assert_int_eq(report->kind, BOUNCE_KIND_DSN);
	ck_assert(report->status_part_found);
	ck_assert(report->truncated);

	/* Ordinary mail is read no further than the bound either */
	msg = make_large_message(FALSE, 20 * 1024 * 1024);
	report = analyze_data(msg, pool);
	ck_assert_int_eq(report->kind, BOUNCE_KIND_NONE);
	ck_assert(report->truncated);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_read_limit)
{
	/* The status part starts after 1000 bytes: a 512-byte limit must
	   stop the analyzer before it, a 64 KiB one must not. */
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-rfc3464.eml");
	struct bounce_report *report;

	report = analyze_stream(input, 512, pool);
	ck_assert_int_eq(report->kind, BOUNCE_KIND_DSN);
	ck_assert(!report->status_part_found);
	ck_assert(report->truncated);

	report = analyze_stream(input, 64 * 1024, pool);
	ck_assert(report->status_part_found);
	ck_assert(!report->truncated);

	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_exact_limit_not_truncated)
{
	/* found by fuzzing: a message of exactly the bound was "truncated" */
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *msg = t_str_new(1024);
	struct istream *input;
	struct bounce_report *report;

	str_append(msg, "Subject: x\n\n");
	while (str_len(msg) < 1024)
		str_append_c(msg, 'a');
	input = i_stream_create_from_data(str_data(msg), str_len(msg));
	report = analyze_stream(input, 1024, pool);
	ck_assert(!report->truncated);
	report = analyze_stream(input, 1023, pool);
	ck_assert(report->truncated);
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_long_content_type_bounded)
{
	/* found by fuzzing: type and report-type were kept whole */
	pool_t pool = pool_alloconly_create("test", 1024);
	string_t *msg = t_str_new(12000);
	struct bounce_report *report;
	unsigned int i;

	str_append(msg, "Content-Type: multipart/");
	for (i = 0; i < 5000; i++)
		str_append_c(msg, 'x');
	str_append(msg, "; report-type=");
	for (i = 0; i < 5000; i++)
		str_append_c(msg, 'y');
	str_append(msg, "\n\nbody\n");
	report = analyze_data(msg, pool);
	ck_assert_uint_le(strlen(report->content_type),
			  BOUNCE_REPORT_MAX_FIELD_LENGTH);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_stream_offset_kept)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-rfc3464.eml");
	struct bounce_report *report;

	i_stream_seek(input, 123);
	report = analyze_stream(input, 0, pool);
	/* analyzed from the start regardless of the offset ... */
	ck_assert_int_eq(report->kind, BOUNCE_KIND_DSN);
	/* ... and the offset restored for the stream's other users */
	ck_assert_int_eq(input->v_offset, 123);
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_read_error)
{
	const struct bounce_analyzer_settings set = { .max_read_size = 0 };
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = i_stream_create_error_str(EIO, "disk on fire");
	struct bounce_report *report;
	const char *error;

	ck_assert_int_eq(bounce_analyze(input, &set, pool, &report, &error),
			 -1);
	ck_assert_ptr_nonnull(strstr(error, "disk on fire"));
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_kind_names)
{
	enum bounce_kind kind;

	ck_assert(bounce_kind_from_str("DSN", &kind));
	ck_assert_int_eq(kind, BOUNCE_KIND_DSN);
	ck_assert(bounce_kind_from_str("none", &kind));
	ck_assert_int_eq(kind, BOUNCE_KIND_NONE);
	ck_assert(!bounce_kind_from_str("dsnx", &kind));
	ck_assert(!bounce_kind_from_str("", &kind));
	ck_assert_str_eq(bounce_kind_to_str(BOUNCE_KIND_DSN), "dsn");
	/* "none" is a result, not something to ask for */
	ck_assert_str_eq(bounce_kind_names(),
			 "dsn, mta, autoreply, feedback");
}
END_TEST

/*
 * Report fields
 */

static const struct bounce_recipient *
recipient(const struct bounce_report *report, unsigned int idx)
{
	ck_assert_uint_gt(array_count(&report->recipients), idx);
	return array_idx(&report->recipients, idx);
}

START_TEST(test_rfc3464_fields)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-rfc3464.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);
	const struct bounce_recipient *rcpt;
	const char *const *received;

	ck_assert_str_eq(report->reporting_mta, "mx.example.net");
	ck_assert_str_eq(report->received_from_mta, "mail.example.com");
	ck_assert_str_eq(report->arrival_date,
			 "Wed, 25 Nov 2026 10:12:38 +0100");
	ck_assert_uint_eq(array_count(&report->recipients), 1);
	rcpt = recipient(report, 0);
	ck_assert_str_eq(rcpt->final_recipient, "nobody@example.net");
	ck_assert_ptr_null(rcpt->original_recipient);
	ck_assert_str_eq(rcpt->action, "failed");
	ck_assert_str_eq(rcpt->status.str, "5.1.1");
	ck_assert_str_eq(rcpt->remote_mta, "mx.example.net");
	ck_assert_str_eq(rcpt->diagnostic_code,
			 "550 5.1.1 <nobody@example.net>... User unknown");
	ck_assert_str_eq(rcpt->last_attempt_date,
			 "Wed, 25 Nov 2026 10:12:41 +0100");
	ck_assert(rcpt->permanent);

	/* the text/rfc822-headers part */
	ck_assert(report->original_found);
	ck_assert_str_eq(report->original.message_id, "<lunch-42@example.com>");
	ck_assert_str_eq(report->original.from, "Alice <alice@example.com>");
	ck_assert_str_eq(report->original.to, "nobody@example.net");
	ck_assert_str_eq(report->original.subject, "Lunch on Friday?");
	ck_assert_str_eq(report->original.return_path, "<alice@example.com>");
	ck_assert_uint_eq(array_count(&report->original.received), 1);
	received = array_front(&report->original.received);
	ck_assert_ptr_nonnull(strstr(*received, "by mx.example.net with ESMTP"));
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_postfix_fields)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-postfix.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);
	const struct bounce_recipient *rcpt = recipient(report, 0);

	ck_assert_str_eq(report->reporting_mta, "p351355.pool.example.ne.jp");
	ck_assert_str_eq(rcpt->final_recipient, "r@p351355.pool.example.ne.jp");
	ck_assert_str_eq(rcpt->original_recipient, "kijitora@example.org");
	ck_assert_str_eq(rcpt->status.str, "5.1.1");
	ck_assert_ptr_nonnull(strstr(rcpt->diagnostic_code,
				     "procmail: Couldn't create"));
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_edge_case_fields)
{
	/* base64 status part, no per-message block, no "rfc822;" type,
	   status 5.1 and 9.9.9, a folded diagnostic, an encoded subject in
	   a message/rfc822 original */
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-edge-cases.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);
	const struct bounce_recipient *rcpt;

	ck_assert_ptr_null(report->reporting_mta);
	ck_assert_uint_eq(array_count(&report->recipients), 3);

	rcpt = recipient(report, 0);
	ck_assert_str_eq(rcpt->final_recipient, "bob@example.org");
	ck_assert_str_eq(rcpt->action, "failed");
	/* "5.1" is no status; the failure says the class */
	ck_assert_str_eq(rcpt->status.str, "5.0.0");
	ck_assert(rcpt->permanent);

	rcpt = recipient(report, 1);
	ck_assert_str_eq(rcpt->final_recipient, "carol@example.org");
	ck_assert_str_eq(rcpt->action, "delayed");
	ck_assert_str_eq(rcpt->status.str, "4.4.7");
	ck_assert_str_eq(rcpt->diagnostic_code,
			 "421 4.4.7 Try again later, please");
	ck_assert(!rcpt->permanent);

	rcpt = recipient(report, 2);
	ck_assert_str_eq(rcpt->final_recipient, "dave@example.org");
	/* nor is "9.9.9" */
	ck_assert_str_eq(rcpt->status.str, "5.0.0");
	ck_assert(rcpt->permanent);

	ck_assert_ptr_eq(bounce_report_first_failed(report),
			 recipient(report, 0));

	ck_assert(report->original_found);
	ck_assert_str_eq(report->original.message_id,
			 "<gruesse-1@example.com>");
	ck_assert_str_eq(report->original.subject,
			 "Gr\xc3\xbc\xc3\x9f" "e from Alice");
	ck_assert_str_eq(report->original.return_path, "<alice@example.com>");
	ck_assert_uint_eq(array_count(&report->original.received), 2);
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_global_dsn_fields)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("dsn-global.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);

	ck_assert_str_eq(recipient(report, 0)->final_recipient,
			 "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
	ck_assert_str_eq(recipient(report, 0)->status.str, "5.1.1");
	ck_assert(!report->original_found);
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

START_TEST(test_not_a_report_has_no_fields)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	struct istream *input = test_data_open("mentions-dsn.eml");
	struct bounce_report *report = analyze_stream(input, 0, pool);

	ck_assert_uint_eq(array_count(&report->recipients), 0);
	ck_assert_ptr_null(bounce_report_first_failed(report));
	ck_assert(!report->original_found);
	i_stream_unref(&input);
	pool_unref(&pool);
}
END_TEST

/* The quoted original is searched for only in mail some decoder may
   take: the same body, quoting a message inline, keeps its original as
   an auto-reply and has none as ordinary mail */
START_TEST(test_original_only_of_reports)
{
	static const char *const subjects[] = {
		"Auto: Project notes", "Project notes",
	};
	pool_t pool = pool_alloconly_create("test", 1024);
	struct bounce_report *report;
	string_t *msg = t_str_new(1024);
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(subjects); i++) {
		str_truncate(msg, 0);
		str_printfa(msg, "From: Bob <bob@example.com>\n"
			    "To: alice@example.org\n"
			    "Subject: %s\n\n"
			    "I am away.\n\n"
			    "--- Original message follows ---\n\n"
			    "From: alice@example.org\n"
			    "Subject: Project notes\n"
			    "Message-ID: <notes@example.org>\n\n"
			    "The notes.\n", subjects[i]);
		report = analyze_data(msg, pool);
		ck_assert_int_eq(report->kind, i == 0 ?
				 BOUNCE_KIND_AUTOREPLY : BOUNCE_KIND_NONE);
		ck_assert(report->original_found == (i == 0));
		p_clear(pool);
	}
	pool_unref(&pool);
}
END_TEST

/* Ordinary mail keeps only its text's opening, but a text that opens as
   JSON is kept whole: an SES notification from a sender whose header
   says nothing, with its bounced recipient after 4 KB of the quoted
   mail's header, still names the recipient */
START_TEST(test_json_text_kept_whole)
{
	pool_t pool = pool_alloconly_create("test", 1024);
	const struct bounce_recipient *rcpt;
	struct bounce_report *report;
	string_t *msg = t_str_new(8192);

	str_append(msg, "From: AWS Notifications <no-reply@sns.example>\n"
		   "To: alice@example.org\n"
		   "Subject: AWS Notification Message\n\n"
		   "{\"notificationType\":\"Bounce\",\"mail\":"
		   "{\"commonHeaders\":{\"subject\":\"");
	while (str_len(msg) < 4200)
		str_append(msg, "notes ");
	str_append(msg, "\"}},\"bounce\":{\"bounceType\":\"Permanent\","
		   "\"bouncedRecipients\":[{\"emailAddress\":"
		   "\"gone@example.net\",\"status\":\"5.1.1\"}]}}\n");
	report = test_analyze_message(pool, str_c(msg));
	rcpt = bounce_report_first_failed(report);
	ck_assert_ptr_nonnull(rcpt);
	ck_assert_str_eq(rcpt->final_recipient, "gone@example.net");
	pool_unref(&pool);
}
END_TEST

/* --- the phrase index (bounce-phrases.c) --- */

static const struct {
	const char *phrase;
} test_phrases[] = {
	{ "user unknown" }, { "unknown" }, { "ab" }, { "ba" }, { "aab" },
	{ "bab " }, { "b a" }, { "abba" }, { "  " },
};

START_TEST(test_phrases_table_order)
{
	static struct bounce_phrases index =
		BOUNCE_PHRASES_INIT(test_phrases, phrase);
	const char *text = "unknown host, then user unknown";

	/* the earlier entry wins, though it comes later in the text */
	ck_assert_int_eq(bounce_phrases_find(&index, text, strlen(text)), 0);
	text = "host unknown";
	ck_assert_int_eq(bounce_phrases_find(&index, text, strlen(text)), 1);
	text = "nothing here";
	ck_assert_int_eq(bounce_phrases_find(&index, text, strlen(text)), -1);
	ck_assert_int_eq(bounce_phrases_find(&index, "", 0), -1);
	/* at the very end, and cut off by the length given */
	text = "xyzab";
	ck_assert_int_eq(bounce_phrases_find(&index, text, 5), 2);
	ck_assert_int_eq(bounce_phrases_find(&index, text, 4), -1);
	text = "user unknow";
	ck_assert_int_eq(bounce_phrases_find(&index, text, strlen(text)), -1);
}
END_TEST

/* The index must answer what asking strstr() for each phrase in turn
   answers; random texts over a small alphabet make every phrase and
   partial match common */
START_TEST(test_phrases_match_strstr)
{
	static struct bounce_phrases index =
		BOUNCE_PHRASES_INIT(test_phrases, phrase);
	static const char alphabet[] = "ab un";
	char text[64];
	unsigned int round, i, len, seed = 4711;
	int expected;

	/* a fixed sequence, so that a failure can be reproduced */
#define NEXT_RANDOM() (seed = seed * 1103515245U + 12345U, seed >> 16)
	for (round = 0; round < 20000; round++) {
		len = NEXT_RANDOM() % (sizeof(text) - 1);
		for (i = 0; i < len; i++)
			text[i] = alphabet[NEXT_RANDOM() %
					   (sizeof(alphabet) - 1)];
		text[len] = '\0';
		expected = -1;
		for (i = 0; i < N_ELEMENTS(test_phrases); i++) {
			if (strstr(text, test_phrases[i].phrase) != NULL) {
				expected = i;
				break;
			}
		}
		ck_assert_int_eq(bounce_phrases_find(&index, text, len),
				 expected);
	}
#undef NEXT_RANDOM
}
END_TEST

/* --- bounce_json_walk(), on both Dovecot generations --- */

static void json_collect(void *context, const char *path, const char *value)
{
	string_t *str = context;

	str_printfa(str, "%s=%s;", path, value == NULL ? "{" : value);
}

static const struct json_case {
	const char *json;
	int ret;
	/* what the walk reported, as "path=value;" ("{" for an object) */
	const char *events;
} json_cases[] = {
	{ "{\"a\":\"x\",\"n\":1,\"t\":true,\"z\":null}", 0,
	  "={;a=x;" },
	{ "{\"a\":{\"b\":[{\"c\":\"1\"},{\"c\":\"2\"}],\"d\":[\"e\",\"f\"]}}",
	  0, "={;a={;a.b={;a.b.c=1;a.b={;a.b.c=2;a.d=e;a.d=f;" },
	/* escapes are decoded */
	{ "{\"a\":\"\\\"q\\u00e9\"}", 0, "={;a=\"q\xc3\xa9;" },
	/* the walk ends with the first value: what follows is not read */
	{ "{\"a\":\"x\"}\n--\nnot JSON", 0, "={;a=x;" },
	/* broken: what came before the break stands */
	{ "{\"a\":\"x\",\"b\":", -1, "={;a=x;" },
	{ "{\"a\":\"x\" \"b\"}", -1, "={;a=x;" },
	/* BOUNCE_JSON_MAX_DEPTH (16) levels at most */
	{ "[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]", -1, "" },
};

START_TEST(test_json_walk)
{
	const struct json_case *c = &json_cases[_i];
	string_t *events = t_str_new(128);
	const char *error = NULL;
	int ret;

	ret = bounce_json_walk((const void *)c->json, strlen(c->json),
			       json_collect, events, &error);
	ck_assert_msg(ret == c->ret, "%s: returned %d (%s)", c->json, ret,
		      error == NULL ? "" : error);
	if (ret < 0)
		ck_assert(error != NULL && *error != '\0');
	ck_assert_str_eq(str_c(events), c->events);
}
END_TEST

Suite *bounce_analyzer_suite(void)
{
	Suite *s = suite_create("bounce-analyzer");
	TCase *tc;

	tc = tcase_create("fixtures");
	tcase_add_loop_test(tc, test_fixture, 0, N_ELEMENTS(fixture_cases));
	tcase_add_test(tc, test_report_type_recorded);
	tcase_add_test(tc, test_crlf);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_rfc3464_fields);
	tcase_add_test(tc, test_postfix_fields);
	tcase_add_test(tc, test_edge_case_fields);
	tcase_add_test(tc, test_global_dsn_fields);
	tcase_add_test(tc, test_not_a_report_has_no_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_large_attachment);
	tcase_add_test(tc, test_read_limit);
	tcase_add_test(tc, test_exact_limit_not_truncated);
	tcase_add_test(tc, test_long_content_type_bounded);
	tcase_add_test(tc, test_original_only_of_reports);
	tcase_add_test(tc, test_json_text_kept_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("phrases");
	tcase_add_test(tc, test_phrases_table_order);
	tcase_add_test(tc, test_phrases_match_strstr);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_test(tc, test_stream_offset_kept);
	tcase_add_test(tc, test_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, test_json_walk, 0, N_ELEMENTS(json_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("kinds");
	tcase_add_test(tc, test_kind_names);
	suite_add_tcase(s, tc);
	return s;
}
