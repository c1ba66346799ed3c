/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter inspect: what the analyzer makes of a message, and why, for
   admins wondering where a mail went and for scripts (--json); with
   --rcpt, also the triage verdict delivery would give it. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "unichar.h"
#include "istream.h"
#include "istream-seekable.h"
#include "smtp-address.h"
#include "bounce-analyzer.h"
#include "backscatter-settings.h"
#include "backscatter-triage.h"
#include "backscatter-cli-compat.h"
#include "backscatter-cli.h"

#include <stdlib.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

/* Longest diagnostic printed in text mode: enough for an SMTP reply's
   gist, short enough to keep one recipient on one readable line */
#define CLI_INSPECT_TEXT_DIAGNOSTIC_MAX 200

static const struct option cli_inspect_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "max-size", required_argument, NULL, 'm' },
	{ "rcpt", required_argument, NULL, 'r' },
	{ "orcpt", required_argument, NULL, 'o' },
	CLI_COMMON_OPTION_KEY_FILE,
	CLI_COMMON_OPTION_CONFIG,
	CLI_COMMON_OPTION_NOW,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct cli_inspect_context {
	struct bounce_analyzer_settings set;
	/* What the analyzer reads of a message at most */
	uoff_t max_size;
	bool json;

	/* --rcpt: the envelope recipient whose verdict is wanted, its tag
	   judged once for all files; NULL without --rcpt */
	const struct smtp_address *rcpt;
	struct backscatter_verification rcpt_verification;
	struct cli_tag_context tag_ctx;
	time_t now;
};

/*
 * JSON output
 */

/* Appends "name":value to an object whose '{' is already written */
static void
cli_inspect_json_key(string_t *dest, const char *name)
{
	if (str_data(dest)[str_len(dest) - 1] != '{')
		str_append_c(dest, ',');
	cli_json_append_string(dest, name);
	str_append_c(dest, ':');
}

static void
cli_inspect_json_field(string_t *dest, const char *name, const char *value)
{
	cli_inspect_json_key(dest, name);
	cli_json_append_string(dest, value);
}

static void
cli_inspect_json_bool(string_t *dest, const char *name, bool value)
{
	cli_inspect_json_key(dest, name);
	str_append(dest, value ? "true" : "false");
}

static void
cli_inspect_json_recipient(string_t *dest,
			   const struct bounce_recipient *rcpt)
{
	str_append_c(dest, '{');
	cli_inspect_json_field(dest, "recipient", rcpt->final_recipient);
	cli_inspect_json_field(dest, "original_recipient",
			       rcpt->original_recipient);
	cli_inspect_json_field(dest, "action", rcpt->action);
	cli_inspect_json_field(dest, "status",
			       bounce_status_str(&rcpt->status));
	cli_inspect_json_field(dest, "reply_code", rcpt->reply_code);
	cli_inspect_json_field(dest, "reason",
			       bounce_reason_to_str(rcpt->reason));
	cli_inspect_json_field(dest, "reason_rule", rcpt->reason_rule);
	cli_inspect_json_field(dest, "reason_source", rcpt->reason_source);
	cli_inspect_json_field(dest, "class", bounce_recipient_class(rcpt));
	cli_inspect_json_bool(dest, "hard", rcpt->hard);
	cli_inspect_json_field(dest, "diagnostic", rcpt->diagnostic_code);
	cli_inspect_json_field(dest, "remote_mta", rcpt->remote_mta);
	str_append_c(dest, '}');
}

static void
cli_inspect_json_original(string_t *dest, const struct bounce_report *report)
{
	const struct bounce_original *orig = &report->original;

	cli_inspect_json_key(dest, "original");
	if (!report->original_found) {
		str_append(dest, "null");
		return;
	}
	str_append_c(dest, '{');
	cli_inspect_json_field(dest, "message_id", orig->message_id);
	cli_inspect_json_field(dest, "from", orig->from);
	cli_inspect_json_field(dest, "to", orig->to);
	cli_inspect_json_field(dest, "subject", orig->subject);
	cli_inspect_json_field(dest, "date", orig->date);
	cli_inspect_json_field(dest, "return_path", orig->return_path);
	str_append_c(dest, '}');
}

