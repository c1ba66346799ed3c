/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Exim: "This message was created automatically by mail delivery
   software." The failed addresses are indented, each followed by its
   more indented SMTP error; X-Failed-Recipients names them too. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_exim = {
	.name = "exim",
	.text_markers = (const char *const []){
		"this message was created automatically by mail delivery",
		"delivery to the following recipients failed",
		"could not be delivered to one or more of its", NULL },
	.begin_markers = (const char *const []){
		"address(es) failed:",
		"message could not be delivered to",
		"recipients failed permanently:",
		"following recipients failed", NULL },
	.end_markers = (const char *const []){
		"this is a copy of the message",
		"message header follows", NULL },
};
