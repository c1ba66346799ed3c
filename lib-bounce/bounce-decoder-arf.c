/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Abuse and feedback reports: ARF (RFC 5965), whose message/feedback-report
   part is header-formatted, and the complaint loops that predate it
   (Microsoft's JMRP), which only quote the message complained about. The
   recipient is who complained: Original-Rcpt-To, else the quoted
   message's To. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "message-header-parser.h"
#include "bounce-decoder.h"
#include "bounce-prose.h"

/* Subjects of complaint loops without a feedback-report part */
static const char *const complaint_subjects[] = {
	"complaint about message from", NULL
};

/* The fields of a feedback-report part we keep */
struct arf_fields {
	const char *feedback_type, *original_rcpt_to, *removal_recipient;
	const char *reporting_mta, *arrival_date;
};

static const struct {
	const char *name;
	size_t offset;
} feedback_fields[] = {
#define FIELD(name, field) { name, offsetof(struct arf_fields, field) }
	FIELD("Feedback-Type", feedback_type),
	FIELD("Original-Rcpt-To", original_rcpt_to),
	FIELD("Removal-Recipient", removal_recipient),
	FIELD("Reporting-MTA", reporting_mta),
	FIELD("Arrival-Date", arrival_date),
#undef FIELD
};


static void
parse_feedback_fields(const struct bounce_message *msg,
		      struct arf_fields *fields_r)
{
	struct istream *input =
		i_stream_create_from_data(msg->feedback, msg->feedback_len);
	struct message_header_parser_ctx *parser;
	struct message_header_line *hdr;
	unsigned int i;

	i_zero(fields_r);
	parser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	while (message_parse_header_next(parser, &hdr) > 0 && !hdr->eoh) {
		if (hdr->continues) {
			hdr->use_full_value = TRUE;
			continue;
		}
		for (i = 0; i < N_ELEMENTS(feedback_fields); i++) {
			const char **dest;

			if (strcasecmp(hdr->name, feedback_fields[i].name) != 0)
				continue;
			dest = PTR_OFFSET(fields_r, feedback_fields[i].offset);
			if (*dest == NULL) {
				*dest = t_strndup(hdr->full_value,
					I_MIN(hdr->full_value_len,
					      BOUNCE_REPORT_MAX_FIELD_LENGTH));
			}
		}
	}
	message_parse_header_deinit(&parser);
	i_stream_unref(&input);
}

bool bounce_decode_arf_may_match(const struct bounce_message *msg)
{
	return msg->feedback_len > 0 ||
		i_strstr_arr(msg->subject_lcase, complaint_subjects) != NULL;
}

bool bounce_decode_arf(pool_t pool, const struct bounce_message *msg,
		       struct bounce_report *report)
{
	struct arf_fields fields;
	struct bounce_recipient *rcpt;
	const char *candidates[3], *address = NULL;
	size_t pos, len;
	unsigned int i;

	if (!bounce_decode_arf_may_match(msg))
		return FALSE;
	if (msg->feedback_len > 0)
		parse_feedback_fields(msg, &fields);
	else
		i_zero(&fields);

	candidates[0] = fields.original_rcpt_to;
	candidates[1] = fields.removal_recipient;
	candidates[2] = report->original.to;
	for (i = 0; i < N_ELEMENTS(candidates) && address == NULL; i++) {
		if (candidates[i] != NULL) {
			address = bounce_prose_find_address(candidates[i],
				strlen(candidates[i]), &pos, &len);
		}
	}

	report->feedback_type = fields.feedback_type == NULL ? "abuse" :
		p_strdup(pool, t_str_lcase(t_str_trim(fields.feedback_type,
						      " \t")));
	if (fields.reporting_mta != NULL && report->reporting_mta == NULL) {
		const char *semicolon = strchr(fields.reporting_mta, ';');

		report->reporting_mta = p_strdup(pool, semicolon == NULL ?
			fields.reporting_mta :
			t_str_trim(semicolon + 1, " \t"));
	}
	if (fields.arrival_date != NULL && report->arrival_date == NULL)
		report->arrival_date = p_strdup(pool, fields.arrival_date);
	if (address != NULL) {
		rcpt = array_append_space(&report->recipients);
		rcpt->final_recipient = p_strdup(pool, address);
	}
	return TRUE;
}
