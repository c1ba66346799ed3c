/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str-sanitize.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-code.h"
#include "sieve-generator.h"
#include "sieve-runtime-trace.h"

#include "ext-backscatter-common.h"

/*
 * Backscatter test
 *
 * Syntax:
 *   backscatter [COMPARATOR] [MATCH-TYPE] <verdicts: string-list>
 *
 * Matches the triage verdict on the message: "legitimate" (a bounce of
 * our own mail), "bogus" (backscatter), "unknown" (no decision possible)
 * or "none" (no bounce). backscatter-triage.h has the rules. It never
 * fails delivery: whatever goes wrong is "unknown".
 */

static bool
tst_backscatter_generate(const struct sieve_codegen_env *cgenv,
			 struct sieve_command *tst);

const struct sieve_command_def backscatter_test = {
	.identifier = "backscatter",
	.type = SCT_TEST,
	.positional_args = 1,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = ext_backscatter_match_test_registered,
	.validate = ext_backscatter_match_test_validate,
	.generate = tst_backscatter_generate,
};

/*
 * Backscatter operation
 */

static int
tst_backscatter_operation_execute(const struct sieve_runtime_env *renv,
				  sieve_size_t *address);

const struct sieve_operation_def backscatter_operation = {
	.mnemonic = "BACKSCATTER",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_BACKSCATTER,
	.dump = ext_backscatter_match_test_dump,
	.execute = tst_backscatter_operation_execute,
};

/*
 * Code generation
 */

static bool
tst_backscatter_generate(const struct sieve_codegen_env *cgenv,
			 struct sieve_command *tst)
{
	sieve_operation_emit(cgenv->sblock, tst->ext, &backscatter_operation);
	return sieve_generate_arguments(cgenv, tst, NULL);
}

/*
 * Code execution
 */

static const char *
tst_backscatter_value(const struct sieve_runtime_env *renv,
		      const struct sieve_extension *ext)
{
	const struct backscatter_triage *triage =
		ext_backscatter_get_triage(renv, ext);
	const char *verdict =
		backscatter_triage_verdict_to_str(triage->verdict);

	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "verdict `%s' (%s)",
		verdict,
		str_sanitize(backscatter_triage_evidence(triage), 256));
	return verdict;
}

static int
tst_backscatter_operation_execute(const struct sieve_runtime_env *renv,
				  sieve_size_t *address)
{
	return ext_backscatter_match_test_execute(renv, address,
						  tst_backscatter_value);
}
