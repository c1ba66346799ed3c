/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Yahoo: qmail's layout in Yahoo's words ("Sorry, we were unable to
   deliver your message to the following address.") */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_yahoo = {
	.name = "yahoo",
	.from_markers = (const char *const []){ "@yahoo", NULL },
	.text_markers = (const char *const []){
		"sorry, we were unable to deliver your message", NULL },
	.begin_markers = (const char *const []){
		"unable to deliver your message to the following", NULL },
};
