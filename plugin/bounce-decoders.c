/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The table of MTA families and the rules for trying them. A family
   decoder only runs on a message that says it is automated mail about a
   delivery: sent by a mail system, or titled like a bounce. That keeps a
   person's message that merely talks about bounces out. */

#include "lib.h"
#include "array.h"
#include "bounce-decoders.h"

extern const struct bounce_mta_decoder
	bounce_decoder_amazonses, bounce_decoder_courier,
	bounce_decoder_domino, bounce_decoder_dragonfly,
	bounce_decoder_exchange, bounce_decoder_exim, bounce_decoder_gmail,
	bounce_decoder_googlegroups,
	bounce_decoder_japanese_carriers, bounce_decoder_opensmtpd,
	bounce_decoder_postfix, bounce_decoder_qmail,
	bounce_decoder_sendmail, bounce_decoder_yahoo;

/* In the order tried: the first family whose markers match and that
   finds a recipient reads the message */
static const struct bounce_mta_decoder *const bounce_mta_decoders[] = {
	&bounce_decoder_googlegroups,
	&bounce_decoder_gmail,
	&bounce_decoder_exim,
	&bounce_decoder_qmail,
	&bounce_decoder_yahoo,
	&bounce_decoder_postfix,
	&bounce_decoder_sendmail,
	&bounce_decoder_exchange,
	&bounce_decoder_domino,
	&bounce_decoder_courier,
	&bounce_decoder_dragonfly,
	&bounce_decoder_opensmtpd,
	&bounce_decoder_amazonses,
	&bounce_decoder_japanese_carriers,
};

/* Senders that are a mail system (lower-case substrings of From) */
static const char *const system_senders[] = {
	"mailer-daemon", "mailer daemon", "postmaster", "mail delivery",
	"mail.delivery", "mail-daemon", "mail daemon", "ndr administrator",
	"<>",
};

/* A person replying to or forwarding a bounce sends none: subjects with
   these prefixes (lower-case) are not a bounce's */
static const char *const forward_prefixes[] = {
	"fwd:", "fw:", "re:", "aw:", "wg:", "tr:", "rv:",
};

/* Subjects of bounces (lower-case substrings) */
static const char *const bounce_subjects[] = {
	"undeliverable", "undelivered", "delivery status notification",
	"delivery failure", "delivery failed", "delivery has failed",
	"failure notice", "returned mail", "returned to sender",
	"returning message to sender", "mail delivery failed",
	"could not be delivered", "non-delivery", "nondeliverable",
	"delivery notification", "mail system error", "delivery problem",
	"message not delivered", "delayed mail", "delivery delayed",
	"permanent delivery failure", "error sending your mail",
};

static bool contains_any(const char *haystack, const char *const *list,
			 unsigned int count)
{
	unsigned int i;

	if (haystack == NULL)
		return FALSE;
	for (i = 0; i < count; i++) {
		if (strstr(haystack, list[i]) != NULL)
			return TRUE;
	}
	return FALSE;
}

static bool contains_any_null(const char *haystack, const char *const *list)
{
	if (haystack == NULL || list == NULL)
		return FALSE;
	for (; *list != NULL; list++) {
		if (strstr(haystack, *list) != NULL)
			return TRUE;
	}
	return FALSE;
}

static bool
decoder_matches(const struct bounce_mta_decoder *decoder,
		const char *from, const char *subject,
		const struct bounce_message *msg)
{
	return contains_any_null(from, decoder->from_markers) ||
		contains_any_null(subject, decoder->subject_markers) ||
		contains_any_null(msg->text_lcase, decoder->text_markers);
}

static bool
try_decoder(pool_t pool, const struct bounce_message *msg,
	    const struct bounce_mta_decoder *decoder,
	    struct bounce_report *report)
{
	if (decoder->decode != NULL)
		decoder->decode(pool, msg, decoder, report);
	else
		bounce_text_decode(pool, msg, decoder, report);
	if (array_count(&report->recipients) == 0)
		return FALSE;
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = decoder->name;
	report->decoder_reason = decoder->default_reason;
	report->report_text = bounce_text_report_text(pool, msg, decoder);
	return TRUE;
}

/* A bounce that names nobody in its text ("Deferred: Connection timed
   out with example.com") failed for the one the quoted original was
   sent to */
static bool
decode_from_original(pool_t pool, const struct bounce_message *msg,
		     const struct bounce_mta_decoder *generic,
		     struct bounce_report *report)
{
	const char *to = report->original.to, *address;
	size_t pos, len;

	if (!report->original_found || to == NULL)
		return FALSE;
	address = bounce_text_find_address(to, strlen(to), &pos, &len);
	if (address == NULL ||
	    bounce_text_find_address(to + pos + len, strlen(to + pos + len),
				     &pos, &len) != NULL)
		return FALSE;
	(void)bounce_text_add_recipient(pool, report, address, NULL);
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = generic->name;
	report->report_text = bounce_text_report_text(pool, msg, generic);
	return TRUE;
}

bool bounce_message_from_system(const struct bounce_message *msg)
{
	return msg->hdr.from != NULL &&
		contains_any(t_str_lcase(msg->hdr.from), system_senders,
			     N_ELEMENTS(system_senders));
}

bool bounce_decode_mta(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report)
{
	static const struct bounce_mta_decoder generic = {
		.name = "generic",
	};
	const char *from = t_str_lcase(msg->hdr.from == NULL ? "" :
				       msg->hdr.from);
	const char *subject = t_str_lcase(msg->hdr.subject == NULL ? "" :
					  msg->hdr.subject);
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(forward_prefixes); i++) {
		if (strncmp(t_str_trim(subject, " \t"), forward_prefixes[i],
			    strlen(forward_prefixes[i])) == 0)
			return FALSE;
	}
	if (!contains_any(from, system_senders, N_ELEMENTS(system_senders)) &&
	    !contains_any(subject, bounce_subjects,
			  N_ELEMENTS(bounce_subjects)) &&
	    msg->hdr.x_failed_recipients == NULL)
		return FALSE;

	for (i = 0; i < N_ELEMENTS(bounce_mta_decoders); i++) {
		if (decoder_matches(bounce_mta_decoders[i], from, subject,
				    msg) &&
		    try_decoder(pool, msg, bounce_mta_decoders[i], report))
			return TRUE;
	}
	return try_decoder(pool, msg, &generic, report) ||
		decode_from_original(pool, msg, &generic, report);
}
