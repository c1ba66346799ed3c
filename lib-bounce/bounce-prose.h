#ifndef BOUNCE_PROSE_H
#define BOUNCE_PROSE_H

/* The prose reader (bounce-prose.c): bounces that MTAs write in their
   own words, read line by line for the failed recipients and what is
   said about each. What differs between MTA families is data, struct
   bounce_family; the families are listed in bounce-families.c. */

#include "bounce-message.h"

/* One MTA family's bounces in their own words. The family is recognised
   by any of its markers (lower-case substrings of the From, Subject or
   the text); the report is read by the prose reader, steered by the
   family's begin and end markers. */
struct bounce_family {
	const char *name;
	const char *const *from_markers;
	const char *const *subject_markers;
	const char *const *text_markers;

	/* Where the report starts in the text (after the first one found;
	   NULL: at the start) and where the quoted original begins (NULL:
	   the shared markers of bounce-prose.c only) */
	const char *const *begin_markers;
	const char *const *end_markers;

	/* The reason when the family's report gives none: some send only
	   one kind of bounce */
	enum bounce_reason default_reason;
	/* The family names the recipient within a sentence, after a label
	   ("... not a member of this mailing list <list@x>"): only such an
	   address is a recipient, and the sentence is its diagnostic */
	bool recipient_in_sentence;
};

/* Reads msg->text as the family says: finds the recipients in its
   report part and the diagnostic text that follows each, adding them to
   report; when it found any, report->report_text is that report part
   (as bounce_prose_report_text() gives it). */
void bounce_prose_decode(pool_t pool, const struct bounce_message *msg,
			const struct bounce_family *decoder,
			struct bounce_report *report);
/* Returns the report part of msg->text -- after the decoder's begin
   marker, before the quoted original -- with white space folded and
   bounded in length, or NULL when it is empty */
const char *bounce_prose_report_text(pool_t pool,
				    const struct bounce_message *msg,
				    const struct bounce_family *decoder);
/* Returns the offset in msg->text where a quoted original begins (by the
   shared markers), or msg->text_len when there is none */
size_t bounce_prose_original_offset(const struct bounce_message *msg);
/* Finds the first e-mail address in data[0..size), bare or in <>, and
   returns it lower-cased (NULL when there is none). *pos_r and *len_r
   locate it, brackets included. */
const char *bounce_prose_find_address(const char *data, size_t size,
				     size_t *pos_r, size_t *len_r);
/* Adds a recipient with the given diagnostic text, or appends the text
   to the diagnostic of the recipient already listed with that address.
   Returns the recipient, or NULL when the report is full. */
struct bounce_recipient *
bounce_prose_add_recipient(pool_t pool, struct bounce_report *report,
			  const char *address, const char *diagnostic);

#endif
