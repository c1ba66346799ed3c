/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* How a reason is decided (docs/reasons.md), on hand-made messages: one
   case per class of error seen on bounces the project had never seen,
   each failing without the rule it names. And the typed status the
   rules read. */

#include "lib.h"
#include "array.h"
#include "istream.h"
#include "str.h"
#include "bounce-analyzer.h"
#include "check-common.h"

/* --- the typed status --- */

START_TEST(test_status_parse)
{
	struct bounce_status status;
	const char *end;

	ck_assert(bounce_status_parse("5.1.1", &status));
	ck_assert_uint_eq(status.class, 5);
	ck_assert_uint_eq(status.subject, 1);
	ck_assert_uint_eq(status.detail, 1);
	ck_assert_str_eq(bounce_status_str(&status), "5.1.1");
	ck_assert(bounce_status_is(&status, 1, 1));
	ck_assert(!bounce_status_is(&status, 1, 0));

	ck_assert(bounce_status_parse("4.7.650", &status));
	ck_assert_uint_eq(status.detail, 650);
	ck_assert_str_eq(status.str, "4.7.650");
	/* leading zeros are read as numbers, and written without */
	ck_assert(bounce_status_parse("5.01.001", &status));
	ck_assert_str_eq(status.str, "5.1.1");

	/* a code, then what follows it */
	end = bounce_status_parse_prefix("4.4.7 (delivery expired)", &status);
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end, " (delivery expired)");
	ck_assert_uint_eq(status.class, 4);

	/* not codes: class 3, four digits, a missing part, trailing text
	   for the whole-string parse; each leaves no status */
	ck_assert(!bounce_status_parse("3.1.1", &status));
	ck_assert_uint_eq(status.class, 0);
	ck_assert_ptr_null(bounce_status_str(&status));
	ck_assert(!bounce_status_parse("5.1.1000", &status));
	ck_assert(!bounce_status_parse("5.1", &status));
	ck_assert(!bounce_status_parse("5..1", &status));
	ck_assert(!bounce_status_parse("5.1.1 ", &status));
	ck_assert_uint_eq(status.class, 0);
	ck_assert_ptr_null(bounce_status_parse_prefix("550 5.1.1", &status));

	bounce_status_set(&status, 4, 0, 0);
	ck_assert_str_eq(bounce_status_str(&status), "4.0.0");
}
END_TEST

/* --- the classes of error --- */

#define DSN_HEADER \
	"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n" \
	"To: alice@example.com\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"  boundary=\"b\"\n\n" \
	"--b\nContent-Type: text/plain\n\nDelivery failed.\n\n"
/* A DSN for bob@example.net with the given per-recipient fields */
#define DSN(fields) \
	DSN_HEADER \
	"--b\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.example.org\n\n" \
	"Final-Recipient: rfc822; bob@example.net\n" fields "\n" \
	"--b--\n"

