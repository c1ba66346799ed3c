/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Why a recipient's delivery failed, from the evidence a report gives,
   in the order of trust docs/reasons.md explains: the RFC 3463 status,
   the SMTP reply code and the command it answered, the action, the
   text. The words are in bounce-reason-phrases.c, each with its
   source; the codes' meanings are in the tables below. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-str.h"
#include "bounce-phrases.h"
#include "bounce-reason-phrases.h"
#include "bounce-reason.h"

#include <ctype.h>

static const char *const bounce_reason_names[BOUNCE_REASON_COUNT] = {
	[BOUNCE_REASON_UNDEFINED] = "undefined",
	[BOUNCE_REASON_AUTHFAILURE] = "authfailure",
	[BOUNCE_REASON_BADREPUTATION] = "badreputation",
	[BOUNCE_REASON_BLOCKED] = "blocked",
	[BOUNCE_REASON_CONTENTERROR] = "contenterror",
	[BOUNCE_REASON_DELIVERED] = "delivered",
	[BOUNCE_REASON_EXCEEDLIMIT] = "exceedlimit",
	[BOUNCE_REASON_EXPIRED] = "expired",
	[BOUNCE_REASON_FEEDBACK] = "feedback",
	[BOUNCE_REASON_FILTERED] = "filtered",
	[BOUNCE_REASON_HASMOVED] = "hasmoved",
	[BOUNCE_REASON_HOSTUNKNOWN] = "hostunknown",
	[BOUNCE_REASON_MAILBOXFULL] = "mailboxfull",
	[BOUNCE_REASON_MAILERERROR] = "mailererror",
	[BOUNCE_REASON_MESGTOOBIG] = "mesgtoobig",
	[BOUNCE_REASON_NETWORKERROR] = "networkerror",
	[BOUNCE_REASON_NORELAYING] = "norelaying",
	[BOUNCE_REASON_NOTACCEPT] = "notaccept",
	[BOUNCE_REASON_NOTCOMPLIANTRFC] = "notcompliantrfc",
	[BOUNCE_REASON_ONHOLD] = "onhold",
	[BOUNCE_REASON_POLICYVIOLATION] = "policyviolation",
	[BOUNCE_REASON_REJECTED] = "rejected",
	[BOUNCE_REASON_REQUIREPTR] = "requireptr",
	[BOUNCE_REASON_SECURITYERROR] = "securityerror",
	[BOUNCE_REASON_SPAMDETECTED] = "spamdetected",
	[BOUNCE_REASON_SPEEDING] = "speeding",
	[BOUNCE_REASON_SUSPEND] = "suspend",
	[BOUNCE_REASON_SYNTAXERROR] = "syntaxerror",
	[BOUNCE_REASON_SYSTEMERROR] = "systemerror",
	[BOUNCE_REASON_SYSTEMFULL] = "systemfull",
	[BOUNCE_REASON_TOOMANYCONN] = "toomanyconn",
	[BOUNCE_REASON_USERUNKNOWN] = "userunknown",
	[BOUNCE_REASON_VACATION] = "vacation",
	[BOUNCE_REASON_VIRUSDETECTED] = "virusdetected",
};

BOUNCE_STR_TABLE_DEFINE(bounce_reason, enum bounce_reason,
			bounce_reason_names, BOUNCE_REASON_COUNT)

/* What the reasons mean for the address: a hard bounce says the address
   itself is dead, so only these can be hard */
static const enum bounce_reason hard_reasons[] = {
	BOUNCE_REASON_USERUNKNOWN,
	BOUNCE_REASON_HOSTUNKNOWN,
	BOUNCE_REASON_HASMOVED,
	BOUNCE_REASON_NOTACCEPT,
};

static bool action_is(const struct bounce_recipient *rcpt, const char *action)
{
	return rcpt->action != NULL && strcmp(rcpt->action, action) == 0;
}

/* The SMTP command a refusal answered, as MTAs quote it ("in reply to
   RCPT TO command", "after end of data", ">>> DATA"); the first phrase
   of the table found decides */
enum smtp_stage {
	SMTP_STAGE_UNKNOWN = 0,
	/* connection, greeting, EHLO: the client itself */
	SMTP_STAGE_CONNECT,
	/* MAIL FROM: the sender's address */
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_DATA,
};

