/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "istream.h"
#include "rfc822-parser.h"
#include "message-parser.h"
#include "message-decoder.h"
#include "message-header-decode.h"
#include "mail-html2text.h"
#include "unichar.h"
#include "bounce-decoder.h"
#include "bounce-prose.h"
#include "bounce-reason.h"
#include "bounce-analyzer.h"

/* How much of a status part or a quoted header block is kept */
#define BOUNCE_ANALYZER_MAX_PART_SIZE (32 * 1024)
/* How much of the message's own text is kept */
#define BOUNCE_ANALYZER_MAX_TEXT_SIZE (32 * 1024)
/* How much of it is kept when the header says the message is ordinary
   mail: enough for what a decoder reads of such a message's text (the
   opening of a JSON notification, vacation(1)'s wording), while its
   decoding into UTF-8 -- most of what ordinary mail costs -- stops
   after the first block that fills it */
#define BOUNCE_ANALYZER_OPENING_TEXT_SIZE 2048

/* multipart/report (RFC 6522) names the kind of report it carries in its
   report-type parameter: these make a message a DSN even when its status
   part names no recipient we can read */
static const char *const dsn_report_types[] = {
	"delivery-status",		/* RFC 3464 */
	"global-delivery-status",	/* RFC 6533 */
};

/* What the parts of a message are to us, by their Content-Type */
enum part_role {
	PART_OTHER = 0,
	/* The machine-readable status of a DSN */
	PART_STATUS,
	/* The machine-readable part of an abuse report */
	PART_FEEDBACK,
	/* The header of the original message */
	PART_ORIGINAL_HEADERS,
	/* The original message itself */
	PART_ORIGINAL_MESSAGE,
	/* The human-readable text */
	PART_TEXT,
	PART_HTML,
};

static const struct {
	const char *content_type;
	enum part_role role;
} part_roles[] = {
	{ "message/delivery-status", PART_STATUS },		/* RFC 3464 */
	{ "message/global-delivery-status", PART_STATUS },	/* RFC 6533 */
	{ "message/feedback-report", PART_FEEDBACK },		/* RFC 5965 */
	{ "text/rfc822-headers", PART_ORIGINAL_HEADERS },	/* RFC 6522 */
	/* what some MTAs label it, though no RFC defines the type */
	{ "message/rfc822-headers", PART_ORIGINAL_HEADERS },
	{ "message/global-headers", PART_ORIGINAL_HEADERS },	/* RFC 6533 */
	{ "message/rfc822", PART_ORIGINAL_MESSAGE },
	{ "message/global", PART_ORIGINAL_MESSAGE },		/* RFC 6532 */
	{ "text/plain", PART_TEXT },
	{ "text/html", PART_HTML },
};

/* The top-level header fields kept for the decoders */
static const struct {
	const char *name;
	size_t name_len;
	size_t offset;
} message_fields[] = {
#define FIELD(name, field) \
	{ name, sizeof(name) - 1, \
	  offsetof(struct bounce_message_header, field) }
	FIELD("From", from),
	FIELD("To", to),
	FIELD("Subject", subject),
	FIELD("Auto-Submitted", auto_submitted),
	FIELD("Precedence", precedence),
	FIELD("X-Autoreply", x_autoreply),
	FIELD("X-Autorespond", x_autorespond),
	FIELD("X-Failed-Recipients", x_failed_recipients),
	FIELD("X-Mailer", x_mailer),
	FIELD("Return-Path", return_path),
	FIELD("List-Id", list_id),
	FIELD("X-MLServer", x_mlserver),
	FIELD("Mailing-List", mailing_list),
#undef FIELD
};

/* At most this many parts have a role we keep their body for */
#define BOUNCE_ANALYZER_MAX_ROLE_PARTS 32

struct role_part {
	struct message_part *part;
	enum part_role role;
	/* where the part's decoded body goes, NULL: nowhere */
	string_t *dest;
};

