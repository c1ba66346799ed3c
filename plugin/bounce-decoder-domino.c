/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* HCL/IBM Domino and Lotus Notes: "Your message ... was not delivered to:
   <address>", the reason after "because:". */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_domino = {
	.name = "domino",
	.text_markers = (const char *const []){
		"was not delivered to:", "lotus domino", "lotus notes", NULL },
	.begin_markers = (const char *const []){
		"was not delivered to:", NULL },
};
