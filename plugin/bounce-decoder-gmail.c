/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Gmail and Google Groups, in their older prose form: the address on a
   line of its own, the "Technical details" after a blank line. Groups
   name the group in X-Failed-Recipients. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_gmail = {
	.name = "gmail",
	.from_markers = (const char *const []){
		"@googlemail.com", "@google.com", "@gmail.com",
		"@googlegroups.com", NULL },
	.text_markers = (const char *const []){
		"delivery to the following recipient",
		"google tried to deliver your message", NULL },
	.begin_markers = (const char *const []){
		"delivery to the following recipient",
		"your message wasn't delivered to",
		"your message has been delayed", NULL },
};
