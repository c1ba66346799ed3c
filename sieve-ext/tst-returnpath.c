/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str-sanitize.h"
#include "smtp-address.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-code.h"
#include "sieve-generator.h"
#include "sieve-runtime-trace.h"

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
tst_returnpath_generate(const struct sieve_codegen_env *cgenv,
			struct sieve_command *tst);

const struct sieve_command_def returnpath_test = {
	.identifier = "returnpath",
	.type = SCT_TEST,
	.positional_args = 1,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = ext_backscatter_match_test_registered,
	.validate = ext_backscatter_match_test_validate,
	.generate = tst_returnpath_generate,
};

/*
 * Returnpath operation
 */

static int
tst_returnpath_operation_execute(const struct sieve_runtime_env *renv,
				 sieve_size_t *address);

const struct sieve_operation_def returnpath_operation = {
	.mnemonic = "RETURNPATH",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_RETURNPATH,
	.dump = ext_backscatter_match_test_dump,
	.execute = tst_returnpath_operation_execute,
};

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
 * Code execution
 */

static const char *
tst_returnpath_value(const struct sieve_runtime_env *renv,
		     const struct sieve_extension *ext)
{
	const struct backscatter_verification *verification;
	const struct smtp_address *recipient;
	const char *verdict;

	verification = ext_backscatter_get_verification(renv, ext);
	recipient = verification->address;
	verdict = backscatter_verdict_to_str(verification->verdict);
	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
		"recipient <%s>: verdict `%s' (%s)",
		recipient == NULL || recipient->localpart == NULL ? "" :
		str_sanitize(t_strconcat(recipient->localpart, "@",
					 recipient->domain, NULL), 256),
		verdict,
		backscatter_verification_reason(verification));
	return verdict;
}

static int
tst_returnpath_operation_execute(const struct sieve_runtime_env *renv,
				 sieve_size_t *address)
{
	return ext_backscatter_match_test_execute(renv, address,
						  tst_returnpath_value);
}