struct bounce_analysis {
	/* The caller's: what the report holds, and nothing else */
	pool_t pool;
	/* This analysis's own, freed when it ends: the message view and
	   the part buffers (up to the read limit, twice over) */
	pool_t scratch;
	struct bounce_report *report;
	struct bounce_message msg;
	struct message_decoder_context *decoder;

	/* The parts whose role matters, in the order seen */
	struct role_part role_parts[BOUNCE_ANALYZER_MAX_ROLE_PARTS];
	unsigned int role_part_count;
	struct role_part default_text;
	/* the role of the part the last block belonged to */
	struct message_part *cur_part;
	struct role_part *cur_role;

	struct message_part *original_part;
	/* The header said the message is ordinary mail, and no part or
	   text since has said otherwise: only the text's opening is kept */
	bool opening_only;
	/* the header fields the decoders read are complete */
	bool header_finished;
	string_t *status_body, *feedback_body, *headers_body;
	string_t *text, *html;
	/* The top-level part, and the body of a multipart whose boundary
	   never appears (message-parser skips it all as preamble) */
	struct message_part *root_part;
	string_t *preamble;
};

static bool analysis_may_be_report(const struct bounce_analysis *ctx);

/* Parses a Content-Type value into a lower-cased "type/subtype" and, when
   wanted, the value of one parameter. Returns FALSE when the value is not
   a syntactically valid content type. A type whose parameters follow
   without their ';' ("text/plain charset=...", as some MTAs fold it) is
   still the type, without parameters. */
static bool
parse_content_type(const struct message_header_line *hdr,
		   const char *param_name, const char **type_r,
		   const char **param_value_r)
{
	struct rfc822_parser_context parser;
	string_t *type = t_str_new(64);
	string_t *value = t_str_new(64);
	const char *key, *first_word;
	bool valid;

	*param_value_r = NULL;
	rfc822_parser_init(&parser, hdr->full_value, hdr->full_value_len,
			   NULL);
	rfc822_skip_lwsp(&parser);
	valid = rfc822_parse_content_type(&parser, type) >= 0 &&
		strchr(str_c(type), '/') != NULL;
	if (!valid) {
		rfc822_parser_deinit(&parser);
		first_word = t_strcut(t_str_trim(t_strndup(hdr->full_value,
			hdr->full_value_len), " \t"), ' ');
		str_truncate(type, 0);
		rfc822_parser_init(&parser, (const void *)first_word,
				   strlen(first_word), NULL);
		valid = rfc822_parse_content_type(&parser, type) >= 0 &&
			strchr(str_c(type), '/') != NULL;
		param_name = NULL;
	}
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

	/* The first Content-Type wins, as in message-parser */
	if (report->content_type != NULL)
		return;
	if (!parse_content_type(hdr, "report-type", &type, &report_type))
		return;

	report->content_type = p_strndup(ctx->pool, type,
					 BOUNCE_REPORT_MAX_FIELD_LENGTH);
	if (strcmp(type, "multipart/report") == 0 && report_type != NULL) {
		report->report_type = p_strndup(ctx->pool,
			t_str_lcase(report_type),
			BOUNCE_REPORT_MAX_FIELD_LENGTH);
	}
}

static void
analyze_root_header(struct bounce_analysis *ctx,
		    struct message_header_line *hdr)
{
	const char **dest;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(message_fields); i++) {
		if (hdr->name_len != message_fields[i].name_len ||
		    strcasecmp(hdr->name, message_fields[i].name) != 0)
			continue;
		dest = PTR_OFFSET(&ctx->msg.hdr, message_fields[i].offset);
		if (*dest == NULL) {
			/* decoded from RFC 2047 words: decoders match
			   subjects in any charset */
			string_t *value = t_str_new(hdr->full_value_len + 16);

			message_header_decode_utf8(hdr->full_value,
				I_MIN(hdr->full_value_len,
				      BOUNCE_REPORT_MAX_FIELD_LENGTH),
				value, NULL);
			*dest = p_strdup(ctx->scratch, str_c(value));
		}
		return;
	}
}

/* A part inside a quoted message belongs to that message, not to the
   report */
