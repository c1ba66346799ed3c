#ifndef BOUNCE_ANALYZER_H
#define BOUNCE_ANALYZER_H

#include "bounce-report.h"

/* The analyzer reads a message once, with Dovecot's lib-mail, and fills
   in a struct bounce_report.

   Contract:
   - Any byte sequence is a valid input. Broken MIME never makes the
     analysis fail; at worst the kind is BOUNCE_KIND_NONE.
   - At most max_read_size bytes are read from the input, however large
     the message is, so cost and memory are bounded.
   - The input's offset is left where it was found, so the stream can be
     shared with the rest of the delivery (e.g. a mail's stream).
   - The only failure is an I/O error from the input stream itself. */

#define BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE (64 * 1024)

struct istream;

struct bounce_analyzer_settings {
	/* Upper bound on the bytes read from the message. 0 means
	   BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE. */
	uoff_t max_read_size;
};

/* Analyze the message in input, from its start. Returns 0 and the report
   (allocated from pool, which receives only the report: the message's
   text and everything else the analysis needs live in a pool of its own,
   freed before it returns) on success, -1 and an error message on a read
   error of the input stream. */
int bounce_analyze(struct istream *input,
		   const struct bounce_analyzer_settings *set, pool_t pool,
		   struct bounce_report **report_r, const char **error_r);

#endif
