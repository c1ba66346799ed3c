#ifndef BOUNCE_DECODER_H
#define BOUNCE_DECODER_H

/* The analyzer's decoders, each turning what bounce-message.h collected
   into report fields:

   - bounce-decoder-rfc3464.c: message/(global-)delivery-status parts
   - bounce-decoder-arf.c: message/feedback-report parts (RFC 5965)
   - bounce-decoder-ses.c: Amazon SES notifications (JSON, as SNS mails
     them)
   - bounce-decoder-autoreply.c: RFC 3834 and vacation-style replies
   - bounce-families.c: the MTA families' own wording, a table of data
     read by the prose reader (bounce-prose.h)
   - bounce-original.c: the quoted original's header

   Decoders never fail: what does not parse is left out. Strings are
   allocated from the report's pool, bounded in length and count by the
   BOUNCE_REPORT_MAX_* limits. */

#include "bounce-message.h"

struct message_header_line;

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
/* TRUE when bounce_decode_arf() may take the message: it takes none for
   which this is FALSE. Reads the header and the parts only. */
bool bounce_decode_arf_may_match(const struct bounce_message *msg);

/* Amazon SES notifications as SNS mails them (a JSON text): returns
   TRUE when the message is one, with kind, decoder and
   subscribed_notification set */
bool bounce_decode_amazonses_notification(pool_t pool,
					  const struct bounce_message *msg,
					  struct bounce_report *report);
/* TRUE when the text may be such a notification: a JSON object naming a
   notificationType. Reads the text only when it begins with '{'. */
bool bounce_decode_amazonses_may_match(const struct bounce_message *msg);
/* TRUE when a text, or its opening, begins as such a notification does:
   with a JSON object, after any white space */
bool bounce_decode_amazonses_text_opens(const void *text, size_t size);

/* RFC 3834 and its older kin: returns TRUE when the header says the
   message is an auto-reply; the recipient is the one who replied. */
bool bounce_decode_autoreply(pool_t pool, const struct bounce_message *msg,
			     struct bounce_report *report);
/* TRUE when bounce_decode_autoreply() may take the message: it takes
   none for which this is FALSE. Reads the header only. */
bool bounce_decode_autoreply_may_match(const struct bounce_message *msg);

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