static const struct {
	const char *phrase;
	enum smtp_stage stage;
} smtp_stage_phrases[] = {
#define C(phrase, stage) { phrase, SMTP_STAGE_##stage }
	C("in reply to rcpt to command", RCPT),
	C("in reply to end of data command", DATA),
	C("in reply to data command", DATA),
	C("in reply to mail from command", MAIL),
	C("in reply to ehlo command", CONNECT),
	C("in reply to helo command", CONNECT),
	C("after rcpt to", RCPT),
	C("after end of data", DATA),
	C("after data", DATA),
	C("after mail from", MAIL),
	C("after initial connection", CONNECT),
	C("after ehlo", CONNECT),
	C("after helo", CONNECT),
	/* Postfix (smtp_proto.c): the server's greeting was a refusal */
	C("refused to talk to me", CONNECT),
	C("our rcpt to", RCPT),
	C("our data", DATA),
	C("our mail from", MAIL),
	C(">>> rcpt to", RCPT),
	/* "SMTP:RCPT host 192.0.2.8: 553 ..." */
	C("smtp:rcpt", RCPT),
	C(">>> data", DATA),
	C(">>> mail from", MAIL),
	/* qmail: "no SMTP connection got far enough; most progress was
	   RCPT TO response" */
	C("progress was rcpt to", RCPT),
#undef C
};

/* What an RFC 3463 status says on its own (the texts of RFC 3463 and
   of the RFC 5248 registry, with RFC 7372's and RFC 7505's codes). A
   code is decisive when its text names one cause whoever sends it
   ("X.2.2 Mailbox full"); the others name only the part of the system
   that failed ("X.7.1 Delivery not authorized, message refused") and
   are a hint, used when the reply and the text say nothing more
   (docs/reasons.md). A detail of 0 stands for its whole subject. */
