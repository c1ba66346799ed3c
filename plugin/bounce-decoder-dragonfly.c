/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* DragonFly Mail Agent (dma): "There was an error delivering your mail
   to <address>." and the remote answer, then "Message headers follow." */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_dragonfly = {
	.name = "dragonfly",
	.text_markers = (const char *const []){
		"this is the dragonfly mail agent", NULL },
	.end_markers = (const char *const []){ "message headers follow", NULL },
};
