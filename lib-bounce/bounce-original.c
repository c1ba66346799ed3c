/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The header of the message that bounced, as a report quotes it */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "istream.h"
#include "message-header-parser.h"
#include "message-header-decode.h"
#include "bounce-decoder.h"

static const struct {
	const char *name;
	size_t offset;
	/* RFC 2047 encoded words are decoded to UTF-8 */
	bool decode;
} original_fields[] = {
#define FIELD(name, field, decode) \
	{ name, offsetof(struct bounce_original, field), decode }
	FIELD("Message-ID", message_id, FALSE),
	FIELD("From", from, TRUE),
	FIELD("To", to, TRUE),
	FIELD("Subject", subject, TRUE),
	FIELD("Date", date, FALSE),
	FIELD("Return-Path", return_path, FALSE),
	/* RFC 2919, RFC 2369, and an older convention */
	FIELD("List-Id", list, FALSE),
	FIELD("List-Post", list, FALSE),
	FIELD("Mailing-List", list, FALSE),
#undef FIELD
};

static const char *
header_value(struct message_header_line *hdr, bool decode)
{
	size_t len = I_MIN(hdr->full_value_len, BOUNCE_REPORT_MAX_FIELD_LENGTH);
	string_t *str;

	if (!decode)
		return t_strndup(hdr->full_value, len);
	str = t_str_new(len + 16);
	message_header_decode_utf8(hdr->full_value, len, str, NULL);
	return str_c(str);
}

void bounce_original_add_header(pool_t pool, struct bounce_original *original,
				struct message_header_line *hdr)
{
	const char **dest;
	unsigned int i;

	if (hdr->eoh)
		return;
	if (hdr->continues) {
		hdr->use_full_value = TRUE;
		return;
	}
	if (!array_is_created(&original->received))
		p_array_init(&original->received, pool, 8);

	T_BEGIN {
		if (strcasecmp(hdr->name, "Received") == 0) {
			if (array_count(&original->received) <
			    BOUNCE_REPORT_MAX_RECEIVED) {
				const char *value = p_strdup(pool,
					header_value(hdr, FALSE));
				array_push_back(&original->received, &value);
			}
		} else {
			for (i = 0; i < N_ELEMENTS(original_fields); i++) {
				if (strcasecmp(hdr->name,
					       original_fields[i].name) != 0)
					continue;
				dest = PTR_OFFSET(original,
						  original_fields[i].offset);
				if (*dest == NULL) {
					*dest = p_strdup(pool, header_value(hdr,
						original_fields[i].decode));
				}
				break;
			}
		}
	} T_END;
}

void bounce_decode_original_headers(pool_t pool, const unsigned char *data,
				    size_t size,
				    struct bounce_original *original)
{
	struct istream *input = i_stream_create_from_data(data, size);
	struct message_header_parser_ctx *parser;
	struct message_header_line *hdr;

	parser = message_parse_header_init(input, NULL,
		MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE);
	while (message_parse_header_next(parser, &hdr) > 0 && !hdr->eoh)
		bounce_original_add_header(pool, original, hdr);
	message_parse_header_deinit(&parser);
	i_stream_unref(&input);
}