static void
cli_inspect_json_verdict(string_t *dest,
			 const struct backscatter_triage *triage)
{
	if (triage == NULL)
		return;
	cli_inspect_json_key(dest, "verdict");
	str_append_c(dest, '{');
	cli_inspect_json_field(dest, "verdict",
		backscatter_triage_verdict_to_str(triage->verdict));
	cli_inspect_json_field(dest, "evidence",
			       backscatter_triage_evidence(triage));
	str_append_c(dest, '}');
}

static void cli_inspect_print_line(const string_t *line)
{
	fwrite(str_data(line), 1, str_len(line), stdout);
}

static void
cli_inspect_print_json(const char *file, const struct bounce_report *report,
		       const struct backscatter_triage *triage)
{
	const struct bounce_recipient *rcpt;
	string_t *line = t_str_new(1024);
	bool first = TRUE;

	str_append_c(line, '{');
	cli_inspect_json_field(line, "file", file);
	cli_inspect_json_field(line, "kind", bounce_kind_to_str(report->kind));
	cli_inspect_json_field(line, "decoder", report->decoder);
	cli_inspect_json_field(line, "reporting_mta", report->reporting_mta);
	cli_inspect_json_key(line, "recipients");
	str_append_c(line, '[');
	if (array_is_created(&report->recipients)) {
		array_foreach(&report->recipients, rcpt) {
			if (!first)
				str_append_c(line, ',');
			first = FALSE;
			cli_inspect_json_recipient(line, rcpt);
		}
	}
	str_append_c(line, ']');
	cli_inspect_json_original(line, report);
	cli_inspect_json_bool(line, "truncated", report->truncated);
	cli_inspect_json_verdict(line, triage);
	str_append(line, "}\n");
	cli_inspect_print_line(line);
}

/* A file we could not read still gets its line, so that a script can
   pair input files with output lines */
static void cli_inspect_print_json_error(const char *file, const char *error)
{
	string_t *line = t_str_new(256);

	str_append_c(line, '{');
	cli_inspect_json_field(line, "file", file);
	cli_inspect_json_field(line, "error", error);
	str_append(line, "}\n");
	cli_inspect_print_line(line);
}

/*
 * Text output
 */

/* Message fields may hold control characters and invalid UTF-8, which
   must not reach the admin's terminal */
static const char *cli_inspect_text(const char *value, size_t max_bytes)
{
	return str_sanitize(value, max_bytes);
}

static void
cli_inspect_text_recipient(string_t *line, const struct bounce_recipient *rcpt)
{
	const char *recipient = rcpt->final_recipient, *rcpt_class;

	str_append(line, "  ");
	if (recipient == NULL) {
		recipient = rcpt->original_recipient;
		if (recipient == NULL)
			recipient = "(recipient not given)";
	}
	str_append(line, cli_inspect_text(recipient, SIZE_MAX));
	/* The address the sender used, when forwarding changed it: that is
	   the one the sender will recognise */
	if (rcpt->final_recipient != NULL && rcpt->original_recipient != NULL &&
	    strcasecmp(rcpt->final_recipient, rcpt->original_recipient) != 0) {
		str_printfa(line, " (sent to %s)",
			    cli_inspect_text(rcpt->original_recipient,
					     SIZE_MAX));
	}
	str_append_c(line, ':');
	if (rcpt->action != NULL)
		str_printfa(line, " %s", cli_inspect_text(rcpt->action, 64));
	if (rcpt->status.class != 0)
		str_printfa(line, " %s", rcpt->status.str);
	rcpt_class = bounce_recipient_class(rcpt);
	str_printfa(line, " %s", bounce_reason_to_str(rcpt->reason));
	if (rcpt_class != NULL || rcpt->hard) {
		str_printfa(line, " (%s%s%s)",
			    rcpt_class == NULL ? "" : rcpt_class,
			    rcpt_class != NULL && rcpt->hard ? ", " : "",
			    rcpt->hard ? "hard" : "");
	}
	if (rcpt->diagnostic_code != NULL) {
		str_printfa(line, " -- %s",
			    cli_inspect_text(rcpt->diagnostic_code,
					     CLI_INSPECT_TEXT_DIAGNOSTIC_MAX));
	}
	str_append_c(line, '\n');
}

