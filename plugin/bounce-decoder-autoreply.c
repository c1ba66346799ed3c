/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Auto-replies: RFC 3834's Auto-Submitted: auto-replied, and the older
   headers and subjects vacation programs and out-of-office assistants
   use. The recipient is who replied: the From of the reply. */

#include "lib.h"
#include "array.h"
#include "bounce-decoders.h"

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

bool bounce_decode_autoreply(pool_t pool, const struct bounce_message *msg,
			     struct bounce_report *report)
{
	struct bounce_recipient *rcpt;

	/* A mail system's automatic answer is no one's vacation */
	if (bounce_message_from_system(msg))
		return FALSE;
	if (!bounce_message_says_autoreply(msg))
		return FALSE;
	if (*msg->from_address != '\0') {
		rcpt = array_append_space(&report->recipients);
		rcpt->final_recipient = p_strdup(pool, msg->from_address);
		rcpt->action = "delivered";
	}
	return TRUE;
}
