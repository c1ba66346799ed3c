/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Google Groups refusing a post: the group is named in
   X-Failed-Recipients, the text (in the sender's language) only explains
   who may post. Every such bounce is a refusal of the sender. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_googlegroups = {
	.name = "googlegroups",
	.text_markers = (const char *const []){
		"groups.google.com", "google groups", NULL },
	.default_reason = BOUNCE_REASON_REJECTED,
};