static const struct status_reason {
	unsigned int subject, detail;
	enum bounce_reason reason;
	bool decisive;
} status_reasons[] = {
#define D(subject, detail, reason) \
	{ subject, detail, BOUNCE_REASON_##reason, TRUE }
#define H(subject, detail, reason) \
	{ subject, detail, BOUNCE_REASON_##reason, FALSE }
	D(1, 1, USERUNKNOWN),	/* Bad destination mailbox address */
	D(1, 2, HOSTUNKNOWN),	/* Bad destination system address */
	H(1, 3, USERUNKNOWN),	/* Bad destination mailbox address syntax */
	H(1, 4, USERUNKNOWN),	/* Destination mailbox address ambiguous */
	D(1, 6, HASMOVED),	/* Destination mailbox has moved */
	H(1, 7, REJECTED),	/* Bad sender's mailbox address syntax */
	D(1, 8, REJECTED),	/* Bad sender's system address */
	/* RFC 7505: Recipient address has null MX; Microsoft uses it for
	   a recipient it does not know, so the text decides */
	H(1, 10, NOTACCEPT),
	H(2, 1, SUSPEND),	/* Mailbox disabled, not accepting messages */
	D(2, 2, MAILBOXFULL),	/* Mailbox full */
	/* Message length exceeds administrative limit */
	H(2, 3, MESGTOOBIG),
	H(2, 4, MAILERERROR),	/* Mailing list expansion problem */
	D(3, 1, SYSTEMFULL),	/* Mail system full */
	H(3, 2, NOTACCEPT),	/* System not accepting network messages */
	D(3, 4, MESGTOOBIG),	/* Message too big for system */
	H(3, 5, SYSTEMERROR),	/* System incorrectly configured */
	H(4, 1, NETWORKERROR),	/* No answer from host */
	H(4, 2, NETWORKERROR),	/* Bad connection */
	H(4, 3, SYSTEMERROR),	/* Directory server failure */
	H(4, 4, HOSTUNKNOWN),	/* Unable to route */
	D(4, 6, NETWORKERROR),	/* Routing loop detected */
	D(4, 7, EXPIRED),	/* Delivery time expired */
	H(5, 3, EXCEEDLIMIT),	/* Too many recipients */
	H(5, 0, SYNTAXERROR),	/* Other or undefined protocol status */
	H(5, 1, SYNTAXERROR),	/* Invalid command */
	H(5, 2, SYNTAXERROR),	/* Syntax error */
	H(5, 4, SYNTAXERROR),	/* Invalid command arguments */
	H(6, 0, CONTENTERROR),	/* Other or undefined media error */
	H(6, 1, CONTENTERROR),	/* Media not supported */
	H(7, 1, BLOCKED),	/* Delivery not authorized, message refused */
	H(7, 7, SECURITYERROR),	/* Message integrity failure */
	H(7, 8, SECURITYERROR),	/* Authentication credentials invalid */
	H(7, 9, SECURITYERROR),	/* Authentication mechanism is too weak */
	D(7, 13, SUSPEND),	/* User Account Disabled */
	H(7, 14, SECURITYERROR),	/* Trust relationship required */
	D(7, 20, AUTHFAILURE),	/* No passing DKIM signature found */
	D(7, 21, AUTHFAILURE),	/* No acceptable DKIM signature found */
	D(7, 22, AUTHFAILURE),	/* No valid author-matched DKIM signature */
	D(7, 23, AUTHFAILURE),	/* SPF validation failed */
	D(7, 24, AUTHFAILURE),	/* SPF validation error */
	D(7, 25, REQUIREPTR),	/* Reverse DNS validation failed */
	D(7, 26, AUTHFAILURE),	/* Multiple authentication checks failed */
	D(7, 27, NOTACCEPT),	/* Sender address has null MX */
	H(7, 0, SECURITYERROR),	/* Other or undefined security status */
#undef D
#undef H
};

/* RFC 5321's reply codes that name a cause (4.2.2, 4.2.3, 4.5.3.1.10):
   551 "User not local; please try <forward-path>"; 552 "exceeded storage
   allocation", which answering the message data is "Too much mail
   data". Servers use them loosely (552 for too many recipients or too
   large a header, 551 for a policy's refusal), so that they are only a
   hint when nothing else says why; they are decisive only where they
   agree with the text against a status. */
static const struct {
	const char *code;
	enum smtp_stage stage;
	enum bounce_reason reason;
} reply_code_reasons[] = {
	{ "551", SMTP_STAGE_UNKNOWN, BOUNCE_REASON_HASMOVED },
	{ "552", SMTP_STAGE_DATA, BOUNCE_REASON_MESGTOOBIG },
	{ "552", SMTP_STAGE_UNKNOWN, BOUNCE_REASON_MAILBOXFULL },
};

/* Words that say the server never answered -- the connection was
   refused or timed out -- which is what a queue waits out: a delivery
   given up or still retried after them has expired. (A lost connection,
   a missing route or a DNS failure say more, and stay what they are.) */
static const char *const unanswered_phrases[] = {
	"connection refused",		/* ECONNREFUSED */
	"timed out",			/* ETIMEDOUT; Postfix smtp_trouble.c */
	"timeout",
	"did not accept our requests to connect",	/* Gmail 4.4.1 */
	"no answer from host",		/* RFC 3463 X.4.1 */
	"network error on destination",	/* OpenSMTPD mta.c */
	NULL
};

static bool reason_is_hard(enum bounce_reason reason)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(hard_reasons); i++) {
		if (hard_reasons[i] == reason)
			return TRUE;
	}
	return FALSE;
}

static bool status_says_little(const struct bounce_status *status);

/* Returns TRUE when the status at p follows a reply code, as a server
   words it: "550 5.1.1", "550-'5.2.2" */
static bool status_follows_reply_code(const char *text, const char *p)
{
	if (p > text && (p[-1] == '\'' || p[-1] == '"'))
		p--;
	return p - text >= 4 && (p[-1] == ' ' || p[-1] == '-') &&
		(p[-4] == '4' || p[-4] == '5') &&
		i_isdigit(p[-3]) && i_isdigit(p[-2]) &&
		(p - text == 4 || !i_isalnum(p[-5]));
}

/* The RFC 3463 status code of a failure in text ("... 550 5.1.1 <x>
   ..."), standing alone: a transcript may quote a success first ("250
   2.1.5 Ok"), and an MTA's "4.4.7 Message expired" or "5.1.0 - Unknown
   address error" may quote the server's own "421 4.4.2 Connection timed
   out" after it. So the first failure's code that says more than x.0.0
   or x.4.7, the server's (after its reply code) before the MTA's; else
   the first failure's; else the first code. */
