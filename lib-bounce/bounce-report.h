#ifndef BOUNCE_REPORT_H
#define BOUNCE_REPORT_H

/* The report model: what the analyzer learned about one message.

   Everything that looks at a message's bounce nature -- the Sieve tests,
   the CLI, the verdict -- reads this model; none of them parses the
   message again. A report is allocated from the pool given to
   bounce_analyze() and is immutable afterwards. */

enum bounce_kind {
	/* Ordinary mail, or nothing we recognise as automated */
	BOUNCE_KIND_NONE = 0,
	/* RFC 3464 / RFC 6533 delivery status notification */
	BOUNCE_KIND_DSN,
	/* A non-standard bounce written by an MTA in its own words */
	BOUNCE_KIND_MTA,
	/* An auto-reply: RFC 3834 Auto-Submitted: auto-replied, vacation
	   and out-of-office notices, challenge-response */
	BOUNCE_KIND_AUTOREPLY,
	/* An abuse or feedback report (ARF, RFC 5965) */
	BOUNCE_KIND_FEEDBACK,

	BOUNCE_KIND_COUNT
};

#include "array-decl.h"

/* Why a recipient's delivery failed, by Sisimai v5's names (see
   bounce-reason.c for what each means and how it is recognised) */
enum bounce_reason {
	/* Nothing said why */
	BOUNCE_REASON_UNDEFINED = 0,
	BOUNCE_REASON_AUTHFAILURE,
	BOUNCE_REASON_BADREPUTATION,
	BOUNCE_REASON_BLOCKED,
	BOUNCE_REASON_CONTENTERROR,
	BOUNCE_REASON_DELIVERED,
	BOUNCE_REASON_EXCEEDLIMIT,
	BOUNCE_REASON_EXPIRED,
	BOUNCE_REASON_FEEDBACK,
	BOUNCE_REASON_FILTERED,
	BOUNCE_REASON_HASMOVED,
	BOUNCE_REASON_HOSTUNKNOWN,
	BOUNCE_REASON_MAILBOXFULL,
	BOUNCE_REASON_MAILERERROR,
	BOUNCE_REASON_MESGTOOBIG,
	BOUNCE_REASON_NETWORKERROR,
	BOUNCE_REASON_NORELAYING,
	BOUNCE_REASON_NOTACCEPT,
	BOUNCE_REASON_NOTCOMPLIANTRFC,
	BOUNCE_REASON_ONHOLD,
	BOUNCE_REASON_POLICYVIOLATION,
	BOUNCE_REASON_REJECTED,
	BOUNCE_REASON_REQUIREPTR,
	BOUNCE_REASON_SECURITYERROR,
	BOUNCE_REASON_SPAMDETECTED,
	BOUNCE_REASON_SPEEDING,
	BOUNCE_REASON_SUSPEND,
	BOUNCE_REASON_SYNTAXERROR,
	BOUNCE_REASON_SYSTEMERROR,
	BOUNCE_REASON_SYSTEMFULL,
	BOUNCE_REASON_TOOMANYCONN,
	BOUNCE_REASON_USERUNKNOWN,
	BOUNCE_REASON_VACATION,
	BOUNCE_REASON_VIRUSDETECTED,

	BOUNCE_REASON_COUNT
};

/* An RFC 3463 enhanced status code, class.subject.detail, parsed once
   where the report gives it; everything that judges a status reads these
   numbers. class is 0 when there is no status. */
struct bounce_status {
	/* 2 success, 4 persistent transient failure, 5 permanent failure;
	   0: none */
	unsigned char class;
	/* RFC 3463 allows 1-3 digits each: 0-999 */
	unsigned short subject, detail;
	/* The code as text, "5.1.1" (without leading zeros); "" when
	   none */
	char str[12];
};

/* Limits that keep a report's memory bounded whatever the message says */
#define BOUNCE_REPORT_MAX_RECIPIENTS 100
#define BOUNCE_REPORT_MAX_RECEIVED 50
#define BOUNCE_REPORT_MAX_FIELD_LENGTH 1000

/* One per-recipient block of a delivery status report (RFC 3464 2.3).
   Typed fields ("rfc822; alice@example.com") hold the value without the
   type. NULL where the report says nothing. */
struct bounce_recipient {
	const char *final_recipient;
	const char *original_recipient;
	/* lower-cased: failed, delayed, delivered, relayed, expanded */
	const char *action;
	/* RFC 3463 class.subject.detail; class 0 when absent or invalid
	   (bounce_status_str() gives the text, NULL then) */
	struct bounce_status status;
	const char *remote_mta;
	const char *diagnostic_code;
	/* The diagnostic-type of Diagnostic-Code (RFC 3464 2.3.6),
	   lower-cased: "smtp", or "x-unix" when a local program failed;
	   NULL when not given */
	const char *diagnostic_type;
	const char *last_attempt_date;
	const char *will_retry_until;
	/* The SMTP reply code the diagnostic carries ("550"), or NULL */
	const char *reply_code;

