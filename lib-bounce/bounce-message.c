/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* What a message says about itself, before any decoder reads it: sent
   by a mail system or a list manager, an auto-reply, automated mail
   about a delivery. Decoders ask here; none asks another decoder. */

#include "lib.h"
#include "bounce-str.h"
#include "bounce-message.h"

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

/* A header field whose value (lower-cased) starts with the prefix marks
   an auto-reply */
static const struct {
	size_t offset;
	const char *prefix;
} autoreply_headers[] = {
#define RULE(field, prefix) \
	{ offsetof(struct bounce_message_header, field), prefix }
	RULE(auto_submitted, "auto-replied"),		/* RFC 3834 */
	RULE(x_autoreply, "yes"),
	RULE(x_autorespond, ""),
	RULE(precedence, "auto_reply"),
#undef RULE
};

/* Subject prefixes that only auto-replies use (lower-case). Words a
   person might start a subject with ("vacation") are not here. */
static const char *const autoreply_subjects[] = {
	"auto:", "auto reply", "auto-reply", "autoreply", "auto response",
	"automatic reply", "automatische antwort", "out of office:",
	"out of office reply", "abwesenheitsnotiz", "réponse automatique",
	"risposta automatica", "respuesta automática", NULL
};

static bool header_says_autoreply(const struct bounce_message *msg)
{
	const char *const *value;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(autoreply_headers); i++) {
		value = CONST_PTR_OFFSET(&msg->hdr,
					 autoreply_headers[i].offset);
		if (*value != NULL &&
		    strncasecmp(t_str_trim(*value, " \t"),
				autoreply_headers[i].prefix,
				strlen(autoreply_headers[i].prefix)) == 0)
			return TRUE;
	}
	return FALSE;
}

static bool subject_says_autoreply(const struct bounce_message *msg)
{
	return bounce_str_begins_any(t_str_trim(msg->subject_lcase, " \t"),
				     autoreply_subjects);
}

bool bounce_message_says_autoreply(const struct bounce_message *msg)
{
	return header_says_autoreply(msg) || subject_says_autoreply(msg);
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
