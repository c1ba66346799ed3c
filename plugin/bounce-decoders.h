#ifndef BOUNCE_DECODERS_H
#define BOUNCE_DECODERS_H

/* The analyzer's decoders. The analyzer (bounce-analyzer.c) reads the
   message once and collects what decoders need into a struct
   bounce_message; then the decoders turn that into report fields:

   - bounce-decoder-rfc3464.c: message/(global-)delivery-status parts
   - bounce-decoder-arf.c: message/feedback-report parts (RFC 5965)
   - bounce-decoder-autoreply.c: RFC 3834 and vacation-style headers
   - bounce-decoder-<family>.c: one MTA family's own bounce wording,
     all listed in bounce_mta_decoders[] (bounce-decoders.c) and read
     with the shared line machinery of bounce-text.c
   - bounce-original.c: the quoted original's header

   Decoders never fail: what does not parse is left out. Strings are
   allocated from the report's pool, bounded in length and count by the
   BOUNCE_REPORT_MAX_* limits. */

#include "bounce-report.h"

struct message_header_line;

/* The top-level header fields decoders look at, unfolded, NULL when
   absent (the first occurrence counts) */
struct bounce_message_header {
	const char *from, *to, *subject;
	const char *auto_submitted, *precedence, *x_autoreply,
		*x_autorespond;
	const char *x_failed_recipients, *x_mailer;
	/* as the delivery recorded the envelope sender */
	const char *return_path;
	/* mailing-list fields */
	const char *list_id, *x_mlserver, *mailing_list;
};

/* What the analyzer collected from one message for the decoders */
struct bounce_message {
	struct bounce_message_header hdr;
	/* The From and To addresses, "" when absent */
	const char *from_address, *to_address;
	/* From and Subject lower-cased (ASCII), for matching; "" when
	   absent */
	const char *from_lcase, *subject_lcase;

	/* The message's own text, as UTF-8 with LF line ends: its text/plain
	   parts (or its HTML, as text, when it has no plain text) outside
	   any quoted message. text_lcase is the same with ASCII lower-cased,
	   for matching; offsets are the same in both. Bounded in size. */
	const char *text, *text_lcase;
	size_t text_len;

	/* The body of the first message/feedback-report part */
	const unsigned char *feedback;
	size_t feedback_len;
};

/* RFC 3464 / RFC 6533: the body of a message/delivery-status (or
   message/global-delivery-status) part, transfer-decoded */
void bounce_decode_rfc3464(pool_t pool, const unsigned char *data,
			   size_t size, struct bounce_report *report);

/* A delivery-status block in the message's text rather than in a
   message/delivery-status part: a report whose MIME structure is broken
   (a boundary that never appears), or one pasted inline. Reads from the
   first line that starts "Reporting-MTA:" or "Final-Recipient:". */
void bounce_decode_rfc3464_inline(pool_t pool,
				  const struct bounce_message *msg,
				  struct bounce_report *report);

/* RFC 5965: the message/feedback-report part. Returns TRUE when the
   message is a feedback report. */
bool bounce_decode_arf(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report);

/* Amazon SES notifications as SNS mails them (a JSON text): returns
   TRUE when the message is one, with kind, decoder and
   subscribed_notification set */
bool bounce_decode_amazonses_notification(pool_t pool,
					  const struct bounce_message *msg,
					  struct bounce_report *report);

/* RFC 3834 and its older kin: returns TRUE when the header says the
   message is an auto-reply; the recipient is the one who replied. */
bool bounce_decode_autoreply(pool_t pool, const struct bounce_message *msg,
			     struct bounce_report *report);

/* One MTA family's bounces in their own words. The family is recognised
   by any of its markers (lower-case substrings of the From, Subject or
   the text); the report is read by the shared text reader, steered by
   the family's begin and end markers. */
struct bounce_mta_decoder {
	const char *name;
	const char *const *from_markers;
	const char *const *subject_markers;
	const char *const *text_markers;

	/* Where the report starts in the text (after the first one found;
	   NULL: at the start) and where the quoted original begins (NULL:
	   the shared markers of bounce-text.c only) */
	const char *const *begin_markers;
	const char *const *end_markers;

