/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Japanese mobile carriers (au/KDDI ezweb, NTT docomo, SoftBank): short
   notices that name the address and little else */

#include "lib.h"
#include "bounce-decoders.h"

const struct bounce_mta_decoder bounce_decoder_japanese_carriers = {
	.name = "japanese-carriers",
	.from_markers = (const char *const []){
		"@ezweb.ne.jp", "dion.ne.jp", "docomo.ne.jp",
		"softbank.ne.jp", NULL },
	.text_markers = (const char *const []){
		"the user(s) account is disabled",
		"the following recipients did not receive this message", NULL },
};