static void
cli_inspect_text_original(string_t *line, const struct bounce_original *orig)
{
	size_t start;

	str_append(line, "  original:");
	start = str_len(line);
	if (orig->message_id != NULL) {
		str_printfa(line, " %s",
			    cli_inspect_text(orig->message_id, 256));
	}
	if (orig->subject != NULL) {
		str_printfa(line, " \"%s\"",
			    cli_inspect_text(orig->subject, 256));
	}
	if (orig->from != NULL)
		str_printfa(line, " from %s", cli_inspect_text(orig->from, 256));
	if (str_len(line) == start)
		str_append(line, " quoted, without Message-ID, Subject or From");
	str_append_c(line, '\n');
}

static void
cli_inspect_text_verdict(string_t *line,
			 const struct backscatter_triage *triage)
{
	if (triage == NULL)
		return;
	str_printfa(line, "  verdict: %s (%s)\n",
		    backscatter_triage_verdict_to_str(triage->verdict),
		    cli_inspect_text(backscatter_triage_evidence(triage),
				     SIZE_MAX));
}

static void
cli_inspect_print_text(const char *file, const struct bounce_report *report,
		       const struct backscatter_triage *triage,
		       uoff_t max_size)
{
	const struct bounce_recipient *rcpt;
	string_t *line = t_str_new(1024);

	str_printfa(line, "%s: ", cli_inspect_text(file, SIZE_MAX));
	if (report->kind == BOUNCE_KIND_NONE) {
		/* The top-level Content-Type is what decided it */
		str_append(line, "not a bounce (");
		if (report->content_type == NULL)
			str_append(line, "no content type");
		else {
			str_printfa(line, "content type %s",
				    cli_inspect_text(report->content_type,
						     256));
		}
		if (report->report_type != NULL) {
			str_printfa(line, "; report-type=%s",
				    cli_inspect_text(report->report_type, 256));
		}
		str_append(line, ")\n");
		cli_inspect_text_verdict(line, triage);
		cli_inspect_print_line(line);
		return;
	}

	str_append(line, bounce_kind_to_str(report->kind));
	if (report->feedback_type != NULL) {
		str_printfa(line, " %s",
			    cli_inspect_text(report->feedback_type, 64));
	}
	if (report->decoder != NULL) {
		str_printfa(line, " (decoder %s)",
			    cli_inspect_text(report->decoder, 64));
	}
	if (report->reporting_mta != NULL) {
		str_printfa(line, ", reported by %s",
			    cli_inspect_text(report->reporting_mta, 256));
	}
	str_append_c(line, '\n');

	if (array_is_created(&report->recipients) &&
	    !array_is_empty(&report->recipients)) {
		array_foreach(&report->recipients, rcpt)
			cli_inspect_text_recipient(line, rcpt);
	} else if (report->kind == BOUNCE_KIND_DSN ||
		   report->kind == BOUNCE_KIND_MTA) {
		/* A bounce that names no recipient says little about whose
		   mail failed: worth saying */
		str_append(line, "  no recipients listed\n");
	}
	if (report->original_found)
		cli_inspect_text_original(line, &report->original);
	if (report->truncated) {
		str_printfa(line, "  truncated: only the first %"PRIuUOFF_T
			    " bytes were read\n", max_size);
	}
	cli_inspect_text_verdict(line, triage);
	cli_inspect_print_line(line);
}

/*
 * Reading
 */

/* A stream the analyzer can seek back in (see bounce_analyze()), though
   input may be a pipe: what it reads is kept, in memory as it reads
   little, with a temporary file as the fallback */
