/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-stringlist.h"
#include "sieve-code.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"

#include "ext-backscatter-common.h"

/*
 * Bounce test
 *
 * Syntax:
 *   bounce [":kind" <kinds: string-list>]
 *
 * True when the message is of one of the given kinds; without :kind, when
 * it is a bounce of mail the user sent: a DSN, an MTA's own bounce or an
 * auto-reply. A feedback (abuse) report is no bounce but a complaint
 * about such mail; only :kind "feedback" asks for it.
 */

static bool
tst_bounce_registered(struct sieve_validator *valdtr,
		      const struct sieve_extension *ext,
		      struct sieve_command_registration *cmd_reg);
const struct sieve_command_def bounce_test = {
	.identifier = "bounce",
	.type = SCT_TEST,
	.positional_args = 0,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = tst_bounce_registered,
	.generate = ext_backscatter_test_generate,
};

/*
 * Tagged arguments
 */

static bool
tst_bounce_validate_kind_tag(struct sieve_validator *valdtr,
			     struct sieve_ast_argument **arg,
			     struct sieve_command *tst);

static const struct sieve_argument_def bounce_kind_tag = {
	.identifier = "kind",
	.validate = tst_bounce_validate_kind_tag,
};

enum tst_bounce_optional {
	OPT_BOUNCE_END,
	OPT_BOUNCE_KIND,
};

/*
 * Bounce operation
 */

static bool
tst_bounce_operation_dump(const struct sieve_dumptime_env *denv,
			  sieve_size_t *address);
static int
tst_bounce_operation_execute(const struct sieve_runtime_env *renv,
			     sieve_size_t *address);

const struct sieve_operation_def bounce_operation = {
	.mnemonic = "BOUNCE",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_BOUNCE,
	.dump = tst_bounce_operation_dump,
	.execute = tst_bounce_operation_execute,
};

/*
 * Test registration
 */

static bool
tst_bounce_registered(struct sieve_validator *valdtr,
		      const struct sieve_extension *ext,
		      struct sieve_command_registration *cmd_reg)
{
	sieve_validator_register_tag(valdtr, cmd_reg, ext, &bounce_kind_tag,
				     OPT_BOUNCE_KIND);
	return TRUE;
}

/*
 * Validation
 */

/* The kinds a script may ask for: every kind of report, not "none" */
static bool tst_bounce_kind_parse(const char *name, enum bounce_kind *kind_r)
{
	return bounce_kind_from_str(name, kind_r) &&
		*kind_r != BOUNCE_KIND_NONE;
}

static bool tst_bounce_kind_known(const char *name)
{
	enum bounce_kind kind;

	return tst_bounce_kind_parse(name, &kind);
}

static const struct ext_backscatter_name_check tst_bounce_kind_check = {
	.test = "bounce",
	.what = "kind",
	.where = " for :kind",
	.known = tst_bounce_kind_known,
	.valid_names = bounce_kind_names,
};

static bool
tst_bounce_validate_kind_tag(struct sieve_validator *valdtr,
			     struct sieve_ast_argument **arg,
			     struct sieve_command *tst)
{
	struct sieve_ast_argument *tag = *arg;

	/* Detach the tag itself */
	*arg = sieve_ast_arguments_detach(*arg, 1);
	if (!sieve_validate_tag_parameter(valdtr, tst, tag, *arg, NULL, 0,
					  SAAT_STRING_LIST, FALSE))
		return FALSE;
	if (!ext_backscatter_names_validate(valdtr, *arg,
					    &tst_bounce_kind_check))
		return FALSE;

	/* Skip the parameter */
	*arg = sieve_ast_argument_next(*arg);
	return TRUE;
}

/*
 * Code dump
 */

static bool
tst_bounce_operation_dump(const struct sieve_dumptime_env *denv,
			  sieve_size_t *address)
{
	int opt_code = 0;

	sieve_code_dumpf(denv, "BOUNCE");
	sieve_code_descend(denv);

	for (;;) {
		int opt;

		if ((opt = sieve_opr_optional_dump(denv, address,
						   &opt_code)) < 0)
			return FALSE;
		if (opt == 0)
			break;

		switch (opt_code) {
		case OPT_BOUNCE_KIND:
			if (!sieve_opr_stringlist_dump(denv, address, "kind"))
				return FALSE;
			break;
		default:
			return FALSE;
		}
	}
	return TRUE;
}

