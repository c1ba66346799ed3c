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
	bounce_decoder_japanese_carriers, bounce_decoder_mailing_list,
	bounce_decoder_opensmtpd,
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
	&bounce_decoder_mailing_list,
};

/* Senders that are a mail system (lower-case substrings of From) */
static const char *const system_senders[] = {
	"mailer-daemon", "mailer daemon", "postmaster", "mail delivery",
	"mail.delivery", "mail-daemon", "mail daemon", "ndr administrator",
	"<>", NULL
};

/* The addresses a list manager writes from (lower-case substrings):
   the list's administrative addresses, not its posting address */
static const char *const list_manager_senders[] = {
	"-admin@", "-owner@", "-bounces@", "-request@", NULL
};

/* A person replying to or forwarding a bounce sends none: subjects with
   these prefixes (lower-case) are not a bounce's */
static const char *const forward_prefixes[] = {
	"fwd:", "fw:", "re:", "aw:", "wg:", "tr:", "rv:", NULL
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
	/* German, French, Italian, Spanish, Japanese */
	"unzustellbar", "nicht zustellbar", "non remis", "non distribuito",
	"no se puede entregar", "no entregado",
	"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x82\xa8\xe3\x83\xa9"
	"\xe3\x83\xbc",				/* mēru erā */
	"\xe9\x85\x8d\xe4\xbf\xa1\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
							/* haishin erā */
	NULL
};

/* A family's marker list is optional */
static bool contains_any(const char *haystack, const char *const *markers)
{
	return markers != NULL && i_strstr_arr(haystack, markers) != NULL;
}

static bool
decoder_matches(const struct bounce_mta_decoder *decoder,
		const struct bounce_message *msg)
{
	return contains_any(msg->from_lcase, decoder->from_markers) ||
		contains_any(msg->subject_lcase, decoder->subject_markers) ||
		contains_any(msg->text_lcase, decoder->text_markers);
}

bool bounce_str_begins_any(const char *str, const char *const *prefixes)
{
	for (; *prefixes != NULL; prefixes++) {
		if (strncmp(str, *prefixes, strlen(*prefixes)) == 0)
			return TRUE;
	}
	return FALSE;
}

static bool
try_decoder(pool_t pool, const struct bounce_message *msg,
	    const struct bounce_mta_decoder *decoder,
	    struct bounce_report *report)
{
	bounce_text_decode(pool, msg, decoder, report);
	if (array_count(&report->recipients) == 0)
		return FALSE;
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = decoder->name;
	report->decoder_reason = decoder->default_reason;
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
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = generic->name;
	report->report_text = bounce_text_report_text(pool, msg, generic);
	/* all the text says is about that recipient */
	(void)bounce_text_add_recipient(pool, report, address,
					report->report_text);
	return TRUE;
}

bool bounce_message_from_system(const struct bounce_message *msg)
{
	return i_strstr_arr(msg->from_lcase, system_senders) != NULL;
}

bool bounce_message_from_list_manager(const struct bounce_message *msg)
{
	const struct bounce_message_header *hdr = &msg->hdr;

	if (hdr->list_id == NULL && hdr->x_mlserver == NULL &&
	    hdr->mailing_list == NULL)
		return FALSE;
	return i_strstr_arr(msg->from_lcase, list_manager_senders) != NULL ||
		strncmp(msg->from_address, "owner-", 6) == 0;
}

static const struct bounce_mta_decoder generic_decoder = {
	.name = "generic",
};

void bounce_decode_dsn_text(pool_t pool, const struct bounce_message *msg,
			    struct bounce_report *report)
{
	struct bounce_report *prose;
	const struct bounce_recipient *said;
	struct bounce_recipient *rcpt;
	bool wanted = FALSE;

	array_foreach_modifiable(&report->recipients, rcpt) {
		if (rcpt->diagnostic_code == NULL)
			wanted = TRUE;
	}
	if (!wanted)
		return;

	prose = t_new(struct bounce_report, 1);
	t_array_init(&prose->recipients, 4);
	bounce_text_decode(pool, msg, &generic_decoder, prose);
	array_foreach_modifiable(&report->recipients, rcpt) {
		if (rcpt->diagnostic_code != NULL ||
		    rcpt->final_recipient == NULL)
			continue;
		array_foreach(&prose->recipients, said) {
			if (said->diagnostic_code != NULL &&
			    strcasecmp(said->final_recipient,
				       rcpt->final_recipient) == 0) {
				rcpt->diagnostic_code = said->diagnostic_code;
				break;
			}
		}
	}
}

bool bounce_message_is_automated(const struct bounce_message *msg)
{
	if (bounce_str_begins_any(t_str_trim(msg->subject_lcase, " \t"),
				  forward_prefixes))
		return FALSE;
	return bounce_message_from_system(msg) ||
		bounce_message_from_list_manager(msg) ||
		(msg->hdr.return_path != NULL &&
		 strcmp(t_str_trim(msg->hdr.return_path, " \t"), "<>") == 0 &&
		 !bounce_message_says_autoreply(msg)) ||
		i_strstr_arr(msg->subject_lcase, bounce_subjects) != NULL ||
		msg->hdr.x_failed_recipients != NULL;
}

bool bounce_decode_mta(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report)
{
	const struct bounce_mta_decoder *generic = &generic_decoder;
	unsigned int i;

	if (!bounce_message_is_automated(msg))
		return FALSE;

	for (i = 0; i < N_ELEMENTS(bounce_mta_decoders); i++) {
		if (decoder_matches(bounce_mta_decoders[i], msg) &&
		    try_decoder(pool, msg, bounce_mta_decoders[i], report))
			return TRUE;
	}
	return try_decoder(pool, msg, generic, report) ||
		decode_from_original(pool, msg, generic, report);
}