static bool part_is_quoted(const struct message_part *part)
{
	for (part = part->parent; part != NULL; part = part->parent) {
		if ((part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0)
			return TRUE;
	}
	return FALSE;
}

/* The parts only a report has */
static bool part_role_is_report(enum part_role role)
{
	switch (role) {
	case PART_STATUS:
	case PART_FEEDBACK:
	case PART_ORIGINAL_HEADERS:
	case PART_ORIGINAL_MESSAGE:
		return TRUE;
	case PART_OTHER:
	case PART_TEXT:
	case PART_HTML:
		break;
	}
	return FALSE;
}

static string_t *role_dest(struct bounce_analysis *ctx, enum part_role role)
{
	switch (role) {
	case PART_STATUS:
		/* The first status part is the report; more would be
		   quoted reports */
		return str_len(ctx->status_body) == 0 ? ctx->status_body : NULL;
	case PART_FEEDBACK:
		return str_len(ctx->feedback_body) == 0 ?
			ctx->feedback_body : NULL;
	case PART_ORIGINAL_HEADERS:
		return str_len(ctx->headers_body) == 0 ?
			ctx->headers_body : NULL;
	case PART_TEXT:
		return ctx->text;
	case PART_HTML:
		return ctx->html;
	case PART_ORIGINAL_MESSAGE:
	case PART_OTHER:
		break;
	}
	return NULL;
}

/* A part of the message itself (not of a message quoted in it) got its
   Content-Type: remember what its body is for */
static void
analyze_part_content_type(struct bounce_analysis *ctx,
			  struct message_part *part,
			  const struct message_header_line *hdr)
{
	enum part_role role = PART_OTHER;
	const char *type, *unused;
	struct role_part *rp;
	unsigned int i;

	if (parse_content_type(hdr, NULL, &type, &unused)) {
		for (i = 0; i < N_ELEMENTS(part_roles); i++) {
			if (strcmp(type, part_roles[i].content_type) == 0) {
				role = part_roles[i].role;
				break;
			}
		}
	}
	if (role == PART_STATUS)
		ctx->report->status_part_found = TRUE;
	/* what follows may be a report's text: keep all of it */
	if (part_role_is_report(role))
		ctx->opening_only = FALSE;
	if (role == PART_ORIGINAL_MESSAGE) {
		if (ctx->original_part == NULL)
			ctx->original_part = part;
		return;
	}
	if (role == PART_OTHER ||
	    ctx->role_part_count == BOUNCE_ANALYZER_MAX_ROLE_PARTS)
		return;
	rp = &ctx->role_parts[ctx->role_part_count++];
	rp->part = part;
	rp->role = role;
	rp->dest = role_dest(ctx, role);
}

static const char *header_address(pool_t pool, const char *value)
{
	size_t pos, len;
	const char *address;

	if (value == NULL)
		return "";
	address = bounce_prose_find_address(value, strlen(value), &pos, &len);
	return address == NULL ? "" : p_strdup(pool, address);
}

/* The top-level header is complete: what the decoders read of it */
static void analysis_finish_header(struct bounce_analysis *ctx)
{
	struct bounce_message *msg = &ctx->msg;

	msg->from_address = header_address(ctx->scratch, msg->hdr.from);
	msg->to_address = header_address(ctx->scratch, msg->hdr.to);
	msg->from_lcase = p_strdup(ctx->scratch,
		t_str_lcase(msg->hdr.from == NULL ? "" : msg->hdr.from));
	msg->subject_lcase = p_strdup(ctx->scratch,
		t_str_lcase(msg->hdr.subject == NULL ? "" : msg->hdr.subject));
	ctx->header_finished = TRUE;
}

static void
analyze_header(struct bounce_analysis *ctx, struct message_part *part,
	       struct message_header_line *hdr)
{
	struct bounce_report *report = ctx->report;
	bool is_content_type;

	if (hdr->continues) {
		hdr->use_full_value = TRUE;
		return;
	}
	if (hdr->eoh) {
		if (part->parent == NULL) T_BEGIN {
			analysis_finish_header(ctx);
			ctx->opening_only = !analysis_may_be_report(ctx);
		} T_END;
		return;
	}
	if (ctx->original_part != NULL && part->parent == ctx->original_part) {
		/* the header of the quoted message */
		report->original_found = TRUE;
		bounce_original_add_header(ctx->pool, &report->original, hdr);
		return;
	}
	if (part_is_quoted(part))
		return;
	is_content_type = hdr->name_len == 12 &&
		strcasecmp(hdr->name, "Content-Type") == 0;
	if (part->parent == NULL) T_BEGIN {
		analyze_root_header(ctx, hdr);
		if (is_content_type)
			analyze_root_content_type(ctx, hdr);
	} T_END;
	if (is_content_type) T_BEGIN {
		analyze_part_content_type(ctx, part, hdr);
	} T_END;
}

static struct role_part *
find_role_part(struct bounce_analysis *ctx, struct message_part *part)
{
	unsigned int i;

	if (part == ctx->cur_part)
		return ctx->cur_role;
	ctx->cur_part = part;
	ctx->cur_role = NULL;
	for (i = ctx->role_part_count; i > 0; i--) {
		if (ctx->role_parts[i-1].part == part) {
			ctx->cur_role = &ctx->role_parts[i-1];
			return ctx->cur_role;
		}
	}
	/* A part without Content-Type is text/plain (RFC 2045 5.2), as is
	   anything else message-parser flags as text and we have no role
	   for */
	if ((part->flags & MESSAGE_PART_FLAG_TEXT) != 0 &&
	    !part_is_quoted(part)) {
		ctx->default_text.part = part;
		ctx->default_text.role = PART_TEXT;
		ctx->default_text.dest = ctx->text;
		ctx->cur_role = &ctx->default_text;
	}
	return ctx->cur_role;
}

static bool decoder_wants_header(const struct message_header_line *hdr)
{
	return !hdr->continues && !hdr->eoh &&
		(strcasecmp(hdr->name, "Content-Type") == 0 ||
		 strcasecmp(hdr->name, "Content-Transfer-Encoding") == 0);
}

static size_t
role_max_size(const struct bounce_analysis *ctx, enum part_role role)
{
	if (role != PART_TEXT && role != PART_HTML)
		return BOUNCE_ANALYZER_MAX_PART_SIZE;
	return ctx->opening_only ? BOUNCE_ANALYZER_OPENING_TEXT_SIZE :
		BOUNCE_ANALYZER_MAX_TEXT_SIZE;
}

/* Keeps the transfer-decoded (and, for text, UTF-8) body of the parts
   with a role */
static void
analyze_body(struct bounce_analysis *ctx, struct message_block *block)
{
	struct message_block decoded;
	struct role_part *rp;
	size_t max;

	/* Decoding is most of the cost of a part: the decoder sees only the
	   two header fields it acts on (it would turn every other one into
	   UTF-8 for nobody), and only the bodies we keep, not those of the
	   quoted original or of attachments. It resets itself when the next
	   part begins. */
	if (block->hdr != NULL) {
		if (!decoder_wants_header(block->hdr))
			return;
	} else {
		rp = find_role_part(ctx, block->part);
		if (rp == NULL || rp->dest == NULL ||
		    str_len(rp->dest) >= role_max_size(ctx, rp->role))
			return;
	}
	if (!message_decoder_decode_next_block(ctx->decoder, block, &decoded) ||
	    decoded.hdr != NULL || decoded.size == 0)
		return;
	rp = find_role_part(ctx, decoded.part);
	if (rp == NULL || rp->dest == NULL)
		return;
	/* a text that opens as a JSON object may be a notification that
	   is all JSON: keep all of it */
	if (ctx->opening_only && rp->dest == ctx->text &&
	    str_len(ctx->text) == 0 &&
	    bounce_decode_amazonses_text_opens(decoded.data, decoded.size))
		ctx->opening_only = FALSE;
	max = role_max_size(ctx, rp->role);
	if (str_len(rp->dest) < max) {
		/* the decoder's output is valid UTF-8: keep it so, never
		   cutting a character in two */
		str_append_data(rp->dest, decoded.data,
			uni_utf8_data_truncate(decoded.data, decoded.size,
					       max - str_len(rp->dest)));
	}
}

static void
analyze_block(struct bounce_analysis *ctx, struct message_block *block)
{
	struct message_part *part = block->part;

	if (part->parent == NULL)
		ctx->root_part = part;
	if (block->hdr != NULL)
		analyze_header(ctx, part, block->hdr);
	/* The decoder must see every part whole, header included, to learn
	   its transfer encoding and charset */
	analyze_body(ctx, block);
}

/* A multipart whose boundary never appears (mangled by some gateway)
   has no parts: message-parser passes its whole body over as preamble.
   Read it raw, bounded, as the only text there is. */
static void
analysis_read_unparsed_body(struct bounce_analysis *ctx,
			    struct istream *input)
{
	struct message_part *root = ctx->root_part;
	const unsigned char *data;
	size_t size;

	if (root == NULL || root->children != NULL ||
	    (root->flags & MESSAGE_PART_FLAG_MULTIPART) == 0)
		return;
	i_stream_seek(input, root->physical_pos +
		      root->header_size.physical_size);
	while (str_len(ctx->preamble) < BOUNCE_ANALYZER_MAX_TEXT_SIZE &&
	       i_stream_read_more(input, &data, &size) > 0) {
		size = I_MIN(size, BOUNCE_ANALYZER_MAX_TEXT_SIZE -
			     str_len(ctx->preamble));
		str_append_data(ctx->preamble, data, size);
		i_stream_skip(input, size);
	}
}

/* The text decoders read: LF line ends, no NULs, valid UTF-8 */
static void
analysis_finish_text(struct bounce_analysis *ctx)
{
	struct bounce_message *msg = &ctx->msg;
	string_t *src = ctx->text, *clean;
	const unsigned char *p;
	size_t i, end, size;
	bool undecoded = FALSE;

	if (str_len(src) == 0 && str_len(ctx->html) > 0) {
		struct mail_html2text *ht = mail_html2text_init(0);

		mail_html2text_more(ht, str_data(ctx->html),
				    str_len(ctx->html), src);
		mail_html2text_deinit(&ht);
		undecoded = TRUE;
	}
	if (str_len(src) == 0 && str_len(ctx->preamble) > 0) {
		src = ctx->preamble;
		undecoded = TRUE;
	}
	clean = str_new(ctx->scratch, str_len(src) + 1);
	p = str_data(src);
	size = str_len(src);
	for (i = 0; i < size; i = end + 1) {
		/* copy up to the next CR or NUL in one go */
		for (end = i; end < size && p[end] != '\r' && p[end] != '\0';
		     end++) ;
		str_append_data(clean, p + i, end - i);
		if (end == size)
			break;
		if (p[end] == '\0')
			str_append_c(clean, ' ');
		else if (end + 1 == size || p[end+1] != '\n') {
			/* CR alone ends a line too; CRLF drops the CR */
			str_append_c(clean, '\n');
		}
	}
	/* message-decoder gives valid UTF-8 (invalid input becomes
	   U+FFFD); html2text's output and a raw preamble are checked */
	if (undecoded) {
		string_t *valid = str_new(ctx->scratch, str_len(clean) + 16);

		if (!uni_utf8_get_valid_data(str_data(clean), str_len(clean),
					     valid))
			clean = valid;
	}
	msg->text = str_c(clean);
	msg->text_len = str_len(clean);
	msg->text_lcase = p_strdup(ctx->scratch, msg->text);
	str_lcase(PTR_OFFSET(msg->text_lcase, 0));
}

static bool report_type_is_dsn(const struct bounce_report *report)
{
	unsigned int i;

	if (report->report_type == NULL)
		return FALSE;
	for (i = 0; i < N_ELEMENTS(dsn_report_types); i++) {
		if (strcmp(report->report_type, dsn_report_types[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/* What may make a message a report, each read from the header, the MIME
   structure or the text's first character: a report's parts, a quoted
   message, and what each decoder requires before it takes a message */
static bool structure_is_report(const struct bounce_analysis *ctx)
{
	return ctx->report->status_part_found ||
		report_type_is_dsn(ctx->report) ||
		str_len(ctx->status_body) > 0 ||
		str_len(ctx->headers_body) > 0 ||
		ctx->original_part != NULL;
}

static bool (*const report_signals[])(const struct bounce_message *msg) = {
	bounce_message_is_automated,	/* rfc3464 inline, the MTAs */
	bounce_decode_amazonses_may_match,
	bounce_decode_arf_may_match,
	bounce_decode_autoreply_may_match,
};

/* FALSE when no decoder can take the message: it is ordinary mail. Asked
   when the header ends, so that such mail's text is read only as far as
   a decoder would look (BOUNCE_ANALYZER_OPENING_TEXT_SIZE), and again at
   the end, so that its body prose is not searched for a quoted original
   that no report would keep */
static bool analysis_may_be_report(const struct bounce_analysis *ctx)
{
	unsigned int i;

	if (structure_is_report(ctx))
		return TRUE;
	for (i = 0; i < N_ELEMENTS(report_signals); i++) {
		if (report_signals[i](&ctx->msg))
			return TRUE;
	}
	return FALSE;
}

/* Runs the decoders over what the parse collected, most specific first:
   a machine-readable report beats an MTA's prose */
static void analysis_decode(struct bounce_analysis *ctx)
{
	struct bounce_report *report = ctx->report;
	struct bounce_message *msg = &ctx->msg;
	pool_t pool = ctx->pool;
	struct bounce_recipient *rcpt;
	unsigned int i;

	analysis_finish_text(ctx);
	if (!ctx->header_finished)
		analysis_finish_header(ctx);
	msg->feedback = str_data(ctx->feedback_body);
	msg->feedback_len = str_len(ctx->feedback_body);

	if (!report->original_found && str_len(ctx->headers_body) > 0) {
		report->original_found = TRUE;
		bounce_decode_original_headers(pool,
			str_data(ctx->headers_body), str_len(ctx->headers_body),
			&report->original);
	}
	if (!report->original_found && analysis_may_be_report(ctx)) {
		/* Quoted inline, after the bounce's own words */
		size_t offset = bounce_prose_original_offset(msg);

		/* the header block starts after the blank lines */
		while (offset < msg->text_len &&
		       (msg->text[offset] == '\n' || msg->text[offset] == ' ' ||
			msg->text[offset] == '\t'))
			offset++;
		if (offset < msg->text_len) {
			bounce_decode_original_headers(pool,
				(const void *)(msg->text + offset),
				msg->text_len - offset, &report->original);
			report->original_found =
				report->original.message_id != NULL ||
				report->original.from != NULL ||
				report->original.subject != NULL;
		}
	}
	if (str_len(ctx->status_body) > 0) {
		bounce_decode_rfc3464(pool, str_data(ctx->status_body),
				      str_len(ctx->status_body), report);
	}
	if (str_len(ctx->status_body) == 0 &&
	    bounce_message_is_automated(msg))
		bounce_decode_rfc3464_inline(pool, msg, report);
	if (array_count(&report->recipients) > 0) {
		report->kind = BOUNCE_KIND_DSN;
		report->decoder = "rfc3464";
		/* its human-readable part often says more than the status
		   part: at which SMTP command the server refused */
		report->report_text = bounce_prose_report_text(pool, msg, NULL);
		bounce_decode_dsn_text(pool, msg, report);
	} else if (bounce_decode_amazonses_notification(pool, msg, report)) {
		/* kind, decoder set */
	} else if (bounce_decode_arf(pool, msg, report)) {
		report->kind = BOUNCE_KIND_FEEDBACK;
		report->decoder = "arf";
	} else if (bounce_decode_mta(pool, msg, report)) {
		/* kind and decoder set */
	} else if (report->status_part_found || report_type_is_dsn(report)) {
		/* A report that names no recipient is still a report */
		report->kind = BOUNCE_KIND_DSN;
		report->decoder = "rfc3464";
	} else if (bounce_decode_autoreply(pool, msg, report)) {
		/* after the reports: DSNs are Auto-Submitted too */
		report->kind = BOUNCE_KIND_AUTOREPLY;
		report->decoder = "rfc3834";
	}
	if (report->kind == BOUNCE_KIND_NONE) {
		/* what looked like a quoted message belongs to no report */
		i_zero(&report->original);
		report->original_found = FALSE;
		return;
	}
	for (i = 0; i < array_count(&report->recipients); i++) {
		rcpt = array_idx_modifiable(&report->recipients, i);
		bounce_reason_classify(pool, report, rcpt);
	}
}

/* Mail stored with CR alone ending its lines (old Mac tools) has no line
   breaks for message-parser. Such a message is read whole -- it is within
   the read bound anyway -- and its CRs become LFs. Returns the stream to
   parse, with a reference. */
static struct istream *
analysis_input(struct istream *limited, buffer_t **copy_r)
{
	const unsigned char *data;
	size_t size;
	buffer_t *copy;
	unsigned char *p, *end;

	*copy_r = NULL;
	if (i_stream_read_more(limited, &data, &size) <= 0 ||
	    memchr(data, '\n', size) != NULL ||
	    memchr(data, '\r', size) == NULL) {
		i_stream_ref(limited);
		return limited;
	}
	copy = buffer_create_dynamic(default_pool, size * 2);
	while (i_stream_read_more(limited, &data, &size) > 0) {
		buffer_append(copy, data, size);
		i_stream_skip(limited, size);
	}
	end = buffer_get_modifiable_data(copy, NULL);
	for (p = end, end += copy->used; p < end; p++) {
		if (*p == '\r')
			*p = '\n';
	}
	*copy_r = copy;
	return i_stream_create_from_data(copy->data, copy->used);
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
	struct istream *limited, *parse_input;
	buffer_t *cr_copy;
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
	/* Small to start with: an alloconly pool zeroes every block and
	   every allocation, so what is reserved and not used is cost */
	ctx.scratch = pool_alloconly_create(MEMPOOL_GROWING"bounce analysis",
					    2048);
	ctx.status_body = str_new(ctx.scratch, 128);
	ctx.feedback_body = str_new(ctx.scratch, 64);
	ctx.headers_body = str_new(ctx.scratch, 128);
	ctx.text = str_new(ctx.scratch, 512);
	ctx.html = str_new(ctx.scratch, 64);
	ctx.preamble = str_new(ctx.scratch, 64);

	i_stream_seek(input, 0);
	limited = i_stream_create_limit(input, max_size);
	parts_pool = pool_alloconly_create("bounce analyzer parts", 1024);
	parse_input = analysis_input(limited, &cr_copy);
	parser = message_parser_init(parts_pool, parse_input, &parser_set);

	while (message_parser_parse_next_block(parser, &block) > 0)
		analyze_block(&ctx, &block);
	if (parse_input->stream_errno == 0)
		analysis_read_unparsed_body(&ctx, parse_input);

	if (limited->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(limited));
		ret = -1;
	} else if (limited->v_offset >= max_size) {
		/* The limit was reached; was there more? */
		i_stream_seek(input, max_size);
		/* have_bytes_left() says TRUE at the end until a read has
		   seen EOF */
		ctx.report->truncated = !i_stream_read_eof(input);
	}

	if (ret == 0)
		analysis_decode(&ctx);
	message_decoder_deinit(&ctx.decoder);
	message_parser_deinit(&parser, &parts);
	pool_unref(&parts_pool);
	i_stream_unref(&parse_input);
	i_stream_unref(&limited);
	if (cr_copy != NULL)
		buffer_free(&cr_copy);
	pool_unref(&ctx.scratch);
	i_stream_seek(input, start_offset);

	if (ret < 0)
		return -1;
	*report_r = ctx.report;
	return 0;
}
