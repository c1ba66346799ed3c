/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Microsoft Exchange (2003 to Office 365) and Outlook.com in prose form:
   "did not reach the following recipient(s):", each address followed
   by "on <date>" and the reason. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_exchange = {
	.name = "exchange",
	.subject_markers = (const char *const []){ "undeliverable", NULL },
	.text_markers = (const char *const []){
		"did not reach the following recipient",
		"delivery has failed to these recipients",
		"your message to", NULL },
	.begin_markers = (const char *const []){
		"did not reach the following recipient",
		"delivery has failed to these recipients or groups",
		"couldn't be delivered to", NULL },
};
