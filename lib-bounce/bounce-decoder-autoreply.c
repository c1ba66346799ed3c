/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Auto-replies: RFC 3834's Auto-Submitted: auto-replied, and the older
   headers and subjects vacation programs and out-of-office assistants
   use. The recipient is who replied: the From of the reply. */

#include "lib.h"
#include "array.h"
#include "bounce-decoder.h"

/* vacation(1) (Debian's vacation 3.3) marks its replies with nothing
   but its message: no Auto-Submitted, and Precedence: bulk only when the
   user's message file has it. What it does have: it is sent as the user
   (envelope sender and From are the same person), and its message says
   it is away, in the words of its default message ("Subject: away from
   my mail", "I will not be reading my mail for a while. Your mail
   concerning ... will be read when I return.") or of its manual's
   example ("Subject: I am on vacation", "Precedence: bulk"). A reply is
   taken for one only when two of these agree: the subject or Precedence
   and the opening of the text, so that a person writing about a holiday
   is not an auto-reply. */
static const char *const vacation_subjects[] = {
	"away from my mail",		/* vacation(1)'s default */
	"on vacation",			/* vacation(1)'s manual */
	"out of the office", "out of office", "away from the office",
	NULL
};
static const char *const vacation_texts[] = {
	"will not be reading my mail",	/* vacation(1)'s default */
	"will be read when i return",	/* vacation(1)'s default */
	"i am on vacation",		/* vacation(1)'s manual */
	"i'm on vacation", "i am out of the office",
	"i'm out of the office", "i am currently out of the office",
	"i am away from", "i will be away",
	NULL
};
/* How much of the text's opening is read for vacation wording */
#define VACATION_TEXT_OPENING 500

/* The header of a vacation(1) reply: sent as the user, with its subject
   or Precedence */
static bool header_is_vacation_reply(const struct bounce_message *msg)
{
	const char *precedence = msg->hdr.precedence;
	bool bulk;

	if (msg->hdr.auto_submitted != NULL || msg->hdr.return_path == NULL ||
	    *msg->from_address == '\0')
		return FALSE;
	/* sent as the user: the envelope sender is the From */
	if (strcasecmp(t_str_trim(msg->hdr.return_path, " \t<>"),
		       msg->from_address) != 0)
		return FALSE;
	if (precedence != NULL)
		precedence = t_str_trim(precedence, " \t");
	bulk = precedence != NULL &&
		(strncasecmp(precedence, "bulk", 4) == 0 ||
		 strncasecmp(precedence, "junk", 4) == 0);
	return bulk ||
		i_strstr_arr(msg->subject_lcase, vacation_subjects) != NULL;
}

static bool message_is_vacation_reply(const struct bounce_message *msg)
{
	const char *opening;

	if (!header_is_vacation_reply(msg))
		return FALSE;
	opening = t_strndup(msg->text_lcase,
			    I_MIN(msg->text_len, VACATION_TEXT_OPENING));
	return i_strstr_arr(opening, vacation_texts) != NULL;
}

bool bounce_decode_autoreply_may_match(const struct bounce_message *msg)
{
	return !bounce_message_from_system(msg) &&
		(bounce_message_says_autoreply(msg) ||
		 header_is_vacation_reply(msg));
}

bool bounce_decode_autoreply(pool_t pool, const struct bounce_message *msg,
			     struct bounce_report *report)
{
	struct bounce_recipient *rcpt;

	/* A mail system's automatic answer is no one's vacation */
	if (bounce_message_from_system(msg))
		return FALSE;
	if (!bounce_message_says_autoreply(msg) &&
	    !message_is_vacation_reply(msg))
		return FALSE;
	if (*msg->from_address != '\0') {
		rcpt = array_append_space(&report->recipients);
		rcpt->final_recipient = p_strdup(pool, msg->from_address);
		rcpt->action = "delivered";
	}
	return TRUE;
}
