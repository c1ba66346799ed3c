/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str-sanitize.h"
#include "smtp-address.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-stringlist.h"
#include "sieve-code.h"
#include "sieve-comparators.h"
#include "sieve-match-types.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-interpreter.h"
#include "sieve-runtime-trace.h"
#include "sieve-dump.h"
#include "sieve-match.h"

#include "ext-backscatter-common.h"

/*
 * Returnpath test
 *
 * Syntax:
 *   returnpath [COMPARATOR] [MATCH-TYPE] <verdicts: string-list>
 *
 * Matches the verdict on the return-path tag of the address the message
 * was sent to: "valid", "expired", "forged", "unsigned" or "unknown".
 */

static bool
tst_returnpath_registered(struct sieve_validator *valdtr,
			  const struct sieve_extension *ext,
			  struct sieve_command_registration *cmd_reg);
static bool
tst_returnpath_validate(struct sieve_validator *valdtr,
			struct sieve_command *tst);
static bool
tst_returnpath_generate(const struct sieve_codegen_env *cgenv,
			struct sieve_command *tst);

const struct sieve_command_def returnpath_test = {
	.identifier = "returnpath",
	.type = SCT_TEST,
	.positional_args = 1,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = tst_returnpath_registered,
	.validate = tst_returnpath_validate,
	.generate = tst_returnpath_generate,
};

/*
 * Returnpath operation
 */

static bool
tst_returnpath_operation_dump(const struct sieve_dumptime_env *denv,
			      sieve_size_t *address);
static int
tst_returnpath_operation_execute(const struct sieve_runtime_env *renv,
				 sieve_size_t *address);

const struct sieve_operation_def returnpath_operation = {
	.mnemonic = "RETURNPATH",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_RETURNPATH,
	.dump = tst_returnpath_operation_dump,
	.execute = tst_returnpath_operation_execute,
};

/*
 * Test registration
 */

static bool
tst_returnpath_registered(struct sieve_validator *valdtr,
			  const struct sieve_extension *ext ATTR_UNUSED,
			  struct sieve_command_registration *cmd_reg)
{
	sieve_comparators_link_tag(valdtr, cmd_reg, SIEVE_MATCH_OPT_COMPARATOR);
	sieve_match_types_link_tags(valdtr, cmd_reg, SIEVE_MATCH_OPT_MATCH_TYPE);
	return TRUE;
}

/*
 * Validation
 */

static bool
tst_returnpath_validate(struct sieve_validator *valdtr,
			struct sieve_command *tst)
{
	struct sieve_ast_argument *arg = tst->first_positional;
	const struct sieve_match_type mcht_default =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	const struct sieve_comparator cmp_default =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);

	if (!sieve_validate_positional_argument(valdtr, tst, arg, "verdicts",
						1, SAAT_STRING_LIST))
		return FALSE;
	if (!sieve_validator_argument_activate(valdtr, tst, arg, FALSE))
		return FALSE;
	return sieve_match_type_validate(valdtr, tst, arg, &mcht_default,
					 &cmp_default);
}

/*
 * Code generation
 */

static bool
tst_returnpath_generate(const struct sieve_codegen_env *cgenv,
			struct sieve_command *tst)
{
	sieve_operation_emit(cgenv->sblock, tst->ext, &returnpath_operation);
	return sieve_generate_arguments(cgenv, tst, NULL);
}

/*
 * Code dump
 */

static bool
tst_returnpath_operation_dump(const struct sieve_dumptime_env *denv,
			      sieve_size_t *address)
{
	sieve_code_dumpf(denv, "RETURNPATH");
	sieve_code_descend(denv);

	if (sieve_match_opr_optional_dump(denv, address, NULL) != 0)
		return FALSE;
	return sieve_opr_stringlist_dump(denv, address, "verdicts");
}

/*
 * Code execution
 */

static int
tst_returnpath_operation_execute(const struct sieve_runtime_env *renv,
				 sieve_size_t *address)
{
	const struct sieve_extension *this_ext = renv->oprtn->ext;
	struct sieve_match_type mcht =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	struct sieve_comparator cmp =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);
	const struct backscatter_verification *verification;
	const struct smtp_address *recipient;
	struct sieve_stringlist *key_list, *value_list;
	const char *verdict;
	int match, ret;

	/*
	 * Read operands
	 */

	if (sieve_match_opr_optional_read(renv, address, NULL, &ret, &cmp,
					  &mcht) < 0)
		return ret;
	if ((ret = sieve_opr_stringlist_read(renv, address, "verdicts",
					     &key_list)) <= 0)
		return ret;

	/*
	 * Perform test
	 */

	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "returnpath test");
	sieve_runtime_trace_descend(renv);

	verification = ext_backscatter_get_verification(renv, this_ext,
							&recipient);
	verdict = backscatter_verdict_to_str(verification->verdict);
	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
		"recipient <%s>: verdict `%s' (%s)",
		recipient == NULL ? "" :
		str_sanitize(smtp_address_encode(recipient), 256), verdict,
		backscatter_verification_reason(verification));

	value_list = sieve_single_stringlist_create_cstr(renv, verdict, FALSE);
	if ((match = sieve_match(renv, &mcht, &cmp, value_list, key_list,
				 &ret)) < 0)
		return ret;

	sieve_runtime_trace_ascend(renv);
	sieve_interpreter_set_test_result(renv->interp, match > 0);
	return SIEVE_EXEC_OK;
}
