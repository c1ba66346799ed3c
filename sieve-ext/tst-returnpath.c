/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-commands.h"
#include "sieve-code.h"

#include "ext-backscatter-common.h"

/*
 * Returnpath test
 *
 * Syntax:
 *   returnpath [COMPARATOR] [MATCH-TYPE] <verdicts: string-list>
 *
 * Matches the verdict on the return-path tag of the address the message
 * was sent to: "valid", "expired", "forged", "unsigned" or "unknown".
 * The implementation is the one of all tests that match a verdict, in
 * ext-backscatter-common.c.
 */

const struct sieve_command_def returnpath_test = {
	.identifier = "returnpath",
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
 * Returnpath operation
 */

const struct sieve_operation_def returnpath_operation = {
	.mnemonic = "RETURNPATH",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_RETURNPATH,
	.dump = ext_backscatter_match_test_dump,
	.execute = ext_backscatter_match_test_execute,
};
