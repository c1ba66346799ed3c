#ifndef BOUNCE_REASON_PHRASES_H
#define BOUNCE_REASON_PHRASES_H

/* The words that say why a delivery failed, per reason, with where each
   wording comes from (bounce-reason-phrases.c). Only bounce-reason.c
   reads them: the text is the last of its kinds of evidence (see
   docs/reasons.md). */

#include "bounce-report.h"

enum bounce_reason_phrase_set {
	/* What an MTA or a provider says when it names the cause: English
	   first, then the other languages' tables */
	BOUNCE_REASON_PHRASES_CAUSE = 0,
	/* Words that say little on their own ("rejected"): tried only
	   when nothing else said why */
	BOUNCE_REASON_PHRASES_WEAK,
	/* A local delivery program's words when it failed itself
	   ("Couldn't create ...", "command died"): the program's fault,
	   whatever exit code it chose */
	BOUNCE_REASON_PHRASES_PROGRAM,
};

/* The rule that decided a reason: an id that names it ("phrase:en:57",
   the 57th of the English table; "status:5.2.2") and where it comes
   from (a phrase's source column, "RFC 3463", ...). Both are static
   or data stack strings. */
struct bounce_reason_rule {
	const char *id;
	const char *source;
};

/* The reason of the first phrase of the set found in lc (lower-cased,
   white space folded), in the set's order: more specific phrases come
   before the general ones they contain. BOUNCE_REASON_UNDEFINED when
   none is found; else rule_r names the phrase (and is left alone
   otherwise). */
enum bounce_reason
bounce_reason_phrases_find(enum bounce_reason_phrase_set set, const char *lc,
			   struct bounce_reason_rule *rule_r);

#endif
