/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Auto-replies: RFC 3834's Auto-Submitted: auto-replied, and the older
   headers and subjects vacation programs and out-of-office assistants
   use. The recipient is who replied: the From of the reply. */

#include "lib.h"
#include "array.h"
#include "bounce-decoder.h"

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
