/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Amazon SES and WorkMail bounces in prose form */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_amazonses = {
	.name = "amazonses",
	.from_markers = (const char *const []){
		"amazonses.com", "amazonaws.com", NULL },
	.text_markers = (const char *const []){
		"an error occurred while trying to deliver the mail", NULL },
};
