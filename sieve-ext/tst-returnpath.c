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
 * Its definitions and implementation are those of every test that
 * matches a verdict, in ext-backscatter-common.[ch].
 */

EXT_BACKSCATTER_MATCH_TEST_DEFINE(returnpath, "RETURNPATH",
				  EXT_BACKSCATTER_OPERATION_RETURNPATH);
