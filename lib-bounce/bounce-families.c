/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The table of MTA families and the rules for trying them. A family
   decoder only runs on a message that says it is automated mail about a
   delivery: sent by a mail system, or titled like a bounce. That keeps a
   person's message that merely talks about bounces out. */

#include "lib.h"
#include "array.h"
#include "bounce-decoder.h"
#include "bounce-prose.h"

/* The MTA families, in the order tried: the first whose markers match
   and that finds a recipient reads the message. Each is data for the
   prose reader (bounce-prose.h); what marks the family is said above
   its entry. */
static const struct bounce_family bounce_families[] = {
	/* Google Groups refusing a post: the group is named in
	   X-Failed-Recipients, the text (in the sender's language) only explains
	   who may post. Every such bounce is a refusal of the sender. */
	{
		.name = "googlegroups",
		.text_markers = (const char *const []){
			"groups.google.com", "google groups", NULL },
		.default_reason = BOUNCE_REASON_REJECTED,
	},
	/* Gmail and Google Groups, in their older prose form: the address on a
	   line of its own, the "Technical details" after a blank line. Groups
	   name the group in X-Failed-Recipients. */
	{
		.name = "gmail",
		.from_markers = (const char *const []){
			"@googlemail.com", "@google.com", "@gmail.com",
			"@googlegroups.com", NULL },
		.text_markers = (const char *const []){
			"delivery to the following recipient",
			"google tried to deliver your message", NULL },
		.begin_markers = (const char *const []){
			"delivery to the following recipient",
			"your message wasn't delivered to",
			"your message has been delayed", NULL },
	},
	/* Exim: "This message was created automatically by mail delivery
	   software." The failed addresses are indented, each followed by its
	   more indented SMTP error; X-Failed-Recipients names them too. */
	{
		.name = "exim",
		.text_markers = (const char *const []){
			"this message was created automatically by mail delivery",
			"delivery to the following recipients failed",
			"could not be delivered to one or more of its", NULL },
		.begin_markers = (const char *const []){
			"address(es) failed:",
			"message could not be delivered to",
			"recipients failed permanently:",
			"following recipients failed", NULL },
		.end_markers = (const char *const []){
			"this is a copy of the message",
			"message header follows", NULL },
	},
	/* qmail and its descendants (netqmail, s/qmail, Yahoo's and others'
	   qmail-send): "<address>:" on a line of its own, the remote answer on
	   the lines after, then "--- Below this line is a copy of the message." */
	{
		.name = "qmail",
		.text_markers = (const char *const []){
			"this is the qmail-send program",
			"i'm afraid i wasn't able to deliver your message",
			"below this line is a copy of the message", NULL },
		.begin_markers = (const char *const []){
			"wasn't able to deliver your message to the following",
			"unable to deliver your message to the following", NULL },
		.end_markers = (const char *const []){
			"below this line is a copy of the message", NULL },
	},
	/* Yahoo: qmail's layout in Yahoo's words ("Sorry, we were unable to
	   deliver your message to the following address.") */
	{
		.name = "yahoo",
		.from_markers = (const char *const []){ "@yahoo", NULL },
		.text_markers = (const char *const []){
			"sorry, we were unable to deliver your message", NULL },
		.begin_markers = (const char *const []){
			"unable to deliver your message to the following", NULL },
	},
	/* Postfix, when its bounce is not a multipart/report (old versions, or
	   forwarded on): "<address>: host ... said: ..." after the apology. */
	{
		.name = "postfix",
		.text_markers = (const char *const []){
			"this is the mail system at host",
			"this is the postfix program at host", NULL },
		.begin_markers = (const char *const []){
			"the mail system", "transcript of session follows", NULL },
	},
	/* Sendmail (and the "V5" sendmail-likes): "----- The following addresses
	   had permanent fatal errors -----", the address, "(reason: ...)", then
	   the session transcript. */
	{
		.name = "sendmail",
		.subject_markers = (const char *const []){ "returned mail:", NULL },
		.text_markers = (const char *const []){
			"the following addresses had permanent fatal errors",
			"transcript of session follows",
			"the original message was received at", NULL },
		.begin_markers = (const char *const []){
			"the following addresses had", NULL },
		.end_markers = (const char *const []){
			"original message follows", "returned message", NULL },
	},
	/* Microsoft Exchange (2003 to Office 365) and Outlook.com in prose form:
	   "did not reach the following recipient(s):", each address followed
	   by "on <date>" and the reason. */
	{
		.name = "exchange",
		.subject_markers = (const char *const []){ "undeliverable", NULL },
		.text_markers = (const char *const []){
			"did not reach the following recipient",
			"delivery has failed to these recipients",
			"your message to", NULL },
		.begin_markers = (const char *const []){
			"did not reach the following recipient",
			"delivery has failed to these recipients or groups",
			"couldn't be delivered to", NULL },
	},
	/* HCL/IBM Domino and Lotus Notes: "Your message ... was not delivered to:
	   <address>", the reason after "because:". */
	{
		.name = "domino",
		.text_markers = (const char *const []){
			"was not delivered to:", "lotus domino", "lotus notes", NULL },
		.begin_markers = (const char *const []){
			"was not delivered to:", NULL },
	},
	/* Courier MTA: "This is a delivery status notification from ...", each
	   "<address>:" followed by the session lines. */
	{
		.name = "courier",
		.text_markers = (const char *const []){
			"this is a delivery status notification from",
			"courier mail server", NULL },
		.begin_markers = (const char *const []){
			"the following address(es) could not be delivered",
			"unable to deliver your message to the following", NULL },
	},
	/* DragonFly Mail Agent (dma): "There was an error delivering your mail
	   to <address>." and the remote answer, then "Message headers follow." */
	{
		.name = "dragonfly",
		.text_markers = (const char *const []){
			"this is the dragonfly mail agent", NULL },
		.end_markers = (const char *const []){ "message headers follow", NULL },
	},
	/* OpenSMTPD: "Hi! This is the MAILER-DAEMON, please DO NOT REPLY", each
	   address followed by its error, then "Below is a copy of the original
	   message:". */
	{
		.name = "opensmtpd",
		.text_markers = (const char *const []){
			"this is the mailer-daemon, please do not reply", NULL },
		.begin_markers = (const char *const []){
			"an error has occurred while attempting to deliver",
			"delivery of your message", NULL },
		.end_markers = (const char *const []){
			"below is a copy of the original message", NULL },
	},
	/* Amazon SES and WorkMail bounces in prose form */
	{
		.name = "amazonses",
		.from_markers = (const char *const []){
			"amazonses.com", "amazonaws.com", NULL },
		.text_markers = (const char *const []){
			"an error occurred while trying to deliver the mail", NULL },
	},
	/* Japanese mobile carriers (au/KDDI ezweb, NTT docomo, SoftBank): short
	   notices that name the address and little else */
	{
		.name = "japanese-carriers",
		.from_markers = (const char *const []){
			"@ezweb.ne.jp", "dion.ne.jp", "docomo.ne.jp",
			"softbank.ne.jp", NULL },
		.text_markers = (const char *const []){
			"the user(s) account is disabled",
			"the following recipients did not receive this message", NULL },
	},
	/* Mailing-list managers refusing a post: fml's "You are not a member of
	   this mailing list <list@example.org>", and the like from list servers
	   that only members may post to. The failed recipient is the list. Only
	   a notice from the list manager itself (bounce-message.c:
	   bounce_message_from_list_manager()) gets this far. */
	{
		.name = "mailing-list",
		.text_markers = (const char *const []){
			"not a member of this mailing list",
			"not member article from",
			"non-member submission",
			"only members may post",
			"only subscribers may post",
			"not allowed to send messages to list", NULL },
		.end_markers = (const char *const []){
			"original mail as follows", NULL },
		.default_reason = BOUNCE_REASON_REJECTED,
		/* the list's other addresses (list-ctl@) appear in its help */
		.recipient_in_sentence = TRUE,
	},
};