static bool find_status(const char *text, struct bounce_status *status_r)
{
	struct bounce_status status, first, first_failure, first_telling;
	const char *p, *end;

	i_zero(&first);
	i_zero(&first_failure);
	i_zero(&first_telling);
	for (p = text; *p != '\0'; p++) {
		if (p > text && (i_isalnum(p[-1]) || p[-1] == '.'))
			continue;
		end = bounce_status_parse_prefix(p, &status);
		if (end == NULL || i_isalnum(*end) || *end == '.')
			continue;
		if (first.class == 0)
			first = status;
		if (status.class == 2)
			continue;
		if (status_says_little(&status)) {
			if (first_failure.class == 0)
				first_failure = status;
			continue;
		}
		if (status_follows_reply_code(text, p)) {
			*status_r = status;
			return TRUE;
		}
		if (first_telling.class == 0)
			first_telling = status;
	}
	*status_r = first_telling.class != 0 ? first_telling :
		first_failure.class != 0 ? first_failure : first;
	return status_r->class != 0;
}

/* The SMTP reply code the diagnostic quotes: three digits, 2-5 first,
   standing alone ("550 ", "550-", "said: 550"); a failure's (4xx, 5xx)
   before any other, as a transcript quotes successes first */
static const char *find_reply_code(const char *text)
{
	const char *p, *first = NULL;

	for (p = text; *p != '\0'; p++) {
		if (*p < '2' || *p > '5' || !i_isdigit(p[1]) ||
		    !i_isdigit(p[2]) || p[1] > '5' ||
		    (p > text && (i_isalnum(p[-1]) || p[-1] == '.' ||
				  p[-1] == '-' || p[-1] == ':' ||
				  p[-1] == '[' || p[-1] == '#')))
			continue;
		/* "550 ", "550-", Yahoo's "550:", Zoho's "550," */
		if (p[3] != ' ' && p[3] != '-' && p[3] != ':' && p[3] != ',' &&
		    p[3] != '\0')
			continue;
		if (*p == '4' || *p == '5')
			return t_strndup(p, 3);
		if (first == NULL)
			first = p;
	}
	return first == NULL ? NULL : t_strndup(first, 3);
}

static enum smtp_stage smtp_stage_from_text(const char *lc)
{
	static struct bounce_phrases index =
		BOUNCE_PHRASES_INIT(smtp_stage_phrases, phrase);
	int idx = bounce_phrases_find(&index, lc, strlen(lc));

	return idx < 0 ? SMTP_STAGE_UNKNOWN : smtp_stage_phrases[idx].stage;
}

/* x.0.0: "other undefined status", nothing but the class */
static bool status_is_class_only(const struct bounce_status *status)
{
	return bounce_status_is(status, 0, 0);
}

/* Statuses that say nothing of why: x.0.0, and x.4.7 ("delivery time
   expired"), which an MTA gives when it stops retrying whatever the
   server answered */
static bool status_says_little(const struct bounce_status *status)
{
	return status_is_class_only(status) || bounce_status_is(status, 4, 7);
}

/* A network or routing code (x.4.y: no answer, bad connection) in the
   prose of a report whose status part says x.4.7 and quotes no
   diagnostic: the MTA's word that its queue lifetime ran out when no
   server ever answered, and its own earlier words on how the attempts
   failed (sendmail's "451 4.4.1 reply: read error from ..." when the
   server never greeted). The expiry is the outcome; the attempts' code
   is not more precise, only earlier. */
static bool
status_is_network_under_expiry(const struct bounce_recipient *rcpt,
			       const struct bounce_status *text_status)
{
	return rcpt->diagnostic_from_text &&
		bounce_status_is(&rcpt->status, 4, 7) &&
		text_status->subject == 4;
}

/* RFC 3463 subject 1: the address itself is the problem */
static bool status_is_addressing(const struct bounce_status *status)
{
	return status->class != 0 && status->subject == 1;
}

