/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "istream.h"
#include "rfc822-parser.h"
#include "message-parser.h"
#include "message-decoder.h"
#include "bounce-decoders.h"
#include "bounce-reason.h"
#include "bounce-analyzer.h"

/* How much of a status part or a quoted header block is kept */
#define BOUNCE_ANALYZER_MAX_PART_SIZE (32 * 1024)

/* multipart/report (RFC 6522) names the kind of report it carries in its
   report-type parameter. These are the report types that make a message
   a bounce of the given kind. */
static const struct {
	const char *report_type;
	enum bounce_kind kind;
} report_type_kinds[] = {
	{ "delivery-status", BOUNCE_KIND_DSN },		/* RFC 3464 */
	{ "global-delivery-status", BOUNCE_KIND_DSN },	/* RFC 6533 */
};

/* What the parts of a report are to us, by their Content-Type */
enum part_role {
	PART_OTHER = 0,
	/* The machine-readable status of a DSN */
	PART_STATUS,
	/* The header of the original message */
	PART_ORIGINAL_HEADERS,
	/* The original message itself */
	PART_ORIGINAL_MESSAGE,
};

static const struct {
	const char *content_type;
	enum part_role role;
} part_roles[] = {
	{ "message/delivery-status", PART_STATUS },		/* RFC 3464 */
	{ "message/global-delivery-status", PART_STATUS },	/* RFC 6533 */
	{ "text/rfc822-headers", PART_ORIGINAL_HEADERS },	/* RFC 6522 */
	{ "message/global-headers", PART_ORIGINAL_HEADERS },	/* RFC 6533 */
	{ "message/rfc822", PART_ORIGINAL_MESSAGE },
	{ "message/global", PART_ORIGINAL_MESSAGE },		/* RFC 6532 */
};

struct bounce_analysis {
	pool_t pool;
	struct bounce_report *report;
	struct message_decoder_context *decoder;

	/* The first part of each role, and what is kept of its body */
	struct message_part *status_part, *headers_part, *original_part;
	string_t *status_body, *headers_body;

	/* The top-level header has been seen in full */
	bool root_header_done:1;
	/* Nothing more in the message can change the report */
	bool done:1;
};

/* Parses a Content-Type value into a lower-cased "type/subtype" and, when
   wanted, the value of one parameter. Returns FALSE when the value is not
   a syntactically valid content type. */
static bool
parse_content_type(const struct message_header_line *hdr,
		   const char *param_name, const char **type_r,
		   const char **param_value_r)
{
	struct rfc822_parser_context parser;
	string_t *type = t_str_new(64);
	string_t *value = t_str_new(64);
	const char *key;
	bool valid;

	*param_value_r = NULL;
	rfc822_parser_init(&parser, hdr->full_value, hdr->full_value_len,
			   NULL);
	rfc822_skip_lwsp(&parser);
	valid = rfc822_parse_content_type(&parser, type) >= 0 &&
		strchr(str_c(type), '/') != NULL;
	if (valid && param_name != NULL) {
		while (rfc822_parse_content_param(&parser, &key, value) > 0) {
			if (strcasecmp(key, param_name) == 0) {
				*param_value_r = t_strdup(str_c(value));
				break;
			}
		}
	}
	rfc822_parser_deinit(&parser);
	*type_r = t_str_lcase(str_c(type));
	return valid;
}

static void
analyze_root_content_type(struct bounce_analysis *ctx,
			  const struct message_header_line *hdr)
{
	struct bounce_report *report = ctx->report;
	const char *type, *report_type;
	unsigned int i;

	/* The first Content-Type wins, as in message-parser */
	if (report->content_type != NULL)
		return;
	if (!parse_content_type(hdr, "report-type", &type, &report_type))
		return;

	report->content_type = p_strdup(ctx->pool, type);
	if (strcmp(type, "multipart/report") != 0 || report_type == NULL)
		return;
	report->report_type = p_strdup(ctx->pool, t_str_lcase(report_type));
	for (i = 0; i < N_ELEMENTS(report_type_kinds); i++) {
		if (strcasecmp(report_type,
			       report_type_kinds[i].report_type) == 0) {
			report->kind = report_type_kinds[i].kind;
			break;
		}
	}
}

static enum part_role part_role(const struct message_header_line *hdr)
{
	const char *type, *unused;
	unsigned int i;

	if (!parse_content_type(hdr, NULL, &type, &unused))
		return PART_OTHER;
	for (i = 0; i < N_ELEMENTS(part_roles); i++) {
		if (strcmp(type, part_roles[i].content_type) == 0)
			return part_roles[i].role;
	}
	return PART_OTHER;
}

/* A part of the report itself (not of a message quoted in it) got its
   Content-Type: remember the first part of each role */
static void
analyze_report_part(struct bounce_analysis *ctx, struct message_part *part,
		    const struct message_header_line *hdr)
{
	switch (part_role(hdr)) {
	case PART_STATUS:
		if (ctx->status_part == NULL) {
			ctx->status_part = part;
			ctx->report->status_part_found = TRUE;
		}
		break;
	case PART_ORIGINAL_HEADERS:
		if (ctx->headers_part == NULL)
			ctx->headers_part = part;
		break;
	case PART_ORIGINAL_MESSAGE:
		if (ctx->original_part == NULL)
			ctx->original_part = part;
		break;
	case PART_OTHER:
		break;
	}
}