static struct istream *
cli_inspect_make_seekable(struct cli_inspect_context *ctx,
			  struct istream *input)
{
	struct istream *inputs[2] = { input, NULL }, *seekable;
	const char *tmpdir = getenv("TMPDIR");
	size_t max_buffer_size =
		I_MIN(ctx->max_size, SIZE_MAX - IO_BLOCK_SIZE) + IO_BLOCK_SIZE;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	seekable = i_stream_create_seekable_path(inputs, max_buffer_size,
		t_strconcat(tmpdir, "/backscatter-inspect.", NULL));
	i_stream_set_name(seekable, i_stream_get_name(input));
	i_stream_unref(&input);
	return seekable;
}

/* Opens FILE, or stdin for "-". Returns 0, or -1 with an error. */
static int
cli_inspect_open(struct cli_inspect_context *ctx, const char *file,
		 struct istream **input_r, const char **error_r)
{
	struct istream *input;
	const char *name;
	struct stat st;
	int fd, ret = 0;

	if (strcmp(file, "-") == 0) {
		fd = STDIN_FILENO;
		name = "stdin";
	} else {
		fd = open(file, O_RDONLY);
		if (fd == -1) {
			*error_r = t_strdup_printf("open(%s) failed: %s", file,
						   strerror(errno));
			return -1;
		}
		name = file;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %s", name,
					   strerror(errno));
		ret = -1;
	} else if (S_ISDIR(st.st_mode)) {
		/* Refused here with the error reading it gives: behind the
		   seekable stream that error would come out garbled */
		*error_r = t_strdup_printf("read(%s) failed: %s", name,
					   strerror(EISDIR));
		ret = -1;
	}
	if (ret < 0) {
		if (fd != STDIN_FILENO)
			i_close_fd(&fd);
		return -1;
	}

	/* The analyzer reads no more than its limit from the stream, so
	   the stream itself need not be bounded */
	if (fd == STDIN_FILENO)
		input = i_stream_create_fd(fd, SIZE_MAX);
	else
		input = i_stream_create_fd_autoclose(&fd, SIZE_MAX);
	i_stream_set_name(input, name);
	if (!input->seekable)
		input = cli_inspect_make_seekable(ctx, input);
	*input_r = input;
	return 0;
}

/* The verdict delivery would give the message for --rcpt, or NULL
   without it */
static const struct backscatter_triage *
cli_inspect_triage(struct cli_inspect_context *ctx,
		   const struct bounce_report *report, pool_t pool)
{
	struct backscatter_triage_input input;
	struct backscatter_triage *triage;

	if (ctx->rcpt == NULL)
		return NULL;
	i_zero(&input);
	input.set = ctx->tag_ctx.set;
	input.keyring = ctx->tag_ctx.keyring;
	input.report = report;
	input.recipient = ctx->rcpt;
	input.recipient_verification = &ctx->rcpt_verification;
	input.now = ctx->now;
	triage = p_new(pool, struct backscatter_triage, 1);
	backscatter_triage(&input, pool, triage);
	return triage;
}

/* Analyzes and prints one file. Returns 0, or -1 after reporting that it
   could not be read. */
static int cli_inspect_file(struct cli_inspect_context *ctx, const char *file)
{
	struct istream *input;
	struct bounce_report *report;
	const struct backscatter_triage *triage;
	const char *error;
	pool_t pool;
	int ret = 0;

	if (cli_inspect_open(ctx, file, &input, &error) < 0)
		ret = -1;
	else {
		/* Not the data stack: the analyzer may use frames of its
		   own while it allocates the report */
		pool = pool_alloconly_create(
			MEMPOOL_GROWING"backscatter inspect", 4096);
		ret = bounce_analyze(input, &ctx->set, pool, &report, &error);
		i_stream_unref(&input);
		triage = ret < 0 ? NULL :
			cli_inspect_triage(ctx, report, pool);
		if (ret == 0 && ctx->json)
			cli_inspect_print_json(file, report, triage);
		else if (ret == 0) {
			cli_inspect_print_text(file, report, triage,
					       ctx->max_size);
		}
		pool_unref(&pool);
	}
	if (ret < 0) {
		cli_error("inspect: %s: %s", str_sanitize(file, SIZE_MAX),
			  str_sanitize(error, SIZE_MAX));
		if (ctx->json)
			cli_inspect_print_json_error(file, error);
	}
	return ret;
}

