#ifndef BOUNCE_REPORT_H
#define BOUNCE_REPORT_H

/* The report model: what the analyzer learned about one message.

   Everything that looks at a message's bounce nature -- the Sieve tests,
   the CLI, the verdict -- reads this model; none of them parses the
   message again. A report is allocated from the pool given to
   bounce_analyze() and is immutable afterwards. */

enum bounce_kind {
	/* Ordinary mail, or nothing we recognise as automated */
	BOUNCE_KIND_NONE = 0,
	/* RFC 3464 / RFC 6533 delivery status notification */
	BOUNCE_KIND_DSN,

	BOUNCE_KIND_COUNT
};

struct bounce_report {
	enum bounce_kind kind;

	/* The top-level Content-Type, lower-cased "type/subtype" (NULL when
	   the message has none), and its report-type parameter for
	   multipart/report (NULL otherwise). */
	const char *content_type;
	const char *report_type;

	/* A message/delivery-status (or message/global-delivery-status)
	   part was found inside the report. */
	bool status_part_found:1;
	/* Reading stopped at the analyzer's size limit before the end of
	   the message. */
	bool truncated:1;
};

/* Returns the name used in Sieve scripts, the CLI and logs. */
const char *bounce_kind_to_str(enum bounce_kind kind);
/* Looks a kind up by name, case-insensitively. Returns FALSE for an
   unknown name. */
bool bounce_kind_from_str(const char *name, enum bounce_kind *kind_r);
/* Returns the names of the bounce kinds (all but "none") as one
   human-readable list for error messages, e.g. "dsn". Allocated from the
   data stack. */
const char *bounce_kind_names(void);

#endif
