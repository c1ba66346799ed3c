/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* qmail and its descendants (netqmail, s/qmail, Yahoo's and others'
   qmail-send): "<address>:" on a line of its own, the remote answer on
   the lines after, then "--- Below this line is a copy of the message." */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_qmail = {
	.name = "qmail",
	.text_markers = (const char *const []){
		"this is the qmail-send program",
		"i'm afraid i wasn't able to deliver your message",
		"below this line is a copy of the message", NULL },
	.begin_markers = (const char *const []){
		"wasn't able to deliver your message to the following",
		"unable to deliver your message to the following", NULL },
	.end_markers = (const char *const []){
		"below this line is a copy of the message", NULL },
};
