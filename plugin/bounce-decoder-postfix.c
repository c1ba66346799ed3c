/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Postfix, when its bounce is not a multipart/report (old versions, or
   forwarded on): "<address>: host ... said: ..." after the apology. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_postfix = {
	.name = "postfix",
	.text_markers = (const char *const []){
		"this is the mail system at host",
		"this is the postfix program at host", NULL },
	.begin_markers = (const char *const []){
		"the mail system", "transcript of session follows", NULL },
};
