/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "str-sanitize.h"

#include "sieve-common.h"
#include "sieve-ast.h"
#include "sieve-binary.h"
#include "sieve-code.h"
#include "sieve-commands.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"

#include "sieve-ext-variables.h"

#include "bounce-str.h"
#include "ext-backscatter-common.h"

/*
 * Variables namespace bounce.
 *
 * Read-only variables describing the message being filtered:
 *   ${bounce.kind}                the kind of the message ("none", "dsn", ...)
 *   ${bounce.reason}, ${bounce.status}, ${bounce.action},
 *   ${bounce.recipient}, ${bounce.diagnostic}
 *                                 of the first failed recipient of the report
 *   ${bounce.original_subject}, ${bounce.original_message_id}
 *                                 of the message that bounced, as quoted
 *   ${bounce.returnpath}          the returnpath test's verdict
 *   ${bounce.verdict}             the backscatter test's verdict
 *
 * Each is "" when the message says nothing about it. The values are read
 * when the script uses them; the return-path tag is judged only when
 * ${bounce.returnpath} or ${bounce.verdict} is read.
 */

enum ext_backscatter_variable {
	BOUNCE_VARIABLE_KIND,
	BOUNCE_VARIABLE_REASON,
	BOUNCE_VARIABLE_STATUS,
	BOUNCE_VARIABLE_ACTION,
	BOUNCE_VARIABLE_RECIPIENT,
	BOUNCE_VARIABLE_DIAGNOSTIC,
	BOUNCE_VARIABLE_ORIGINAL_SUBJECT,
	BOUNCE_VARIABLE_ORIGINAL_MESSAGE_ID,
	BOUNCE_VARIABLE_RETURNPATH,
	BOUNCE_VARIABLE_VERDICT,

	BOUNCE_VARIABLE_COUNT
};

static const char *const bounce_variable_names[BOUNCE_VARIABLE_COUNT] = {
	[BOUNCE_VARIABLE_KIND] = "kind",
	[BOUNCE_VARIABLE_REASON] = "reason",
	[BOUNCE_VARIABLE_STATUS] = "status",
	[BOUNCE_VARIABLE_ACTION] = "action",
	[BOUNCE_VARIABLE_RECIPIENT] = "recipient",
	[BOUNCE_VARIABLE_DIAGNOSTIC] = "diagnostic",
	[BOUNCE_VARIABLE_ORIGINAL_SUBJECT] = "original_subject",
	[BOUNCE_VARIABLE_ORIGINAL_MESSAGE_ID] = "original_message_id",
	[BOUNCE_VARIABLE_RETURNPATH] = "returnpath",
	[BOUNCE_VARIABLE_VERDICT] = "verdict",
};

/* Sieve variable names are case-insensitive (RFC 5229, 3) */
static bool
bounce_variable_lookup(const char *name, enum ext_backscatter_variable *var_r)
{
	unsigned int idx;

	if (!bounce_str_table_lookup(bounce_variable_names,
				     BOUNCE_VARIABLE_COUNT, name, &idx))
		return FALSE;
	*var_r = (enum ext_backscatter_variable)idx;
	return TRUE;
}

static const char *bounce_variable_names_list(void)
{
	return bounce_str_table_join(bounce_variable_names, 0,
				     BOUNCE_VARIABLE_COUNT);
}

/*
 * Namespace definition
 */

static bool
vnspc_bounce_validate(struct sieve_validator *valdtr,
		      const struct sieve_variables_namespace *nspc,
		      struct sieve_ast_argument *arg, struct sieve_command *cmd,
		      ARRAY_TYPE(sieve_variable_name) *var_name,
		      void **var_data, bool assignment);
static bool
vnspc_bounce_generate(const struct sieve_codegen_env *cgenv,
		      const struct sieve_variables_namespace *nspc,
		      struct sieve_ast_argument *arg, struct sieve_command *cmd,
		      void *var_data);
static bool
vnspc_bounce_dump_variable(const struct sieve_dumptime_env *denv,
			   const struct sieve_variables_namespace *nspc,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address);
static int
vnspc_bounce_read_variable(const struct sieve_runtime_env *renv,
			   const struct sieve_variables_namespace *nspc,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address, string_t **str_r);

static const struct sieve_variables_namespace_def bounce_namespace = {
	SIEVE_OBJECT("bounce", &bounce_namespace_operand, 0),
	.validate = vnspc_bounce_validate,
	.generate = vnspc_bounce_generate,
	.dump_variable = vnspc_bounce_dump_variable,
	.read_variable = vnspc_bounce_read_variable,
};