/* Returns the length of a multi-line reply's continuation prefix at p,
   "550-5.7.1 " or "550 5.7.1 " (or "550-") for the reply code code, or
   0 when there is none */
static size_t reply_continuation_len(const char *p, const char *code)
{
	const char *end;

	if (strncmp(p, code, 3) != 0 || (p[3] != '-' && p[3] != ' '))
		return 0;
	struct bounce_status status;

	end = bounce_status_parse_prefix(p + 4, &status);
	if (end != NULL && *end == ' ')
		return end + 1 - p;
	return p[3] == '-' ? 4 : 0;
}

/* A multi-line SMTP reply repeats its code on each line ("550-5.7.1
   Messages with multiple\n550-5.7.1 addresses in From: ..."), which
   splits the server's sentence: the repeats after the first line go */
static void str_remove_reply_continuations(string_t *str)
{
	const char *code = NULL;
	char *text = str_c_modifiable(str), *src, *dest;
	size_t skip;

	for (src = text; *src != '\0'; src++) {
		if ((src == text || src[-1] == ' ') && src[0] >= '2' &&
		    src[0] <= '5' && i_isdigit(src[1]) && i_isdigit(src[2]) &&
		    src[3] == '-') {
			code = src;
			break;
		}
	}
	if (code == NULL)
		return;
	src = dest = (char *)code + 4;
	while (*src != '\0') {
		if (src[-1] == ' ' &&
		    (skip = reply_continuation_len(src, code)) > 0) {
			src += skip;
			continue;
		}
		*dest++ = *src++;
	}
	str_truncate(str, dest - text);
}

/* text lower-cased (ASCII), each run of white space one space, a
   multi-line reply's repeated codes removed: folded fields keep their
   line breaks' indentation ("Recipient    address rejected"), which
   phrases must not depend on */
static const char *t_str_fold_lcase(const char *text)
{
	size_t len = strlen(text);
	string_t *str = t_str_new(len + 1);

	bounce_str_append_folded(str, text, len, len);
	str_remove_reply_continuations(str);
	return str_lcase(str_c_modifiable(str));
}

/* The report's words, lower-cased: wanted rarely, made on demand */
static const char *report_lcase(const struct bounce_report *report)
{
	return report->report_text == NULL ? "" :
		t_str_lcase(report->report_text);
}

static const struct status_reason *
status_reason(const struct bounce_status *status)
{
	unsigned int i;

	if (status->class == 0)
		return NULL;
	/* the code itself first, then its subject (detail 0) */
	for (i = 0; i < N_ELEMENTS(status_reasons); i++) {
		if (status_reasons[i].subject == status->subject &&
		    status_reasons[i].detail == status->detail)
			return &status_reasons[i];
	}
	for (i = 0; i < N_ELEMENTS(status_reasons); i++) {
		if (status_reasons[i].subject == status->subject &&
		    status_reasons[i].detail == 0 &&
		    !status_reasons[i].decisive)
			return &status_reasons[i];
	}
	return NULL;
}

/* What the reply code means at the stage it answered, or UNDEFINED */
static enum bounce_reason
reason_from_reply_code(const char *code, enum smtp_stage stage)
{
	unsigned int i;

	if (code == NULL)
		return BOUNCE_REASON_UNDEFINED;
	for (i = 0; i < N_ELEMENTS(reply_code_reasons); i++) {
		if (strcmp(reply_code_reasons[i].code, code) == 0 &&
		    (reply_code_reasons[i].stage == stage ||
		     reply_code_reasons[i].stage == SMTP_STAGE_UNKNOWN))
			return reply_code_reasons[i].reason;
	}
	return BOUNCE_REASON_UNDEFINED;
}

/* A refusal by the recipient's own filter: an RFC 5429 MDN (Sieve's
   reject) is the only report of type disposition-notification that
   names a failed recipient */
static bool report_is_mdn_refusal(const struct bounce_report *report)
{
	return report->report_type != NULL &&
		strcmp(report->report_type, "disposition-notification") == 0;
}

/* A delivery still being retried (RFC 3464 "delayed"), or given up with
   a temporary status (the MTA stopped retrying) */
static bool delivery_is_late(const struct bounce_recipient *rcpt)
{
	return action_is(rcpt, "delayed") ||
		(action_is(rcpt, "failed") && rcpt->status.class == 4);
}