	/* The reason when the family's report gives none: some send only
	   one kind of bounce */
	enum bounce_reason default_reason;
	/* The family names the recipient within a sentence, after a label
	   ("... not a member of this mailing list <list@x>"): only such an
	   address is a recipient, and the sentence is its diagnostic */
	bool recipient_in_sentence;
};

/* Returns TRUE when str starts with one of the NULL-terminated
   prefixes */
bool bounce_str_begins_any(const char *str, const char *const *prefixes);

/* Returns TRUE when the message's From is a mail system (MAILER-DAEMON,
   postmaster, "Mail Delivery System", ...) rather than a person */
bool bounce_message_from_system(const struct bounce_message *msg);

/* Returns TRUE when a mailing list's manager sent the message: a list
   header field (List-Id, X-MLServer, Mailing-List) and a From of the
   list's administrative addresses (list-admin@, owner-list@, ...) */
bool bounce_message_from_list_manager(const struct bounce_message *msg);

/* Returns TRUE when the header or subject says the message is an
   auto-reply (bounce-decoder-autoreply.c) */
bool bounce_message_says_autoreply(const struct bounce_message *msg);

/* Returns TRUE when the message says it is automated mail about a
   delivery: sent by a mail system or a list manager, or from the null return path (RFC
   5321 4.5.5) without saying it is an auto-reply, titled like a bounce,
   or naming X-Failed-Recipients; a subject starting "Fwd:" or "Re:" is
   a person's message about one */
bool bounce_message_is_automated(const struct bounce_message *msg);

/* Tries the MTA decoders, family by family and then the generic one.
   Returns TRUE when one found failed recipients: report->kind is then
   BOUNCE_KIND_MTA and report->decoder the family's name. */
bool bounce_decode_mta(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report);

/* A DSN whose status part leaves Diagnostic-Code out often says it in
   its text: gives each such recipient the diagnostic the text has for
   the same address */
void bounce_decode_dsn_text(pool_t pool, const struct bounce_message *msg,
			    struct bounce_report *report);

/* The shared text reader (bounce-text.c): finds the recipients in the
   report part of msg->text and the diagnostic text that follows each,
   adding them to report; when it found any, report->report_text is
   that report part (as bounce_text_report_text() gives it). */
void bounce_text_decode(pool_t pool, const struct bounce_message *msg,
			const struct bounce_mta_decoder *decoder,
			struct bounce_report *report);
/* Returns the report part of msg->text -- after the decoder's begin
   marker, before the quoted original -- with white space folded and
   bounded in length, or NULL when it is empty */
const char *bounce_text_report_text(pool_t pool,
				    const struct bounce_message *msg,
				    const struct bounce_mta_decoder *decoder);
/* Returns the offset in msg->text where a quoted original begins (by the
   shared markers), or msg->text_len when there is none */
size_t bounce_text_original_offset(const struct bounce_message *msg);
/* Appends text[0..len) to dest with each run of white space as one
   space, none leading or trailing, until dest holds max_len bytes */
void bounce_str_append_folded(string_t *dest, const char *text, size_t len,
			      size_t max_len);
/* Finds the first e-mail address in data[0..size), bare or in <>, and
   returns it lower-cased (NULL when there is none). *pos_r and *len_r
   locate it, brackets included. */
const char *bounce_text_find_address(const char *data, size_t size,
				     size_t *pos_r, size_t *len_r);
/* Adds a recipient with the given diagnostic text, or appends the text
   to the diagnostic of the recipient already listed with that address.
   Returns the recipient, or NULL when the report is full. */
struct bounce_recipient *
bounce_text_add_recipient(pool_t pool, struct bounce_report *report,
			  const char *address, const char *diagnostic);

/* The quoted original: one header line of it (from a message/rfc822
   part) ... */
void bounce_original_add_header(pool_t pool, struct bounce_original *original,
				struct message_header_line *hdr);
/* ... or a whole header block (the body of a text/rfc822-headers part,
   or text quoted inline after a bounce's own words) */
void bounce_decode_original_headers(pool_t pool, const unsigned char *data,
				    size_t size,
				    struct bounce_original *original);

#endif