static const struct sieve_extension_objects bounce_namespaces =
	SIEVE_VARIABLES_DEFINE_NAMESPACE(bounce_namespace);

const struct sieve_operand_def bounce_namespace_operand = {
	.name = "bounce-namespace",
	.ext_def = &backscatter_extension,
	.class = &sieve_variables_namespace_operand_class,
	.interface = &bounce_namespaces,
};

/*
 * Registration
 */

void ext_backscatter_variables_register(const struct sieve_extension *ext,
					struct sieve_validator *valdtr)
{
	const struct ext_backscatter_context *extctx = ext->context;

	/* The variables extension only parses ${...} in scripts that
	   require it; in others the namespace is never looked up */
	sieve_variables_namespace_register(extctx->var_ext, valdtr, ext,
					   &bounce_namespace);
}

/*
 * Validation
 */

/* Pigeonhole reports a variable of a string that the namespace refuses,
   but then leaves it out and compiles the script, the variable expanding
   to "" (as it does for an unknown namespace). Scripts with an unknown
   bounce.* name are marked on the AST instead, and their code generation
   fails, so that they are refused, on upload too. */
struct ext_backscatter_ast_context {
	bool invalid_variable;
};

static void
bounce_variables_mark_invalid(const struct sieve_extension *ext,
			      struct sieve_ast *ast)
{
	struct ext_backscatter_ast_context *actx;

	if (ext == NULL)
		return;
	actx = sieve_ast_extension_get_context(ast, ext);
	if (actx == NULL) {
		actx = p_new(sieve_ast_pool(ast),
			     struct ext_backscatter_ast_context, 1);
		sieve_ast_extension_set_context(ast, ext, actx);
	}
	actx->invalid_variable = TRUE;
}

bool ext_backscatter_variables_generator_load(
	const struct sieve_extension *ext, const struct sieve_codegen_env *cgenv)
{
	const struct ext_backscatter_ast_context *actx =
		sieve_ast_extension_get_context(cgenv->ast, ext);

	/* The error was reported during validation */
	return actx == NULL || !actx->invalid_variable;
}

static bool
vnspc_bounce_validate(struct sieve_validator *valdtr,
		      const struct sieve_variables_namespace *nspc,
		      struct sieve_ast_argument *arg,
		      struct sieve_command *cmd ATTR_UNUSED,
		      ARRAY_TYPE(sieve_variable_name) *var_name,
		      void **var_data, bool assignment)
{
	const struct sieve_variable_name *elements;
	enum ext_backscatter_variable var;
	unsigned int i, count;
	string_t *name;

	/* The name after "bounce.", as written */
	name = t_str_new(64);
	elements = array_get(var_name, &count);
	for (i = 1; i < count; i++) {
		if (str_len(name) > 0)
			str_append_c(name, '.');
		if (elements[i].num_variable >= 0) {
			str_printfa(name, "%d", elements[i].num_variable);
		} else {
			str_append_str(name, elements[i].identifier);
		}
	}

	if (assignment) {
		sieve_argument_validate_error(valdtr, arg,
			"vnd.backscatter: cannot assign to variable "
			"`bounce.%s': the bounce namespace is read-only",
			str_sanitize(str_c(name), 64));
		return FALSE;
	}
	if (count != 2 || elements[1].num_variable >= 0 ||
	    !bounce_variable_lookup(str_c(elements[1].identifier), &var)) {
		sieve_argument_validate_error(valdtr, arg,
			"vnd.backscatter: unknown variable `bounce.%s' "
			"(valid names are: %s)",
			str_sanitize(str_c(name), 64),
			bounce_variable_names_list());
		bounce_variables_mark_invalid(SIEVE_OBJECT_EXTENSION(nspc),
					      arg->ast);
		return FALSE;
	}

	/* The canonical name goes into the binary */
	*var_data = (void *)bounce_variable_names[var];
	return TRUE;
}

/*
 * Code generation
 */

static bool
vnspc_bounce_generate(const struct sieve_codegen_env *cgenv,
		      const struct sieve_variables_namespace *nspc,
		      struct sieve_ast_argument *arg ATTR_UNUSED,
		      struct sieve_command *cmd ATTR_UNUSED, void *var_data)
{
	const struct sieve_extension *this_ext = SIEVE_OBJECT_EXTENSION(nspc);
	const struct ext_backscatter_context *extctx;
	const char *name = var_data;