static int
cli_inspect_address(const char *option, const char *str, pool_t pool,
		    const struct smtp_address **address_r)
{
	const struct smtp_address *address;
	const char *error;

	if (cli_address_parse(str, TRUE, &address, &error) < 0) {
		cli_error("inspect: --%s: bad address '%s': %s", option,
			  str_sanitize(str, 256), error);
		return -1;
	}
	*address_r = smtp_address_clone(pool, address);
	return 0;
}

/* --rcpt (and --orcpt): reads settings and keys and judges the tag that
   counts, by delivery's own rule, once. Returns 0, or -1 after reporting
   the error. */
static int
cli_inspect_rcpt_init(struct cli_inspect_context *ctx, const char *rcpt,
		      const char *orcpt, const char *config_path,
		      const char *key_file)
{
	struct backscatter_recipient recipient;

	if (cli_tag_init(&ctx->tag_ctx, config_path, key_file) < 0)
		return -1;
	i_zero(&recipient);
	if (cli_inspect_address("rcpt", rcpt, ctx->tag_ctx.pool,
				&recipient.delivered) < 0 ||
	    (orcpt != NULL &&
	     cli_inspect_address("orcpt", orcpt, ctx->tag_ctx.pool,
				 &recipient.orcpt) < 0)) {
		cli_tag_deinit(&ctx->tag_ctx);
		return -1;
	}
	ctx->rcpt = recipient.delivered;
	backscatter_verify_recipient(ctx->tag_ctx.keyring,
				     &ctx->tag_ctx.tag_set, &recipient,
				     ctx->now, ctx->tag_ctx.pool,
				     &ctx->rcpt_verification);
	return 0;
}

int cli_inspect(int argc, char *argv[])
{
	struct cli_inspect_context ctx;
	struct cli_common_options opts;
	const char *rcpt = NULL, *orcpt = NULL;
	int c, ret;

	i_zero(&ctx);
	cli_common_options_init(&opts);
	while ((c = getopt_long(argc, argv, "jm:r:o:k:c:n:h",
				cli_inspect_options, NULL)) != -1) {
		if ((ret = cli_common_option("inspect", c, optarg,
					     &opts)) != 0) {
			if (ret < 0)
				return CLI_EXIT_ERROR;
			continue;
		}
		switch (c) {
		case 'r':
			rcpt = optarg;
			break;
		case 'o':
			orcpt = optarg;
			break;
		case 'j':
			ctx.json = TRUE;
			break;
		case 'm':
			/* 0 would silently mean the default */
			if (str_to_uoff(optarg, &ctx.set.max_read_size) < 0 ||
			    ctx.set.max_read_size == 0) {
				return cli_usage_error("inspect", "--max-size: "
					"'%s' is not a positive number of "
					"bytes", optarg);
			}
			break;
		default:
			/* -h, or an option getopt refused */
			return cli_help_option("inspect", c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("inspect", "no file given");
	if (rcpt == NULL && (opts.key_file != NULL ||
			     opts.config_path != NULL || orcpt != NULL))
		return cli_usage_error("inspect", "-k, -c and --orcpt need "
				       "--rcpt");
	ctx.now = opts.now;
	if (rcpt != NULL &&
	    cli_inspect_rcpt_init(&ctx, rcpt, orcpt, opts.config_path,
				  opts.key_file) < 0)
		return CLI_EXIT_ERROR;
	/* backscatter_analyze_max_size, unless --max-size says otherwise */
	if (rcpt != NULL && ctx.set.max_read_size == 0)
		ctx.set.max_read_size = ctx.tag_ctx.set->analyze_max_size;

	ctx.max_size = ctx.set.max_read_size != 0 ? ctx.set.max_read_size :
		BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE;

	ret = CLI_EXIT_OK;
	for (; optind < argc; optind++) T_BEGIN {
		if (cli_inspect_file(&ctx, argv[optind]) < 0)
			ret = CLI_EXIT_ERROR;
	} T_END;
	if (ctx.rcpt != NULL)
		cli_tag_deinit(&ctx.tag_ctx);
	return ret;
}