/* The rule ids of the steps that are not phrases, and their sources */
static const char *const smtp_stage_rules[] = {
	[SMTP_STAGE_UNKNOWN] = NULL,
	[SMTP_STAGE_CONNECT] = "stage:connect",
	[SMTP_STAGE_MAIL] = "stage:mail",
	[SMTP_STAGE_RCPT] = NULL,
	[SMTP_STAGE_DATA] = "stage:data",
};

static void
reason_rule_set(struct bounce_reason_rule *rule_r, const char *id,
		const char *source)
{
	rule_r->id = id;
	rule_r->source = source;
}

static void
reason_rule_set_status(struct bounce_reason_rule *rule_r,
		       const struct bounce_status *status)
{
	reason_rule_set(rule_r, t_strconcat("status:",
					    bounce_status_str(status), NULL),
			"RFC 3463");
}

/* What a refusal means at the stage it came (the command it answered):
   before MAIL FROM the server knows only the client, so its refusal is
   of the client (blocked); an unknown address at MAIL FROM is the
   sender's (rejected); an unknown user said only after the message data
   and without an addressing status is a filter's refusal worded as one
   (filtered, as Sisimai has it). Nothing is inferred at an unknown
   stage. */
static enum bounce_reason
reason_at_stage_only(enum smtp_stage stage, enum bounce_reason reason,
		     const struct bounce_recipient *rcpt)
{
	switch (stage) {
	case SMTP_STAGE_CONNECT:
		if (reason == BOUNCE_REASON_UNDEFINED ||
		    reason == BOUNCE_REASON_REJECTED)
			return BOUNCE_REASON_BLOCKED;
		break;
	case SMTP_STAGE_MAIL:
		if (reason == BOUNCE_REASON_USERUNKNOWN ||
		    reason == BOUNCE_REASON_HOSTUNKNOWN)
			return BOUNCE_REASON_REJECTED;
		break;
	case SMTP_STAGE_DATA:
		if (reason == BOUNCE_REASON_USERUNKNOWN &&
		    !status_is_addressing(&rcpt->status) &&
		    rcpt->reply_code != NULL)
			return BOUNCE_REASON_FILTERED;
		break;
	case SMTP_STAGE_RCPT:
	case SMTP_STAGE_UNKNOWN:
		break;
	}
	return reason;
}

/* reason_at_stage_only(), naming the stage as the rule when it changed
   the reason */
static enum bounce_reason
reason_at_stage(enum smtp_stage stage, enum bounce_reason reason,
		const struct bounce_recipient *rcpt,
		struct bounce_reason_rule *rule_r)
{
	enum bounce_reason staged = reason_at_stage_only(stage, reason, rcpt);

	if (staged != reason) {
		reason_rule_set(rule_r, smtp_stage_rules[stage],
				"RFC 5321 commands");
	}
	return staged;
}

/* Why a delivery failed: the evidence in order of trust, each step
   deciding only when the steps before it said nothing (docs/reasons.md
   says why this order):
   1. the status, where RFC 3463 gives its code one meaning and the
      server or the reporting MTA stated it (not one translated from a
      bare reply code);
   2. the reply code and the command it answered: the reply code where
      it agrees with the text against the status, the command wherever
      it is shown (reason_at_stage());
   3. the text that names a cause: the recipient's own diagnostic;
   4. the action: a delivery still being retried, or given up after
      temporary failures, that names no cause or only that the server
      never answered, has expired;
   5. what is left: the status's general meaning, the report's words
      when it is about this recipient alone, the words that say little,
      what the report's kind means, the reply code's general meaning.
   rule_r names the step (or phrase) that decided. */
static enum bounce_reason
reason_of_failure(const struct bounce_report *report,
		  const struct bounce_recipient *rcpt, bool status_translated,
		  struct bounce_reason_rule *rule_r)
{
	const char *diag_lc = rcpt->diagnostic_code == NULL ? "" :
		t_str_fold_lcase(rcpt->diagnostic_code);
	const struct status_reason *sr = status_reason(&rcpt->status);
	bool x_unix = rcpt->diagnostic_type != NULL &&
		strcmp(rcpt->diagnostic_type, "x-unix") == 0;
	enum bounce_reason reason = BOUNCE_REASON_UNDEFINED, said, by_reply;
	struct bounce_reason_rule said_rule;
	enum smtp_stage stage;

