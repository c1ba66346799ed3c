/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Mailing-list managers refusing a post: fml's "You are not a member of
   this mailing list <list@example.org>", and the like from list servers
   that only members may post to. The failed recipient is the list. Only
   a notice from the list manager itself (bounce-decoders.c:
   bounce_message_from_list_manager()) gets this far. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_mailing_list = {
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
};