static void
analyze_header(struct bounce_analysis *ctx, struct message_part *part,
	       struct message_header_line *hdr)
{
	struct bounce_report *report = ctx->report;

	if (hdr->continues) {
		hdr->use_full_value = TRUE;
		return;
	}
	if (part->parent == NULL) {
		if (strcasecmp(hdr->name, "Content-Type") == 0) T_BEGIN {
			analyze_root_content_type(ctx, hdr);
		} T_END;
		return;
	}
	if (report->kind != BOUNCE_KIND_DSN)
		return;

	if (part->parent->parent == NULL) {
		/* a part of the report */
		if (strcasecmp(hdr->name, "Content-Type") == 0) T_BEGIN {
			analyze_report_part(ctx, part, hdr);
		} T_END;
	} else if (ctx->original_part != NULL &&
		   part->parent == ctx->original_part) {
		/* the header of the quoted message */
		report->original_found = TRUE;
		bounce_original_add_header(ctx->pool, &report->original, hdr);
	}
}

/* Keeps the transfer-decoded body of the status and header parts */
static void
analyze_report_body(struct bounce_analysis *ctx, struct message_block *block)
{
	struct message_block decoded;
	string_t *dest;

	if (!message_decoder_decode_next_block(ctx->decoder, block, &decoded) ||
	    decoded.hdr != NULL || decoded.size == 0)
		return;
	if (decoded.part == ctx->status_part)
		dest = ctx->status_body;
	else if (decoded.part == ctx->headers_part)
		dest = ctx->headers_body;
	else
		return;
	if (str_len(dest) < BOUNCE_ANALYZER_MAX_PART_SIZE) {
		str_append_data(dest, decoded.data,
				I_MIN(decoded.size,
				      BOUNCE_ANALYZER_MAX_PART_SIZE -
				      str_len(dest)));
	}
}

static void
analyze_block(struct bounce_analysis *ctx, struct message_block *block)
{
	struct message_part *part = block->part;

	if (block->hdr != NULL)
		analyze_header(ctx, part, block->hdr);
	/* The decoder must see the report's parts whole, header included,
	   to learn their transfer encoding */
	if (part->parent != NULL && part->parent->parent == NULL &&
	    ctx->report->kind == BOUNCE_KIND_DSN)
		analyze_report_body(ctx, block);
	if (block->hdr != NULL || block->size != 0 ||
	    part->parent != NULL || ctx->root_header_done)
		return;

	/* End of the top-level header. Only a report needs its body read;
	   for anything else the kind is settled now, so stop reading. */
	ctx->root_header_done = TRUE;
	if (ctx->report->kind == BOUNCE_KIND_NONE)
		ctx->done = TRUE;
}

int bounce_analyze(struct istream *input,
		   const struct bounce_analyzer_settings *set, pool_t pool,
		   struct bounce_report **report_r, const char **error_r)
{
	const struct message_parser_settings parser_set = {
		.hdr_flags = MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE,
	};
	struct bounce_analysis ctx;
	struct message_parser_ctx *parser;
	struct message_part *parts;
	struct message_block block;
	struct istream *limited;
	uoff_t start_offset = input->v_offset;
	uoff_t max_size = set->max_read_size != 0 ? set->max_read_size :
		BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE;
	pool_t parts_pool;
	int ret = 0;

	i_zero(&ctx);
	ctx.pool = pool;
	ctx.report = p_new(pool, struct bounce_report, 1);
	p_array_init(&ctx.report->recipients, pool, 4);
	ctx.decoder = message_decoder_init(NULL, 0);
	ctx.status_body = str_new(default_pool, 1024);
	ctx.headers_body = str_new(default_pool, 1024);

	i_stream_seek(input, 0);
	limited = i_stream_create_limit(input, max_size);
	parts_pool = pool_alloconly_create("bounce analyzer parts", 4096);
	parser = message_parser_init(parts_pool, limited, &parser_set);

	while (!ctx.done &&
	       message_parser_parse_next_block(parser, &block) > 0)
		analyze_block(&ctx, &block);

	if (limited->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(limited));
		ret = -1;
	} else if (!ctx.done && limited->v_offset >= max_size) {
		/* The limit was reached; was there more? */
		i_stream_seek(input, max_size);
		ctx.report->truncated = i_stream_have_bytes_left(input);
	}

	if (ret == 0 && str_len(ctx.status_body) > 0) {
		bounce_decode_rfc3464(pool, str_data(ctx.status_body),
				      str_len(ctx.status_body), ctx.report);
	}
	if (ret == 0 && !ctx.report->original_found &&
	    str_len(ctx.headers_body) > 0) {
		ctx.report->original_found = TRUE;
		bounce_decode_original_headers(pool,
			str_data(ctx.headers_body), str_len(ctx.headers_body),
			&ctx.report->original);
	}

	if (ret == 0) {
		struct bounce_recipient *rcpt;

		array_foreach_modifiable(&ctx.report->recipients, rcpt)
			bounce_reason_classify(pool, ctx.report->kind, rcpt);
	}
	message_decoder_deinit(&ctx.decoder);
	str_free(&ctx.status_body);
	str_free(&ctx.headers_body);
	message_parser_deinit(&parser, &parts);
	pool_unref(&parts_pool);
	i_stream_unref(&limited);
	i_stream_seek(input, start_offset);

	if (ret < 0)
		return -1;
	*report_r = ctx.report;
	return 0;
}
