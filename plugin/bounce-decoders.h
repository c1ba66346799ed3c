#ifndef BOUNCE_DECODERS_H
#define BOUNCE_DECODERS_H

/* The analyzer's decoders: each turns one kind of content it has
   collected into report fields. They never fail: what does not parse is
   left out. Strings are allocated from pool, bounded in length and count
   by the BOUNCE_REPORT_MAX_* limits. */

#include "bounce-report.h"

struct message_header_line;

/* RFC 3464 / RFC 6533: the body of a message/delivery-status (or
   message/global-delivery-status) part, transfer-decoded */
void bounce_decode_rfc3464(pool_t pool, const unsigned char *data,
			   size_t size, struct bounce_report *report);

/* The quoted original: one header line of it (from a message/rfc822
   part) ... */
void bounce_original_add_header(pool_t pool, struct bounce_original *original,
				struct message_header_line *hdr);
/* ... or a whole header block (the body of a text/rfc822-headers part) */
void bounce_decode_original_headers(pool_t pool, const unsigned char *data,
				    size_t size,
				    struct bounce_original *original);

#endif