/*
 * Code execution
 */

static const char *
tst_bounce_content_evidence(const struct bounce_report *report)
{
	if (report->content_type == NULL)
		return "no Content-Type";
	if (report->report_type == NULL)
		return t_strdup_printf("Content-Type %s",
				       report->content_type);
	return t_strdup_printf("Content-Type %s; report-type=%s%s",
			       report->content_type,
			       str_sanitize(report->report_type, 64),
			       report->kind == BOUNCE_KIND_DSN &&
			       !report->status_part_found ?
			       ", without a status part" : "");
}

static const char *
tst_bounce_evidence(const struct bounce_report *report)
{
	const char *content = tst_bounce_content_evidence(report);

	/* A DSN is one by its Content-Type; other kinds are recognised by
	   what a decoder found in them */
	if (report->kind == BOUNCE_KIND_NONE ||
	    report->kind == BOUNCE_KIND_DSN || report->decoder == NULL)
		return content;
	return t_strdup_printf("%s; decoder %s", content,
			       str_sanitize(report->decoder, 32));
}

/* Returns 1 when the report's kind is in the list, 0 when not, -1 on a
   runtime error of the string list. */
static int
tst_bounce_match_kinds(const struct sieve_runtime_env *renv,
		       const struct bounce_report *report,
		       struct sieve_stringlist *kind_list)
{
	string_t *item;
	enum bounce_kind kind;
	int ret;

	while ((ret = sieve_stringlist_next_item(kind_list, &item)) > 0) {
		if (!tst_bounce_kind_parse(str_c(item), &kind)) {
			sieve_runtime_trace(renv, SIEVE_TRLVL_MATCHING,
				"ignoring unknown kind `%s'",
				str_sanitize(str_c(item), 64));
			continue;
		}
		if (kind == report->kind)
			return 1;
	}
	return ret < 0 ? -1 : 0;
}

static int
tst_bounce_operation_execute(const struct sieve_runtime_env *renv,
			     sieve_size_t *address)
{
	const struct sieve_extension *this_ext = renv->oprtn->ext;
	struct sieve_stringlist *kind_list = NULL;
	const struct bounce_report *report;
	int opt_code = 0, match = 0, ret;

	/*
	 * Read operands
	 */

	for (;;) {
		int opt;

		if ((opt = sieve_opr_optional_read(renv, address,
						   &opt_code)) < 0)
			return SIEVE_EXEC_BIN_CORRUPT;
		if (opt == 0)
			break;

		switch (opt_code) {
		case OPT_BOUNCE_KIND:
			ret = sieve_opr_stringlist_read(renv, address, "kind",
							&kind_list);
			if (ret <= 0)
				return ret;
			break;
		default:
			sieve_runtime_trace_error(renv,
				"unknown optional operand");
			return SIEVE_EXEC_BIN_CORRUPT;
		}
	}

	/*
	 * Perform test
	 */

	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "bounce test");
	sieve_runtime_trace_descend(renv);

	report = ext_backscatter_get_report(renv, this_ext);
	if (report == NULL) {
		/* Already logged; a message we cannot read is not a
		   bounce as far as filing goes, and delivery goes on. */
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"message could not be analyzed");
	} else {
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"message kind is `%s' (%s)",
			bounce_kind_to_str(report->kind),
			tst_bounce_evidence(report));
		if (kind_list == NULL) {
			match = bounce_kind_is_bounce(report->kind) ?
				1 : 0;
			if (report->kind == BOUNCE_KIND_FEEDBACK) {
				sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
					"a feedback report is no bounce; "
					"use :kind \"feedback\" for it");
			}
		} else if ((match = tst_bounce_match_kinds(renv, report,
							 kind_list)) < 0)
			return kind_list->exec_status;
	}

	sieve_runtime_trace_ascend(renv);
	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "bounce test: %s",
			    match > 0 ? "true" : "false");
	sieve_interpreter_set_test_result(renv->interp, match > 0);
	return SIEVE_EXEC_OK;
}