static const struct reason_case {
	const char *name, *message;
	enum bounce_kind kind;
	/* the first recipient */
	const char *recipient, *status;
	enum bounce_reason reason;
} reason_cases[] = {
	/* plain wordings that were undefined */
	{ "an envelope that expired (OpenSMTPD)",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; Envelope expired"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_EXPIRED },
	{ "a server that did not accept our requests to connect (Gmail)",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; The recipient server did not accept "
	      "our requests to connect. [mx.example.net 192.0.2.1]"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_NETWORKERROR },
	{ "an address that couldn't be found (Microsoft)",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; The email address you entered "
	      "couldn't be found. Please check the recipient's email "
	      "address and try to resend the message."),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_USERUNKNOWN },
	{ "a network that is not allowed",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; 554 Your network is not allowed to "
	      "send mail here"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_BLOCKED },
	{ "a protocol violation",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; 554 SMTP protocol violation"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_SYNTAXERROR },

	/* an unknown user is filtered only where the stage is shown */
	{ "user unknown with x.2.1 and no stage shown",
	  DSN("Action: failed\nStatus: 5.2.1\n"
	      "Diagnostic-Code: smtp; 550 5.2.1 <bob@example.net>... User "
	      "Unknown"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.2.1",
	  BOUNCE_REASON_USERUNKNOWN },
	{ "user unknown with x.5.0 and no stage shown",
	  DSN("Action: failed\nStatus: 5.5.0\n"
	      "Diagnostic-Code: smtp; 550 5.5.0 User unknown"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.5.0",
	  BOUNCE_REASON_USERUNKNOWN },
	{ "an invalid recipient, no stage shown",
	  DSN("Action: failed\nStatus: 5.0.0\n"
	      "Diagnostic-Code: smtp; 550 Invalid recipient"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_USERUNKNOWN },

	/* a local delivery agent's words outrank its diagnostic type */
	{ "x-unix: Dovecot LDA's quota message is a full mailbox",
	  DSN("Action: failed\nStatus: 5.7.0\n"
	      "Diagnostic-Code: x-unix; Quota exceeded (mailbox for user is "
	      "full)"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.7.0",
	  BOUNCE_REASON_MAILBOXFULL },
	{ "x-unix: user unknown with 5.1.1 is an unknown user",
	  DSN("Action: failed\nStatus: 5.1.1\n"
	      "Diagnostic-Code: x-unix; user unknown"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.1.1",
	  BOUNCE_REASON_USERUNKNOWN },
	{ "x-unix: a bare exit code, and the report's words name the cause",
	  DSN_HEADER
	  "   ----- Transcript of session follows -----\n"
	  "Quota exceeded (mailbox for user is full)\n"
	  "550 5.0.0 <bob@example.net>... Insufficient permission\n\n"
	  "--b\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.example.org\n\n"
	  "Final-Recipient: rfc822; bob@example.net\n"
	  "Action: failed\nStatus: 5.3.0\nDiagnostic-Code: X-Unix; 77\n\n"
	  "--b--\n",
	  BOUNCE_KIND_DSN, "bob@example.net", "5.3.0",
	  BOUNCE_REASON_MAILBOXFULL },
	{ "x-unix: a bare exit code and nothing said is the mailer's",
	  DSN("Action: failed\nStatus: 5.3.0\n"
	      "Diagnostic-Code: X-Unix; 255"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.3.0",
	  BOUNCE_REASON_MAILERERROR },

	/* x.2.3 with a text about the message's size */
	{ "5.2.3 'Message size exceeds fixed maximum message size'",
	  DSN("Action: failed\nStatus: 5.2.3\n"
	      "Diagnostic-Code: smtp; 552 5.2.3 Message size exceeds fixed "
	      "maximum message size (10485760)"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.2.3",
	  BOUNCE_REASON_MESGTOOBIG },

	/* late deliveries */
	{ "a delay warning after connection refused",
	  DSN("Action: delayed\nStatus: 4.4.1\n"
	      "Diagnostic-Code: X-Postfix; connect to "
	      "mx.example.net[192.0.2.1]:25: Connection refused"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.4.1",
	  BOUNCE_REASON_EXPIRED },
	{ "given up after connection refused",
	  DSN("Action: failed\nStatus: 4.4.1\n"
	      "Diagnostic-Code: X-Postfix; connect to "
	      "mx.example.net[192.0.2.1]:25: Connection refused"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.4.1",
	  BOUNCE_REASON_EXPIRED },
	{ "sendmail gives up after 'Connection refused by' (4.4.7)",
	  DSN("Action: failed\nStatus: 4.4.7\n"
	      "Diagnostic-Code: SMTP; Deferred: Connection refused by "
	      "mx.example.net"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.4.7",
	  BOUNCE_REASON_EXPIRED },
	{ "a delay warning with a 4.3.0 reply and no cause named",
	  DSN("Action: delayed\nStatus: 4.3.0\n"
	      "Diagnostic-Code: smtp; 451 4.3.0 Please try again later"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.3.0",
	  BOUNCE_REASON_EXPIRED },
	{ "a delay warning that names the cause keeps it",
	  DSN("Action: delayed\nStatus: 4.3.0\n"
	      "Diagnostic-Code: smtp; 452 4.3.0 <bob@example.net> Quota "
	      "exceeded (mailbox for user is full)"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.3.0",
	  BOUNCE_REASON_MAILBOXFULL },

	/* an IP ban is a block, not a refusal of the sender */
	{ "banned sending IP (Microsoft 5.7.606)",
	  DSN("Action: failed\nStatus: 5.7.606\n"
	      "Diagnostic-Code: smtp; 550 5.7.606 Access denied, banned "
	      "sending IP [192.0.2.25]"),
	  BOUNCE_KIND_DSN, "bob@example.net", "5.7.606",
	  BOUNCE_REASON_BLOCKED },

	/* the server's status against its reply code and text */
	{ "552 and 'over quota' outweigh the server's own 5.1.1",
	  "From: MAILER-DAEMON@mx.example.org\n"
	  "Subject: failure notice\n\n"
	  "Unable to deliver message to: <bob@example.net>\n"
	  "Delivery failed for the following reason:\n"
	  "<bob@example.net>: mx.example.net[192.0.2.1] responded with "
	  "failure: 552 sorry, mailbox bob@example.net is over quota "
	  "temporarily (#5.1.1)\n",
	  BOUNCE_KIND_MTA, "bob@example.net", "5.1.1",
	  BOUNCE_REASON_MAILBOXFULL },

	/* Sun/Oracle Messaging Server's internal addresses */
	{ "a Final-Recipient at a channel (@ims-ms-daemon) gives way to the "
	  "Original-Recipient",
	  DSN_HEADER
	  "--b\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns;mx.example.org (tcp_intranet-daemon)\n\n"
	  "Original-recipient: rfc822;bob@example.net\n"
	  "Final-recipient: rfc822;bob@ims-ms-daemon\n"
	  "Action: failed\nStatus: 5.2.2 (mailbox full)\n\n"
	  "--b--\n",
	  BOUNCE_KIND_DSN, "bob@example.net", "5.2.2",
	  BOUNCE_REASON_MAILBOXFULL },
	{ "an X.400 Final-Recipient gives way to the Original-Recipient",
	  DSN_HEADER
	  "--b\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns;mx.example.org\n\n"
	  "Final-Recipient: x400; /C=US/ADMD= /PRMD=Example/O=Org/S=Doe/\n"
	  "Original-Recipient: rfc822;bob@example.net\n"
	  "Action: failed\nStatus: 5.1.1\n\n"
	  "--b--\n",
	  BOUNCE_KIND_DSN, "bob@example.net", "5.1.1",
	  BOUNCE_REASON_USERUNKNOWN },
	{ "a channel address in the text is no recipient",
	  "From: Mail Delivery System <mailer-daemon@mx.example.org>\n"
	  "Subject: Undelivered Mail Returned to Sender\n\n"
	  "This report relates to a message you sent.\n\n"
	  "  Recipient address: bob@ims-ms-daemon\n"
	  "  Original address: bob@example.net\n"
	  "  Reason: Mailbox full\n",
	  BOUNCE_KIND_MTA, "bob@example.net", NULL,
	  BOUNCE_REASON_MAILBOXFULL },

	/* the Dovecot Sieve reject MDN (RFC 5429): the recipient's filter,
	   whatever the user's reason says */
	{ "a Sieve reject MDN is the recipient's filter",
	  "From: Postmaster <postmaster@example.net>\n"
	  "To: <alice@example.com>\n"
	  "Subject: Rejected: Hello\n"
	  "Auto-Submitted: auto-replied (rejected)\n"
	  "MIME-Version: 1.0\n"
	  "Content-Type: multipart/report; "
	  "report-type=disposition-notification;\n  boundary=\"m\"\n\n"
	  "--m\nContent-Type: text/plain\n\n"
	  "Your message to <bob@example.net> was automatically rejected:\n"
	  "No spam, thank you.\n"
	  "--m\nContent-Type: message/disposition-notification\n\n"
	  "Reporting-UA: mx.example.net; Dovecot Mail Delivery Agent\n"
	  "Final-Recipient: rfc822; bob@example.net\n"
	  "Disposition: automatic-action/MDN-sent-automatically; deleted\n\n"
	  "--m--\n",
	  BOUNCE_KIND_MTA, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_FILTERED },

	/* vacation(1): no Auto-Submitted, sent as the user */
	{ "vacation(1)'s default message",
	  "Return-Path: <frank@example.net>\n"
	  "To: alice@example.com\n"
	  "Subject: away from my mail\n"
	  "From: frank@example.net\n\n"
	  "I will not be reading my mail for a while.\n"
	  "Your mail concerning \"Hello\"\n"
	  "will be read when I return.\n",
	  BOUNCE_KIND_AUTOREPLY, "frank@example.net", NULL,
	  BOUNCE_REASON_VACATION },
	{ "vacation(1)'s manual's message, with Precedence: bulk",
	  "Return-Path: <frank@example.net>\n"
	  "To: alice@example.com\n"
	  "From: frank@example.net (Frank)\n"
	  "Subject: I am on vacation\n"
	  "Precedence: bulk\n\n"
	  "I am on vacation until July 22.  If you have something urgent,\n"
	  "please contact Keith <keith@example.net>.\n",
	  BOUNCE_KIND_AUTOREPLY, "frank@example.net", NULL,
	  BOUNCE_REASON_VACATION },

	/* Exim's refusal of a locally submitted message over its size
	   limit (moan.c): no recipient in the text, the copy announced in
	   two lines of dashes */
	{ "a local submission too big (Exim moan.c)",
	  "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
	  "To: alice@example.com\n"
	  "Auto-Submitted: auto-replied\n"
	  "Subject: Mail failure - message too big\n\n"
	  "A message that you sent was longer than the maximum size "
	  "allowed on this\nsystem. It was not delivered to any "
	  "recipients.\n\n"
	  "------ This is a copy of your message, including all the "
	  "headers.\n"
	  "------ No more than 10K characters of the body are "
	  "included.\n\n"
	  "From: Alice <alice@example.com>\n"
	  "To: <bob@example.net>\n"
	  "Subject: the slides\n"
	  "Message-ID: <slides-1@example.com>\n\n"
	  "The slides, as promised.\n",
	  BOUNCE_KIND_MTA, "bob@example.net", "5.0.0",
	  BOUNCE_REASON_MESGTOOBIG },
	/* sendmail gave up on a server that never greeted: its Status:
	   4.4.7 is the outcome, its transcript's 4.4.1 only how the
	   attempts failed */
	{ "an expiry after read errors (sendmail)",
	  DSN_HEADER
	  "   ----- The following addresses had permanent fatal errors "
	  "-----\n<bob@example.net>\n\n"
	  "   ----- Transcript of session follows -----\n"
	  "451 4.4.1 reply: read error from mx.example.net.\n"
	  "<bob@example.net>... Deferred: Connection timed out with "
	  "mx.example.net.\n"
	  "Message could not be delivered for 5 days\n\n"
	  "--b\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.example.org\n\n"
	  "Final-Recipient: rfc822; bob@example.net\n"
	  "Action: failed\nStatus: 4.4.7\n\n--b--\n",
	  BOUNCE_KIND_DSN, "bob@example.net", "4.4.7",
	  BOUNCE_REASON_EXPIRED },
	/* ... but the server's own code in a Diagnostic-Code stands */
	{ "an expiry with the server's own network code",
	  DSN("Action: failed\nStatus: 4.4.7\n"
	      "Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to "
	      "deliver in 840 minutes.<421 4.4.2 Connection timed out>"),
	  BOUNCE_KIND_DSN, "bob@example.net", "4.4.2",
	  BOUNCE_REASON_EXPIRED },
};

START_TEST(test_reason_case)
{
	const struct reason_case *c = &reason_cases[_i];
	pool_t pool = pool_alloconly_create("test", 4096);
	struct bounce_report *report = test_analyze_message(pool, c->message);
	const struct bounce_recipient *rcpt;

	ck_assert_msg(report->kind == c->kind, "%s: kind %s", c->name,
		      bounce_kind_to_str(report->kind));
	ck_assert_msg(array_count(&report->recipients) > 0, "%s: no recipient",
		      c->name);
	rcpt = array_front(&report->recipients);
	ck_assert_msg(strcmp(rcpt->final_recipient, c->recipient) == 0,
		      "%s: recipient %s", c->name, rcpt->final_recipient);
	if (c->status != NULL) {
		ck_assert_msg(strcmp(rcpt->status.str, c->status) == 0,
			      "%s: status %s", c->name, rcpt->status.str);
	}
	ck_assert_msg(rcpt->reason == c->reason, "%s: reason %s", c->name,
		      bounce_reason_to_str(rcpt->reason));
	pool_unref(&pool);
}
END_TEST

/* The rule that decided is named, with its source: a phrase by its
   table and index, a step by what it read */
START_TEST(test_reason_rule)
{
	pool_t pool = pool_alloconly_create("test", 4096);
	struct bounce_report *report;
	const struct bounce_recipient *rcpt;

	report = test_analyze_message(pool, DSN("Action: failed\nStatus: 5.1.1\n"
		"Diagnostic-Code: smtp; 550 5.1.1 User unknown"));
	rcpt = array_front(&report->recipients);
	ck_assert_str_eq(rcpt->reason_rule, "status:5.1.1");
	ck_assert_str_eq(rcpt->reason_source, "RFC 3463");

	report = test_analyze_message(pool, DSN("Action: failed\nStatus: 5.0.0\n"
		"Diagnostic-Code: smtp; 550 Relay access denied"));
	rcpt = array_front(&report->recipients);
	ck_assert_int_eq(rcpt->reason, BOUNCE_REASON_NORELAYING);
	ck_assert_msg(strncmp(rcpt->reason_rule, "phrase:en:", 10) == 0,
		      "rule %s", rcpt->reason_rule);
	ck_assert_str_eq(rcpt->reason_source, "Postfix smtpd_check.c");

	/* the stage reinterprets the phrase: the stage decided */
	report = test_analyze_message(pool, DSN("Action: failed\nStatus: 5.0.0\n"
		"Diagnostic-Code: smtp; 550 User unknown (in reply to MAIL "
		"FROM command)"));
	rcpt = array_front(&report->recipients);
	ck_assert_int_eq(rcpt->reason, BOUNCE_REASON_REJECTED);
	ck_assert_str_eq(rcpt->reason_rule, "stage:mail");
	pool_unref(&pool);
}
END_TEST

/* A person's mail about a holiday is no auto-reply: vacation words in
   the subject alone, or in the text alone, or from another envelope
   sender, are not enough */
START_TEST(test_vacation_conservative)
{
	static const char *const messages[] = {
		/* the subject only */
		"Return-Path: <frank@example.net>\n"
		"From: frank@example.net\nTo: alice@example.com\n"
		"Subject: on vacation: photos\n\n"
		"Here are the pictures from the beach.\n",
		/* the text only */
		"Return-Path: <frank@example.net>\n"
		"From: frank@example.net\nTo: alice@example.com\n"
		"Subject: next week\n\n"
		"I am on vacation until July 22, shall we meet after?\n",
		/* sent through another envelope sender */
		"Return-Path: <bounces@lists.example.net>\n"
		"From: frank@example.net\nTo: alice@example.com\n"
		"Subject: away from my mail\nPrecedence: bulk\n\n"
		"I will not be reading my mail for a while.\n",
	};
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(messages); i++) {
		pool_t pool = pool_alloconly_create("test", 4096);
		struct bounce_report *report =
			test_analyze_message(pool, messages[i]);

		ck_assert_msg(report->kind == BOUNCE_KIND_NONE,
			      "message %u: kind %s", i,
			      bounce_kind_to_str(report->kind));
		pool_unref(&pool);
	}
}
END_TEST

/* A subscriber's MTA bounces a list's copy to the poster: the quoted
   original is To: the list, which is nobody's failed address; the
   subscriber is whom the list's copy was for */
START_TEST(test_list_copy_not_the_list)
{
	static const char *const messages[] = {
		"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
		"To: alice@example.com\n"
		"Subject: Warning: could not send message for past 4 hours\n\n"
		"Deferred: Connection timed out with mx.example.org.\n\n"
		"   ----- Original message follows -----\n\n"
		"Received: from lists.example.com (lists.example.com "
		"[192.0.2.7])\n\tby mx.example.net with ESMTP id x1\n"
		"\tfor <sub@example.org>; Sat, 5 Dec 2026 10:00:00 +0000\n"
		"From: alice@example.com\n"
		"To: cats@lists.example.com\n"
		"List-Id: Cats <cats.lists.example.com>\n"
		"Subject: [cats] Hello\n"
		"Message-ID: <1@example.com>\n\nHello\n",
		/* no Received names the subscriber: nobody is named */
		"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n"
		"To: alice@example.com\n"
		"Subject: Warning: could not send message for past 4 hours\n\n"
		"Deferred: Connection timed out with mx.example.org.\n\n"
		"   ----- Original message follows -----\n\n"
		"From: alice@example.com\n"
		"To: cats@lists.example.com\n"
		"List-Post: <mailto:cats@lists.example.com>\n"
		"Subject: [cats] Hello\n"
		"Message-ID: <1@example.com>\n\nHello\n",
	};
	static const char *const expected[] = { "sub@example.org", NULL };
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(messages); i++) {
		pool_t pool = pool_alloconly_create("test", 4096);
		struct bounce_report *report =
			test_analyze_message(pool, messages[i]);
		const struct bounce_recipient *rcpt;

		ck_assert_msg(report->kind == BOUNCE_KIND_MTA,
			      "message %u: kind %s", i,
			      bounce_kind_to_str(report->kind));
		array_foreach(&report->recipients, rcpt) {
			ck_assert_msg(strcmp(rcpt->final_recipient,
					     "cats@lists.example.com") != 0,
				      "message %u: the list is a recipient", i);
		}
		if (expected[i] == NULL)
			ck_assert_uint_eq(array_count(&report->recipients), 0);
		else {
			ck_assert_uint_eq(array_count(&report->recipients), 1);
			rcpt = array_front(&report->recipients);
			ck_assert_str_eq(rcpt->final_recipient, expected[i]);
		}
		pool_unref(&pool);
	}
}
END_TEST

/* A headers part labelled message/rfc822-headers is still the
   original's header */
START_TEST(test_message_rfc822_headers)
{
	pool_t pool = pool_alloconly_create("test", 4096);
	struct bounce_report *report = test_analyze_message(pool,
		DSN_HEADER
		"--b\nContent-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mx.example.org\n\n"
		"Final-Recipient: rfc822; bob@example.net\n"
		"Action: failed\nStatus: 5.1.1\n\n"
		"--b\nContent-Type: message/rfc822-headers\n\n"
		"From: alice@example.com\nTo: bob@example.net\n"
		"Subject: Hello\nMessage-ID: <42@example.com>\n\n"
		"--b--\n");

	ck_assert(report->kind == BOUNCE_KIND_DSN);
	ck_assert(report->original_found);
	ck_assert_str_eq(report->original.message_id, "<42@example.com>");
	ck_assert_str_eq(report->original.subject, "Hello");
	pool_unref(&pool);
}
END_TEST

Suite *bounce_reasons_suite(void)
{
	Suite *s = suite_create("bounce-reasons");
	TCase *tc = tcase_create("status");

	tcase_add_test(tc, test_status_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("classes");
	tcase_add_loop_test(tc, test_reason_case, 0, N_ELEMENTS(reason_cases));
	tcase_add_test(tc, test_reason_rule);
	tcase_add_test(tc, test_vacation_conservative);
	tcase_add_test(tc, test_list_copy_not_the_list);
	tcase_add_test(tc, test_message_rfc822_headers);
	suite_add_tcase(s, tc);
	return s;
}