	i_zero(&said_rule);
	stage = smtp_stage_from_text(diag_lc);
	if (stage == SMTP_STAGE_UNKNOWN)
		stage = smtp_stage_from_text(report_lcase(report));
	by_reply = reason_from_reply_code(rcpt->reply_code, stage);
	said = bounce_reason_phrases_find(BOUNCE_REASON_PHRASES_CAUSE,
					  diag_lc, &said_rule);

	/* A local delivery program (x-unix: its own output) that says it
	   failed itself: its fault, whatever exit code, and so status, it
	   chose. What else it says ("Quota exceeded") is read as any
	   text is. */
	if (x_unix) {
		reason = bounce_reason_phrases_find(
			BOUNCE_REASON_PHRASES_PROGRAM, diag_lc, rule_r);
	}
	/* 1. The status, unless the reply code and the text agree on
	   another cause ("552 ... over quota (#5.1.1)") */
	if (reason == BOUNCE_REASON_UNDEFINED && sr != NULL && sr->decisive &&
	    !status_translated &&
	    !(by_reply != BOUNCE_REASON_UNDEFINED && by_reply == said &&
	      said != sr->reason)) {
		reason = sr->reason;
		reason_rule_set_status(rule_r, &rcpt->status);
	}
	/* the report's type says who refused: the recipient's filter */
	if (reason == BOUNCE_REASON_UNDEFINED &&
	    report_is_mdn_refusal(report)) {
		reason = BOUNCE_REASON_FILTERED;
		reason_rule_set(rule_r, "report:disposition-notification",
				"RFC 5429");
	}
	/* 3. The text */
	if (reason == BOUNCE_REASON_UNDEFINED && said != reason) {
		reason = said;
		*rule_r = said_rule;
	}
	/* the command answered: a refusal before MAIL FROM is of the
	   client, whether or not the MTA retried it */
	reason = reason_at_stage(stage, reason, rcpt, rule_r);
	/* 4. The action */
	if (delivery_is_late(rcpt) &&
	    (reason == BOUNCE_REASON_UNDEFINED ||
	     (reason == BOUNCE_REASON_NETWORKERROR &&
	      i_strstr_arr(diag_lc, unanswered_phrases) != NULL))) {
		reason = BOUNCE_REASON_EXPIRED;
		reason_rule_set(rule_r, "action:late", "RFC 3464 action");
	}
	/* 5. What is left: the status's general meaning, the report's
	   words about all its recipients when it has only this one, ... */
	if (reason == BOUNCE_REASON_UNDEFINED && sr != NULL) {
		reason = sr->reason;
		reason_rule_set_status(rule_r, &rcpt->status);
	}
	if (reason == BOUNCE_REASON_UNDEFINED &&
	    array_count(&report->recipients) == 1) {
		reason = bounce_reason_phrases_find(BOUNCE_REASON_PHRASES_CAUSE,
						    report_lcase(report),
						    rule_r);
	}
	if (reason == BOUNCE_REASON_UNDEFINED) {
		reason = bounce_reason_phrases_find(BOUNCE_REASON_PHRASES_WEAK,
						    diag_lc, rule_r);
	}
	if (reason == BOUNCE_REASON_UNDEFINED &&
	    report->decoder_reason != BOUNCE_REASON_UNDEFINED) {
		reason = report->decoder_reason;
		reason_rule_set(rule_r, t_strconcat("family:",
						    report->decoder, NULL),
				"family table");
	}
	if (reason == BOUNCE_REASON_UNDEFINED && x_unix) {
		reason = BOUNCE_REASON_MAILERERROR;
		reason_rule_set(rule_r, "diagnostic:x-unix",
				"RFC 3464 diagnostic type");
	}
	if (reason == BOUNCE_REASON_UNDEFINED && by_reply != reason) {
		reason = by_reply;
		reason_rule_set(rule_r, t_strconcat("reply:",
						    rcpt->reply_code, NULL),
				"RFC 5321 reply codes");
	}
	return reason_at_stage(stage, reason, rcpt, rule_r);
}

