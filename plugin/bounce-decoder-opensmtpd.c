/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* OpenSMTPD: "Hi! This is the MAILER-DAEMON, please DO NOT REPLY", each
   address followed by its error, then "Below is a copy of the original
   message:". */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_opensmtpd = {
	.name = "opensmtpd",
	.text_markers = (const char *const []){
		"this is the mailer-daemon, please do not reply", NULL },
	.begin_markers = (const char *const []){
		"an error has occurred while attempting to deliver",
		"delivery of your message", NULL },
	.end_markers = (const char *const []){
		"below is a copy of the original message", NULL },
};
