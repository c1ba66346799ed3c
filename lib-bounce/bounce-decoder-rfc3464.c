/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* RFC 3464 delivery status fields: a block of per-message fields, then a
   block per recipient, each in header syntax, separated by blank lines.
   Read with Dovecot's header parser, block after block. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "charset-utf8.h"
#include "message-header-parser.h"
#include "bounce-decoder.h"
#include "bounce-reason.h"

#include <ctype.h>

enum field_value {
	/* "type; value": the value (RFC 3464's address-type, mta-name-type,
	   diagnostic-type); the whole text when the type is missing */
	FIELD_TYPED,
	/* A typed address ("rfc822; <user@example.com>"): the address,
	   without the angle brackets some reports add */
	FIELD_ADDRESS,
	FIELD_PLAIN,
	/* A keyword, lower-cased */
	FIELD_KEYWORD,
	/* An RFC 3463 status code, parsed into struct bounce_status */
	FIELD_STATUS,
	/* The type of a typed value, lower-cased; none when untyped */
	FIELD_TYPE_NAME,
};

/* Every field we keep, once, with where it goes */
static const struct report_field {
	const char *name;
	bool per_recipient;
	enum field_value value;
	size_t offset;
} report_fields[] = {
#define MSG(name, value, field) \
	{ name, FALSE, value, offsetof(struct bounce_report, field) }
#define RCPT(name, value, field) \
	{ name, TRUE, value, offsetof(struct bounce_recipient, field) }
	MSG("Reporting-MTA", FIELD_TYPED, reporting_mta),
	MSG("Received-From-MTA", FIELD_TYPED, received_from_mta),
	MSG("Arrival-Date", FIELD_PLAIN, arrival_date),
	MSG("Original-Envelope-Id", FIELD_PLAIN, original_envelope_id),
	RCPT("Final-Recipient", FIELD_ADDRESS, final_recipient),
	RCPT("Original-Recipient", FIELD_ADDRESS, original_recipient),
	RCPT("Action", FIELD_KEYWORD, action),
	RCPT("Status", FIELD_STATUS, status),
	RCPT("Remote-MTA", FIELD_TYPED, remote_mta),
	RCPT("Diagnostic-Code", FIELD_TYPED, diagnostic_code),
	RCPT("Diagnostic-Code", FIELD_TYPE_NAME, diagnostic_type),
	RCPT("Last-Attempt-Date", FIELD_PLAIN, last_attempt_date),
	RCPT("Will-Retry-Until", FIELD_PLAIN, will_retry_until),
#undef MSG
#undef RCPT
};

/* One block of fields, before we know whose it is */
struct field_block {
	struct bounce_report message;
	struct bounce_recipient recipient;
	bool has_recipient_fields;
	bool has_message_fields;
};

/* The leading class.subject.detail of a status field ("5.1.1 (user
   unknown)"): class 2, 4 or 5; subject and detail of 1-3 digits. Returns
   FALSE when the value starts with none. */
static bool parse_status(const char *value, struct bounce_status *status_r)
{
	const char *end = bounce_status_parse_prefix(value, status_r);

	if (end == NULL ||
	    (*end != '\0' && !i_isspace(*end) && *end != '(' && *end != ';')) {
		i_zero(status_r);
		return FALSE;
	}
	return TRUE;
}

static const char *field_value(enum field_value type, const char *value)
{
	const char *semicolon;

	switch (type) {
	case FIELD_TYPED:
		semicolon = strchr(value, ';');
		if (semicolon != NULL)
			value = t_str_trim(semicolon + 1, " \t");
		return value;
	case FIELD_ADDRESS:
		return t_str_trim(field_value(FIELD_TYPED, value), "<> \t");
	case FIELD_PLAIN:
		return value;
	case FIELD_KEYWORD:
		return t_str_lcase(t_strcut(value, ' '));
	case FIELD_STATUS:
		/* set_field() parses it */
		break;
	case FIELD_TYPE_NAME:
		semicolon = strchr(value, ';');
		return semicolon == NULL ? NULL :
			t_str_lcase(t_str_trim(t_strdup_until(value, semicolon),
					       " \t"));
	}
	i_unreached();
}

/* Keeps one field's value where the table says; the first occurrence
   counts */
static void
set_field(pool_t pool, struct field_block *block,
	  const struct report_field *field, const char *raw_value)
{
	const char *value, **dest;

	if (field->value == FIELD_STATUS) {
		/* the one typed field */
		struct bounce_status *status = field->per_recipient ?
			PTR_OFFSET(&block->recipient, field->offset) :
			PTR_OFFSET(&block->message, field->offset);

		if (status->class == 0 && parse_status(raw_value, status))
			block->has_recipient_fields = TRUE;
		return;
	}
	value = field_value(field->value, raw_value);
	if (value == NULL || *value == '\0')
		return;
	dest = field->per_recipient ?
		PTR_OFFSET(&block->recipient, field->offset) :
		PTR_OFFSET(&block->message, field->offset);
	if (*dest != NULL)
		return;
	*dest = p_strdup(pool, value);
	if (field->per_recipient)
		block->has_recipient_fields = TRUE;
	else
		block->has_message_fields = TRUE;
}