void bounce_reason_classify(pool_t pool, const struct bounce_report *report,
			    struct bounce_recipient *rcpt)
{
	enum bounce_kind kind = report->kind;
	const char *diagnostic = rcpt->diagnostic_code;
	enum bounce_reason reason = BOUNCE_REASON_UNDEFINED;
	struct bounce_reason_rule rule = { "none", NULL };
	struct bounce_status status;
	bool status_translated = FALSE;
	unsigned int class;

	/* A report about one recipient may give the server's answer
	   before naming the address ("Could not be delivered because of
	   550 5.1.1 User unknown. The following recipients were
	   affected: ..."): its words are the recipient's */
	if (rcpt->status.class == 0 && report->kind == BOUNCE_KIND_MTA &&
	    array_count(&report->recipients) == 1 &&
	    report->report_text != NULL &&
	    (diagnostic == NULL || (!find_status(diagnostic, &status) &&
				    find_reply_code(diagnostic) == NULL)))
		diagnostic = report->report_text;
	if (diagnostic != NULL) {
		bool found = find_status(diagnostic, &status);

		if (rcpt->reply_code == NULL) {
			const char *code = find_reply_code(diagnostic);

			if (code != NULL)
				rcpt->reply_code = p_strdup(pool, code);
		}
		/* A bare reply code ("550 User unknown") that the reporting
		   MTA turned into a status of its own (sendmail's
		   smtptodsn(): 550 is 5.2.0, 552 is 5.2.2) says no more
		   than the reply code */
		status_translated = !found && rcpt->status.class != 0 &&
			rcpt->reply_code != NULL;
		/* The server's own code is its word on what went wrong: it
		   stands over the reporting MTA's guess (sendmail reports
		   5.1.1 for any refused RCPT) when they agree on the class,
		   unless the server's is the vaguer one, or only says how
		   the attempts failed that the MTA's x.4.7 gave up on */
		if (found &&
		    (rcpt->status.class == 0 ||
		     (status.class == rcpt->status.class &&
		      (status_says_little(&rcpt->status) ||
		       !status_says_little(&status)) &&
		      !status_is_network_under_expiry(rcpt, &status))))
			rcpt->status = status;
	}
	if (rcpt->status.class == 0) {
		/* Only the class is known: x.0.0, "other undefined status".
		   A transcript may quote "354 Enter mail": only a failure's
		   reply code gives a status class */
		if (rcpt->reply_code != NULL &&
		    (rcpt->reply_code[0] == '4' || rcpt->reply_code[0] == '5'))
			class = rcpt->reply_code[0] - '0';
		else if (action_is(rcpt, "delayed"))
			class = 4;
		else if (action_is(rcpt, "failed"))
			class = 5;
		else
			class = 0;
		if (class != 0)
			bounce_status_set(&rcpt->status, class, 0, 0);
	}

	if (rcpt->status.class == 2) {
		reason = BOUNCE_REASON_DELIVERED;
		reason_rule_set_status(&rule, &rcpt->status);
	} else if (kind == BOUNCE_KIND_AUTOREPLY) {
		reason = BOUNCE_REASON_VACATION;
		reason_rule_set(&rule, "kind:autoreply", "RFC 3834");
	} else if (kind == BOUNCE_KIND_FEEDBACK) {
		reason = BOUNCE_REASON_FEEDBACK;
		reason_rule_set(&rule, "kind:feedback", "RFC 5965");
	} else if (action_is(rcpt, "delivered") || action_is(rcpt, "relayed") ||
		   action_is(rcpt, "expanded")) {
		reason = BOUNCE_REASON_DELIVERED;
		reason_rule_set(&rule, "action:success", "RFC 3464 action");
	} else {
		reason = reason_of_failure(report, rcpt, status_translated,
					   &rule);
	}
	rcpt->reason = reason;
	rcpt->reason_rule = p_strdup(pool, rule.id);
	rcpt->reason_source = p_strdup(pool, rule.source);
	rcpt->permanent = rcpt->status.class != 0 ? rcpt->status.class == 5 :
		action_is(rcpt, "failed");
	rcpt->hard = rcpt->permanent && reason_is_hard(reason);
}
