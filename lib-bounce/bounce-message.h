#ifndef BOUNCE_MESSAGE_H
#define BOUNCE_MESSAGE_H

/* The message as the decoders see it: what the analyzer
   (bounce-analyzer.c) collected from one read of it, and what it says
   about itself (bounce-message.c). Every decoder reads this; none reads
   the message itself. */

#include "bounce-report.h"

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

#endif