/* Fields are US-ASCII, or UTF-8 in a global report, yet Japanese
   servers write Diagnostic-Code in raw ISO-2022-JP. That charset
   announces itself with escape sequences, so it is safe to convert;
   any other stray bytes stay for the report's writers to escape. */
static const char *field_text(const char *value)
{
	enum charset_result result;
	string_t *utf8;

	if (strchr(value, '\x1b') == NULL)
		return value;
	utf8 = t_str_new(strlen(value) * 2);
	if (charset_to_utf8_str("ISO-2022-JP", NULL, value, utf8,
				&result) < 0)
		return value;
	return str_c(utf8);
}

static void
add_field(pool_t pool, struct field_block *block,
	  struct message_header_line *hdr)
{
	const char *value = NULL;
	unsigned int i;

	/* a field may fill more than one member (Diagnostic-Code: its
	   text and its type) */
	for (i = 0; i < N_ELEMENTS(report_fields); i++) {
		if (strcasecmp(hdr->name, report_fields[i].name) != 0)
			continue;
		if (value == NULL) {
			value = t_str_trim(field_text(t_strndup(
				hdr->full_value,
				I_MIN(hdr->full_value_len,
				      BOUNCE_REPORT_MAX_FIELD_LENGTH))), " \t");
		}
		set_field(pool, block, &report_fields[i], value);
	}
}

/* An address that only the reporting system knows: an X.400 O/R
   address ("/C=US/ADMD=.../S=Doe/"), or a mailbox at one of its own
   channels rather than at a domain (Sun/Oracle Messaging Server's
   "user@ims-ms-daemon", "user@tcp_local-daemon"): no dot in the part
   after the '@', or no '@' at all */
static bool address_is_internal(const char *address)
{
	const char *at = strrchr(address, '@');

	return *address == '/' || at == NULL || strchr(at + 1, '.') == NULL;
}

static void
add_block(struct bounce_report *report, struct field_block *block)
{
	struct bounce_recipient *rcpt = &block->recipient;
	const struct report_field *field;
	unsigned int i;

	/* A block is per-message or per-recipient by what it holds, not by
	   its place: some reports lack the per-message block */
	for (i = 0; i < N_ELEMENTS(report_fields); i++) {
		const char **src, **dest;

		field = &report_fields[i];
		if (field->per_recipient)
			continue;
		src = PTR_OFFSET(&block->message, field->offset);
		dest = PTR_OFFSET(report, field->offset);
		if (*dest == NULL)
			*dest = *src;
	}
	if (!block->has_recipient_fields ||
	    array_count(&report->recipients) >= BOUNCE_REPORT_MAX_RECIPIENTS)
		return;
	/* Final-Recipient is required, yet some reports give only the
	   Original-Recipient: it is the best we have; so it is when the
	   final one is the reporting system's own name for the mailbox.
	   A block that names no recipient at all says nothing about
	   anyone. */
	if (rcpt->final_recipient == NULL ||
	    (address_is_internal(rcpt->final_recipient) &&
	     rcpt->original_recipient != NULL &&
	     !address_is_internal(rcpt->original_recipient)))
		rcpt->final_recipient = rcpt->original_recipient;
	if (rcpt->final_recipient == NULL)
		return;
	array_push_back(&report->recipients, rcpt);
}

void bounce_decode_rfc3464(pool_t pool, const unsigned char *data,
			   size_t size, struct bounce_report *report)
{
	struct istream *input = i_stream_create_from_data(data, size);
	struct message_header_parser_ctx *parser;
	struct message_header_line *hdr;
	struct field_block block;
	int ret;

	if (!array_is_created(&report->recipients))
		p_array_init(&report->recipients, pool, 4);

	/* Each header parse ends at a blank line: one block per parse */
	do {
		i_zero(&block);
		parser = message_parse_header_init(input, NULL,
			MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
		while ((ret = message_parse_header_next(parser, &hdr)) > 0) {
			if (hdr->eoh)
				break;
			if (hdr->continues) {
				hdr->use_full_value = TRUE;
				continue;
			}
			T_BEGIN {
				add_field(pool, &block, hdr);
			} T_END;
		}
		message_parse_header_deinit(&parser);
		add_block(report, &block);
	} while (ret > 0 && i_stream_have_bytes_left(input));
	i_stream_unref(&input);
}

static const char *const status_block_starts[] = {
	"reporting-mta:", "final-recipient:",
};

void bounce_decode_rfc3464_inline(pool_t pool,
				  const struct bounce_message *msg,
				  struct bounce_report *report)
{
	const char *lc = msg->text_lcase, *line;
	unsigned int i;

	for (line = lc; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		for (i = 0; i < N_ELEMENTS(status_block_starts); i++) {
			if (strncmp(line, status_block_starts[i],
				    strlen(status_block_starts[i])) == 0) {
				size_t pos = line - lc;

				bounce_decode_rfc3464(pool,
					(const void *)(msg->text + pos),
					msg->text_len - pos, report);
				return;
			}
		}
	}
}
