/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Sendmail (and the "V5" sendmail-likes): "----- The following addresses
   had permanent fatal errors -----", the address, "(reason: ...)", then
   the session transcript. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_sendmail = {
	.name = "sendmail",
	.subject_markers = (const char *const []){ "returned mail:", NULL },
	.text_markers = (const char *const []){
		"the following addresses had permanent fatal errors",
		"transcript of session follows",
		"the original message was received at", NULL },
	.begin_markers = (const char *const []){
		"the following addresses had", NULL },
	.end_markers = (const char *const []){
		"original message follows", "returned message", NULL },
};