/* A family's marker list is optional */
static bool contains_any(const char *haystack, const char *const *markers)
{
	return markers != NULL && i_strstr_arr(haystack, markers) != NULL;
}

static bool
family_matches(const struct bounce_family *family,
		const struct bounce_message *msg)
{
	return contains_any(msg->from_lcase, family->from_markers) ||
		contains_any(msg->subject_lcase, family->subject_markers) ||
		contains_any(msg->text_lcase, family->text_markers);
}

static bool
try_family(pool_t pool, const struct bounce_message *msg,
	    const struct bounce_family *decoder,
	    struct bounce_report *report)
{
	bounce_prose_decode(pool, msg, decoder, report);
	if (array_count(&report->recipients) == 0)
		return FALSE;
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = decoder->name;
	report->decoder_reason = decoder->default_reason;
	return TRUE;
}

/* The recipient a Received field of the original names ("... for
   <bob@example.org>; date"), the topmost first: the address the copy was
   delivered to, which a list's copy has only there */
static const char *original_received_for(const struct bounce_original *orig)
{
	const char *const *received, *p, *address;
	size_t pos, len;

	if (!array_is_created(&orig->received))
		return NULL;
	array_foreach(&orig->received, received) {
		const char *lc = t_str_lcase(*received);

		for (p = lc; (p = strstr(p, "for ")) != NULL; p += 4) {
			if (p != lc && p[-1] != ' ' && p[-1] != '\t' &&
			    p[-1] != '\n')
				continue;
			address = bounce_prose_find_address(p + 4,
							   strlen(p + 4),
							   &pos, &len);
			/* the address right after "for", as in
			   "for <bob@example.org>;" */
			if (address != NULL && strspn(p + 4, " \t") == pos)
				return address;
		}
	}
	return NULL;
}

