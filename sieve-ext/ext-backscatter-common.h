#ifndef EXT_BACKSCATTER_COMMON_H
#define EXT_BACKSCATTER_COMMON_H

/* Shared declarations of the vnd.backscatter extension: the objects every
   ext-*.c and tst-*.c file refers to, and the per-message analysis cache
   through which all tests reach the engine. */

#include "sieve-common.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-triage.h"
#include "bounce-report.h"

struct backscatter_keyring;

/*
 * Extension
 */

struct ext_backscatter_context {
	pool_t pool;
	const struct backscatter_settings *set;
	struct backscatter_tag_settings tag_set;

	/* The variables extension, for the bounce. namespace; NULL if it
	   could not be had (then there is no namespace) */
	const struct sieve_extension *var_ext;
};

extern const struct sieve_extension_def backscatter_extension;

/*
 * Tests
 */

extern const struct sieve_command_def bounce_test;
extern const struct sieve_command_def returnpath_test;
extern const struct sieve_command_def dsn_test;
extern const struct sieve_command_def backscatter_test;

/*
 * Operations
 */

enum ext_backscatter_opcode {
	EXT_BACKSCATTER_OPERATION_BOUNCE,
	EXT_BACKSCATTER_OPERATION_RETURNPATH,
	EXT_BACKSCATTER_OPERATION_DSN,
	EXT_BACKSCATTER_OPERATION_BACKSCATTER,
};

extern const struct sieve_operation_def bounce_operation;
extern const struct sieve_operation_def returnpath_operation;
extern const struct sieve_operation_def dsn_operation;
extern const struct sieve_operation_def backscatter_operation;

/*
 * What the tests share
 */

/* Emits the test's operation and its arguments: the generate of every
   test, which finds the operation in the table of tests in
   ext-backscatter-common.c (where a new test is added) */
bool ext_backscatter_test_generate(const struct sieve_codegen_env *cgenv,
				   struct sieve_command *tst);
/* Validates the key list, the string list that is positional argument
   arg_pos (arg_name in errors), and the match type and comparator that
   apply to it (:is and i;ascii-casemap by default) */
bool ext_backscatter_key_list_validate(struct sieve_validator *valdtr,
				       struct sieve_command *tst,
				       struct sieve_ast_argument *arg,
				       const char *arg_name,
				       unsigned int arg_pos);

/* The names a test takes in a string list (the kinds of bounce :kind, the
   fields of dsn), checked when the script is compiled */
struct ext_backscatter_name_check {
	/* For the error: "<test> test: unknown <what> '<name>'<where>
	   (valid <what>s are: <valid_names()>)"; where may be NULL */
	const char *test, *what, *where;
	bool (*known)(const char *name);
	const char *(*valid_names)(void);
};
/* Checks each string literal of the string list arg (a single string, or
   each item of a list) with check->known(), and fails validation on an
   unknown one. Names built from variables can only be checked at
   runtime. */
bool ext_backscatter_names_validate(struct sieve_validator *valdtr,
				    struct sieve_ast_argument *arg,
				    const struct ext_backscatter_name_check *check);

/*
 * Tests of the shape TEST [COMPARATOR] [MATCH-TYPE] <verdicts: string-list>
 * that match one verdict the engine computes (returnpath, backscatter).
 * One implementation serves their definitions as it is: execute finds
 * the test's verdict in the table of tests. registered serves any test
 * that takes COMPARATOR and MATCH-TYPE.
 */

/* Defines name_test and name_operation, the command and the operation of
   a test of this shape, which differ only in their names and opcode. Each
   tst-<name>.c states the test's syntax and what it matches, and invokes
   this once. */
#define EXT_BACKSCATTER_MATCH_TEST_DEFINE(name, mnemonic_str, opcode) \
const struct sieve_command_def name##_test = { \
	.identifier = #name, \
	.type = SCT_TEST, \
	.positional_args = 1, \
	.subtests = 0, \
	.block_allowed = FALSE, \
	.block_required = FALSE, \
	.registered = ext_backscatter_match_test_registered, \
	.validate = ext_backscatter_match_test_validate, \
	.generate = ext_backscatter_test_generate, \
}; \
const struct sieve_operation_def name##_operation = { \
	.mnemonic = mnemonic_str, \
	.ext_def = &backscatter_extension, \
	.code = opcode, \
	.dump = ext_backscatter_match_test_dump, \
	.execute = ext_backscatter_match_test_execute, \
}

bool ext_backscatter_match_test_registered(
	struct sieve_validator *valdtr, const struct sieve_extension *ext,
	struct sieve_command_registration *cmd_reg);
bool ext_backscatter_match_test_validate(struct sieve_validator *valdtr,
					 struct sieve_command *tst);
bool ext_backscatter_match_test_dump(const struct sieve_dumptime_env *denv,
				     sieve_size_t *address);
/* Reads the operands, matches the verdict against the keys and sets the
   test result. Returns a SIEVE_EXEC_* code. */
int ext_backscatter_match_test_execute(const struct sieve_runtime_env *renv,
				       sieve_size_t *address);

/*
 * Operands
 */

extern const struct sieve_operand_def bounce_namespace_operand;

/*
 * Variables namespace bounce. (ext-backscatter-variables.c)
 */

/* Makes ${bounce.*} known to the script being compiled; only scripts that
   also require "variables" can use it */
void ext_backscatter_variables_register(const struct sieve_extension *ext,
					struct sieve_validator *valdtr);
/* Fails code generation for a script that used an unknown bounce.* name
   where Pigeonhole would only report it */
bool ext_backscatter_variables_generator_load(
	const struct sieve_extension *ext, const struct sieve_codegen_env *cgenv);

/*
 * Settings (ext-backscatter-settings.c: the one place that knows how
 * Pigeonhole hands settings to an extension)
 */

/* Reads the settings for this Sieve instance; pool may own them. Returns
   -1 with an error naming the bad setting. */
int ext_backscatter_settings_load(const struct sieve_extension *ext,
				  pool_t pool,
				  const struct backscatter_settings **set_r,
				  const char **error_r);
/* Releases what ext_backscatter_settings_load() returned (or the
   defaults, which need nothing) */
void ext_backscatter_settings_free(const struct backscatter_settings **set);

/*
 * Message analysis
 */

/* Returns the analysis of the message being filtered. The message is
   read once, on first use, and the result is cached for the rest of its
   delivery, whichever test and script asks. Returns NULL when the
   message could not be read; that has been logged already. */
const struct bounce_report *
ext_backscatter_get_report(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext);

/*
 * Return-path verification
 */

/* Returns the verdict on the tag the message was sent to, by the engine's
   one rule (backscatter_verify_recipient(): the delivered address, or an
   ORCPT the delivery ties to this mailbox; its address field says which).
   Judged once per message and cached like the analysis. */
const struct backscatter_verification *
ext_backscatter_get_verification(const struct sieve_runtime_env *renv,
				 const struct sieve_extension *ext);

/*
 * Triage verdict
 */

/* Returns the triage verdict on the message (backscatter-triage.h), from
   the cached analysis and return-path verdict; decided once per message.
   Never NULL: what fails is an unknown verdict. */
const struct backscatter_triage *
ext_backscatter_get_triage(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext);


#endif