	if (this_ext == NULL)
		return FALSE;
	extctx = this_ext->context;

	sieve_variables_opr_namespace_variable_emit(cgenv->sblock,
		extctx->var_ext, this_ext, &bounce_namespace);
	(void)sieve_binary_emit_cstring(cgenv->sblock, name);
	return TRUE;
}

/*
 * Code dump
 */

static bool
vnspc_bounce_dump_variable(const struct sieve_dumptime_env *denv,
			   const struct sieve_variables_namespace *nspc
				ATTR_UNUSED,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address)
{
	string_t *name;

	if (!sieve_binary_read_string(denv->sblock, address, &name))
		return FALSE;

	if (oprnd->field_name != NULL) {
		sieve_code_dumpf(denv, "%s: VAR ${bounce.%s}",
				 oprnd->field_name, str_c(name));
	} else {
		sieve_code_dumpf(denv, "VAR ${bounce.%s}", str_c(name));
	}
	return TRUE;
}

/*
 * Code execution
 */

static const char *
bounce_variable_value(const struct sieve_runtime_env *renv,
		      const struct sieve_extension *ext,
		      enum ext_backscatter_variable var)
{
	const struct backscatter_verification *verification;
	const struct bounce_report *report;
	const struct bounce_recipient *rcpt;

	if (var == BOUNCE_VARIABLE_RETURNPATH) {
		/* Judged now, on first use, and cached for the message */
		verification = ext_backscatter_get_verification(renv, ext);
		return backscatter_verdict_to_str(verification->verdict);
	}
	if (var == BOUNCE_VARIABLE_VERDICT) {
		return backscatter_triage_verdict_to_str(
			ext_backscatter_get_triage(renv, ext)->verdict);
	}

	report = ext_backscatter_get_report(renv, ext);
	if (report == NULL)
		return NULL;

	switch (var) {
	case BOUNCE_VARIABLE_KIND:
		return bounce_kind_to_str(report->kind);
	case BOUNCE_VARIABLE_ORIGINAL_SUBJECT:
		return report->original_found ?
			report->original.subject : NULL;
	case BOUNCE_VARIABLE_ORIGINAL_MESSAGE_ID:
		return report->original_found ?
			report->original.message_id : NULL;
	default:
		break;
	}

	rcpt = bounce_report_first_failed(report);
	if (rcpt == NULL)
		return NULL;
	switch (var) {
	case BOUNCE_VARIABLE_REASON:
		return bounce_reason_to_str(rcpt->reason);
	case BOUNCE_VARIABLE_STATUS:
		return bounce_status_str(&rcpt->status);
	case BOUNCE_VARIABLE_ACTION:
		return rcpt->action;
	case BOUNCE_VARIABLE_RECIPIENT:
		return rcpt->final_recipient != NULL ?
			rcpt->final_recipient : rcpt->original_recipient;
	case BOUNCE_VARIABLE_DIAGNOSTIC:
		return rcpt->diagnostic_code;
	default:
		break;
	}
	i_unreached();
}

static int
vnspc_bounce_read_variable(const struct sieve_runtime_env *renv,
			   const struct sieve_variables_namespace *nspc,
			   const struct sieve_operand *oprnd,
			   sieve_size_t *address, string_t **str_r)
{
	const struct sieve_extension *this_ext = SIEVE_OBJECT_EXTENSION(nspc);
	enum ext_backscatter_variable var;
	const char *value;
	string_t *name;

	if (!sieve_binary_read_string(renv->sblock, address, &name)) {
		sieve_runtime_trace_operand_error(renv, oprnd,
			"bounce variable operand corrupt: invalid name");
		return SIEVE_EXEC_BIN_CORRUPT;
	}
	if (!bounce_variable_lookup(str_c(name), &var)) {
		sieve_runtime_trace_operand_error(renv, oprnd,
			"bounce variable operand corrupt: "
			"unknown variable `bounce.%s'",
			str_sanitize(str_c(name), 64));
		return SIEVE_EXEC_BIN_CORRUPT;
	}
	if (str_r == NULL)
		return SIEVE_EXEC_OK;

	value = bounce_variable_value(renv, this_ext, var);
	if (value == NULL)
		value = "";
	*str_r = t_str_new_const(value, strlen(value));
	return SIEVE_EXEC_OK;
}