/* A bounce that names nobody in its text ("Deferred: Connection timed
   out with example.com") failed for the one the quoted original was
   sent to. A copy a mailing list distributed was sent to the list: it
   failed for the subscriber a Received field names, if any; the list
   itself is no one's failed address. */
static bool
decode_from_original(pool_t pool, const struct bounce_message *msg,
		     const struct bounce_family *generic,
		     struct bounce_report *report)
{
	const char *to = report->original.to, *address;
	size_t pos, len;

	if (!report->original_found)
		return FALSE;
	if (report->original.list != NULL) {
		address = original_received_for(&report->original);
		if (address != NULL && to != NULL &&
		    bounce_prose_find_address(to, strlen(to), &pos,
					     &len) != NULL &&
		    strcasecmp(address, t_strndup(to + pos, len)) == 0)
			address = NULL;
	} else {
		if (to == NULL)
			return FALSE;
		address = bounce_prose_find_address(to, strlen(to), &pos, &len);
		if (address == NULL ||
		    bounce_prose_find_address(to + pos + len,
					     strlen(to + pos + len),
					     &pos, &len) != NULL)
			return FALSE;
	}
	report->kind = BOUNCE_KIND_MTA;
	report->decoder = generic->name;
	report->report_text = bounce_prose_report_text(pool, msg, generic);
	/* all the text says is about that recipient */
	if (address != NULL) {
		(void)bounce_prose_add_recipient(pool, report, address,
						report->report_text);
	}
	return TRUE;
}

static const struct bounce_family generic_family = {
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
	bounce_prose_decode(pool, msg, &generic_family, prose);
	array_foreach_modifiable(&report->recipients, rcpt) {
		if (rcpt->diagnostic_code != NULL ||
		    rcpt->final_recipient == NULL)
			continue;
		array_foreach(&prose->recipients, said) {
			if (said->diagnostic_code != NULL &&
			    strcasecmp(said->final_recipient,
				       rcpt->final_recipient) == 0) {
				rcpt->diagnostic_code = said->diagnostic_code;
				rcpt->diagnostic_from_text = TRUE;
				break;
			}
		}
	}
}

bool bounce_decode_mta(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report)
{
	const struct bounce_family *generic = &generic_family;
	unsigned int i;

	if (!bounce_message_is_automated(msg))
		return FALSE;

	for (i = 0; i < N_ELEMENTS(bounce_families); i++) {
		if (family_matches(&bounce_families[i], msg) &&
		    try_family(pool, msg, &bounce_families[i], report))
			return TRUE;
	}
	return try_family(pool, msg, generic, report) ||
		decode_from_original(pool, msg, generic, report);
}
