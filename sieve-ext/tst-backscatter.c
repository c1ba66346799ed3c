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
 * fails delivery: whatever goes wrong is "unknown". Its definitions and
 * implementation are those of every test that matches a verdict, in
 * ext-backscatter-common.[ch].
 */

EXT_BACKSCATTER_MATCH_TEST_DEFINE(backscatter, "BACKSCATTER",
				  EXT_BACKSCATTER_OPERATION_BACKSCATTER);
