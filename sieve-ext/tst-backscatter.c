/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-code.h"

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
 * fails delivery: whatever goes wrong is "unknown". The implementation
 * is the one of all tests that match a verdict, in
 * ext-backscatter-common.c.
 */

const struct sieve_command_def backscatter_test = {
	.identifier = "backscatter",
	.type = SCT_TEST,
	.positional_args = 1,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = ext_backscatter_match_test_registered,
	.validate = ext_backscatter_match_test_validate,
	.generate = ext_backscatter_test_generate,
};

/*
 * Backscatter operation
 */

const struct sieve_operation_def backscatter_operation = {
	.mnemonic = "BACKSCATTER",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_BACKSCATTER,
	.dump = ext_backscatter_match_test_dump,
	.execute = ext_backscatter_match_test_execute,
};
