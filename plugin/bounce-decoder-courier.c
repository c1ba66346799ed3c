/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Courier MTA: "This is a delivery status notification from ...", each
   "<address>:" followed by the session lines. */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_courier = {
	.name = "courier",
	.text_markers = (const char *const []){
		"this is a delivery status notification from",
		"courier mail server", NULL },
	.begin_markers = (const char *const []){
		"the following address(es) could not be delivered",
		"unable to deliver your message to the following", NULL },
};
