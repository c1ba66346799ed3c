/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "rfc822-parser.h"
#include "message-parser.h"
#include "bounce-analyzer.h"

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

/* Body parts that carry the machine-readable status of a DSN */
static const char *const status_part_types[] = {
	"message/delivery-status",
	"message/global-delivery-status",
};

struct bounce_analysis {
	pool_t pool;
	struct bounce_report *report;

	/* The top-level header has been seen in full */
	bool root_header_done:1;
	/* Nothing more in the message can change the report */
	bool done:1;
};

static bool
str_in_list(const char *str, const char *const *list, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (strcasecmp(str, list[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

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

static void
analyze_part_content_type(struct bounce_analysis *ctx,
			  const struct message_header_line *hdr)
{
	const char *type, *unused;

	if (!parse_content_type(hdr, NULL, &type, &unused))
		return;
	if (str_in_list(type, status_part_types,
			N_ELEMENTS(status_part_types)))
		ctx->report->status_part_found = TRUE;
}

static void
analyze_header(struct bounce_analysis *ctx, struct message_part *part,
	       struct message_header_line *hdr)
{
	if (hdr->continues) {
		hdr->use_full_value = TRUE;
		return;
	}
	if (strcasecmp(hdr->name, "Content-Type") != 0)
		return;

	T_BEGIN {
		if (part->parent == NULL)
			analyze_root_content_type(ctx, hdr);
		else if (ctx->report->kind == BOUNCE_KIND_DSN)
			analyze_part_content_type(ctx, hdr);
	} T_END;
}

static void
analyze_block(struct bounce_analysis *ctx, struct message_block *block)
{
	if (block->hdr != NULL) {
		analyze_header(ctx, block->part, block->hdr);
		return;
	}
	if (block->size != 0 || block->part->parent != NULL ||
	    ctx->root_header_done)
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
		/* Bodies matter only for the status part, which a later
		   stage reads; skipping them keeps the parser cheap. */
		.flags = MESSAGE_PARSER_FLAG_SKIP_BODY_BLOCK,
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

	message_parser_deinit(&parser, &parts);
	pool_unref(&parts_pool);
	i_stream_unref(&limited);
	i_stream_seek(input, start_offset);

	if (ret < 0)
		return -1;
	*report_r = ctx.report;
	return 0;
}