	enum bounce_reason reason;
	/* The rule that decided reason ("phrase:en:57", "status:5.2.2",
	   "stage:mail", ...) and where it comes from (the phrase's source
	   column, "RFC 3463", ...): what inspect --json reports, so that
	   a reason can be traced to its rule (docs/reasons.md) */
	const char *reason_rule, *reason_source;
	/* The failure is permanent: the status class is 5, or the action
	   is "failed" and no status says otherwise */
	bool permanent:1;
	/* diagnostic_code was taken from the report's prose, its status
	   part giving none: the reporting MTA's own words, which quote no
	   server's reply field */
	bool diagnostic_from_text:1;
	/* A hard bounce: the address itself will never work (the user or
	   host does not exist, or has moved), so retrying is pointless.
	   A permanent refusal of this one message is not hard. */
	bool hard:1;
};
ARRAY_DEFINE_TYPE(bounce_recipient, struct bounce_recipient);

/* The message that bounced, as far as the report quotes it
   (text/rfc822-headers or message/rfc822). Subject is decoded to UTF-8. */
struct bounce_original {
	const char *message_id;
	const char *from, *to, *subject, *date, *return_path;
	/* The mailing list that distributed it (its List-Id, or else its
	   List-Post or Mailing-List), NULL when none did: its To is then
	   the list, not whoever it failed for */
	const char *list;
	ARRAY_TYPE(const_string) received;
};

struct bounce_report {
	enum bounce_kind kind;

	/* Per-message fields of the report (RFC 3464 2.2) */
	const char *reporting_mta;
	const char *received_from_mta;
	const char *arrival_date;
	const char *original_envelope_id;
	/* ARF Feedback-Type (RFC 5965), lower-cased, for kind feedback */
	const char *feedback_type;
	/* What an MTA bounce or a DSN says in its own words about the
	   failure (the report part of its text, white space folded), NULL
	   when it says nothing or for other kinds. Reasons fall back to it
	   when a recipient's diagnostic and status say nothing. */
	const char *report_text;
	/* What the decoder's MTA family means when it gives no reason
	   (a mailing list's refusal is "rejected"), else undefined */
	enum bounce_reason decoder_reason;
	/* The decoder that read the report: "rfc3464", "postfix", ... NULL
	   for kind none */
	const char *decoder;
	/* Per-recipient blocks, in order */
	ARRAY_TYPE(bounce_recipient) recipients;
	/* The quoted original message, when original_found */
	struct bounce_original original;
	bool original_found:1;

	/* The top-level Content-Type, lower-cased "type/subtype" (NULL when
	   the message has none), and its report-type parameter for
	   multipart/report (NULL otherwise). */
	const char *content_type;
	const char *report_type;

	/* A message/delivery-status (or message/global-delivery-status)
	   part was found inside the report. */
	bool status_part_found:1;
	/* Reading stopped at the analyzer's size limit before the end of
	   the message. */
	bool truncated:1;
	/* The report is a notification a sending service mails to whoever
	   subscribed to it (Amazon SES via SNS), not a bounce returned to
	   the envelope sender of the mail it is about. */
	bool subscribed_notification:1;
};

/* The first recipient that failed, or else the first one; NULL when the
   report lists none */
const struct bounce_recipient *
bounce_report_first_failed(const struct bounce_report *report);

/* Is a report of this kind a bounce -- the answer of a mail system or a
   person's program to mail someone sent (dsn, mta, autoreply)? A
   feedback report is not: a complaint goes to a feedback address, not to
   the return path of the mail it is about. The one answer Sieve's bare
   "bounce" and the triage both use. */
bool bounce_kind_is_bounce(enum bounce_kind kind);

/* "permanent" or "transient" for a recipient whose delivery failed or
   was delayed; NULL for one that was delivered, relayed or expanded, or
   about which the report says neither. The one answer the dsn test's
   "class" field and the CLI both give. */
const char *bounce_recipient_class(const struct bounce_recipient *rcpt);

/* If p starts an RFC 3463 status code -- class 2, 4 or 5, subject and
   detail of 1-3 digits -- fills *status_r and returns where the code
   ends; else returns NULL and leaves *status_r zeroed. What may follow
   the code is up to the caller. */
const char *bounce_status_parse_prefix(const char *p,
				       struct bounce_status *status_r);
/* Parses a string that is an RFC 3463 status code and nothing else.
   Returns FALSE (and a zeroed *status_r) otherwise. */
bool bounce_status_parse(const char *str, struct bounce_status *status_r);
/* Sets *status_r to class.subject.detail; class is 2, 4 or 5, subject and
   detail at most 999 */
void bounce_status_set(struct bounce_status *status_r, unsigned int class,
		       unsigned int subject, unsigned int detail);
/* The status as text, "5.1.1", or NULL when there is none. The string
   lives as long as the status. */
const char *bounce_status_str(const struct bounce_status *status);
/* The status is subject.detail, whatever its class (a detail of 0 is
   matched only by 0) */
bool bounce_status_is(const struct bounce_status *status,
		      unsigned int subject, unsigned int detail);

/* Returns the reason's name, e.g. "userunknown" */
const char *bounce_reason_to_str(enum bounce_reason reason);
/* Looks a reason up by name, case-insensitively */
bool bounce_reason_from_str(const char *name, enum bounce_reason *reason_r);

/* Returns the name used in Sieve scripts, the CLI and logs. */
const char *bounce_kind_to_str(enum bounce_kind kind);
/* Looks a kind up by name, case-insensitively. Returns FALSE for an
   unknown name. */
bool bounce_kind_from_str(const char *name, enum bounce_kind *kind_r);
/* Returns the names of the bounce kinds (all but "none") as one
   human-readable list for error messages, e.g. "dsn". Allocated from the
   data stack. */
const char *bounce_kind_names(void);

#endif
