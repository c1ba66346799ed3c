/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "str-sanitize.h"
#include "smtp-address.h"
#include "mail-storage.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-message.h"
#include "sieve-interpreter.h"
#include "sieve-runtime.h"
#include "sieve-runtime-trace.h"
#include "sieve-commands.h"
#include "sieve-code.h"
#include "sieve-stringlist.h"
#include "sieve-comparators.h"
#include "sieve-match-types.h"
#include "sieve-validator.h"
#include "sieve-generator.h"
#include "sieve-dump.h"
#include "sieve-match.h"

#include "bounce-analyzer.h"
#include "backscatter-key-cache.h"
#include "backscatter-userdb.h"
#include "backscatter-events.h"
#include "ext-backscatter-common.h"

struct ext_backscatter_message_context {
	/* The analysis, once done; report is NULL when the message could
	   not be read */
	bool analyzed;
	const struct bounce_report *report;

	/* The return-path verdict, once judged */
	const struct backscatter_verification *verification;

	/* The triage verdict, once decided */
	const struct backscatter_triage *triage;
};

static const struct bounce_report *
ext_backscatter_analyze(const struct sieve_runtime_env *renv,
			const struct sieve_extension *ext, pool_t pool)
{
	const struct ext_backscatter_context *extctx = ext->context;
	struct bounce_analyzer_settings analyzer_set = {
		.max_read_size = extctx->set->analyze_max_size,
	};
	/* The message as it arrived, not as editheader has changed it so
	   far: what the bounce says does not change, and reading the edited
	   message between two header edits trips an assertion in
	   Pigeonhole's edit-mail (LMTP crashes) */
	struct mail *mail = renv->exec_env->msgdata->mail;
	struct bounce_report *report;
	struct istream *input;
	const char *error;
	int ret;

	if (mail_get_stream(mail, NULL, NULL, &input) < 0) {
		e_error(renv->event, "%s: failed to read message: %s",
			sieve_extension_name(ext),
			mailbox_get_last_internal_error(mail->box, NULL));
		return NULL;
	}
	T_BEGIN {
		ret = bounce_analyze(input, &analyzer_set, pool, &report,
				     &error);
		if (ret < 0) {
			e_error(renv->event,
				"%s: failed to analyze message: %s",
				sieve_extension_name(ext), error);
		} else {
			e_debug(renv->event, "%s: message analysed: "
				"kind=%s%s", sieve_extension_name(ext),
				bounce_kind_to_str(report->kind),
				report->truncated ? " (read limit reached)" :
				"");
		}
	} T_END;
	return ret < 0 ? NULL : report;
}

static struct ext_backscatter_message_context *
ext_backscatter_message_context(const struct sieve_runtime_env *renv,
				const struct sieve_extension *ext)
{
	struct ext_backscatter_message_context *mctx;
	pool_t pool;

	mctx = (struct ext_backscatter_message_context *)
		sieve_message_context_extension_get(renv->msgctx, ext);
	if (mctx == NULL) {
		pool = sieve_message_context_pool(renv->msgctx);
		mctx = p_new(pool, struct ext_backscatter_message_context, 1);
		sieve_message_context_extension_set(renv->msgctx, ext, mctx);
	}
	return mctx;
}

const struct bounce_report *
ext_backscatter_get_report(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext)
{
	struct ext_backscatter_message_context *mctx =
		ext_backscatter_message_context(renv, ext);

	if (!mctx->analyzed) {
		mctx->report = ext_backscatter_analyze(renv, ext,
			sieve_message_context_pool(renv->msgctx));
		mctx->analyzed = TRUE;
	}
	return mctx->report;
}

/*
 * Return-path verification
 */

/* The keys as the key file holds them now, from the process's key cache:
   a Sieve instance that never verifies (ManageSieve, sievec) never opens
   the key file, which only delivery may read */
static const struct backscatter_keyring *
ext_backscatter_get_keyring(const struct sieve_extension *ext,
			    struct event *event)
{
	const struct ext_backscatter_context *extctx = ext->context;

	return backscatter_key_cache_get(extctx->set->key_file, event);
}

const struct backscatter_verification *
ext_backscatter_get_verification(const struct sieve_runtime_env *renv,
				 const struct sieve_extension *ext)
{
	struct ext_backscatter_context *extctx = ext->context;
	struct ext_backscatter_message_context *mctx =
		ext_backscatter_message_context(renv, ext);
	const struct sieve_script_env *scriptenv = renv->exec_env->scriptenv;
	struct backscatter_verification *verification;
	struct backscatter_recipient rcpt;
	struct backscatter_userdb_owner owner;
	pool_t pool = sieve_message_context_pool(renv->msgctx);

	if (mctx->verification != NULL)
		return mctx->verification;

	i_zero(&rcpt);
	rcpt.delivered = sieve_message_get_final_recipient(renv->msgctx);
	rcpt.orcpt = sieve_message_get_orig_recipient(renv->msgctx);
	if (rcpt.delivered == NULL) {
		rcpt.delivered = rcpt.orcpt;
		rcpt.orcpt = NULL;
	}
	verification = p_new(pool, struct backscatter_verification, 1);
	if (rcpt.delivered == NULL) {
		/* no envelope (a test tool): nothing to judge */
		verification->verdict = BACKSCATTER_VERDICT_UNKNOWN;
		verification->cause = BACKSCATTER_CAUSE_NO_KEYS;
		mctx->verification = verification;
		return verification;
	}
	i_zero(&owner);
	owner.username = scriptenv == NULL || scriptenv->user == NULL ? NULL :
		scriptenv->user->username;
	owner.delivered = rcpt.delivered;
	owner.delimiters = extctx->tag_set.delimiters;
	owner.event = renv->event;
	rcpt.owner_lookup = backscatter_userdb_owner_lookup;
	rcpt.owner_context = &owner;
	T_BEGIN {
		backscatter_verify_recipient(
			ext_backscatter_get_keyring(ext, renv->event),
			&extctx->tag_set, &rcpt, ioloop_time, pool,
			verification);
	} T_END;
	mctx->verification = verification;
	return mctx->verification;
}

/*
 * Triage verdict
 */

const struct backscatter_triage *
ext_backscatter_get_triage(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext)
{
	struct ext_backscatter_context *extctx = ext->context;
	struct ext_backscatter_message_context *mctx =
		ext_backscatter_message_context(renv, ext);
	struct backscatter_triage_input input;
	struct backscatter_triage *triage;
	pool_t pool = sieve_message_context_pool(renv->msgctx);

	if (mctx->triage != NULL)
		return mctx->triage;

	i_zero(&input);
	input.set = extctx->set;
	input.report = ext_backscatter_get_report(renv, ext);
	input.recipient = sieve_message_get_final_recipient(renv->msgctx);
	if (input.recipient == NULL)
		input.recipient = sieve_message_get_orig_recipient(renv->msgctx);
	/* a message that is no bounce needs no keys */
	if (input.report != NULL && input.report->kind != BOUNCE_KIND_NONE) {
		input.recipient_verification =
			ext_backscatter_get_verification(renv, ext);
		input.keyring = ext_backscatter_get_keyring(ext, renv->event);
	}
	input.now = ioloop_time;

	triage = p_new(pool, struct backscatter_triage, 1);
	T_BEGIN {
		struct event *event;

		backscatter_triage(&input, pool, triage);
		/* Once per delivery: the verdict is cached for every
		   test and script after this */
		event = backscatter_verdict_event_create(renv->event,
			triage->verdict, triage->cause,
			input.recipient_verification, input.report,
			input.recipient, BACKSCATTER_STAGE_SIEVE);
		e_debug(event, "%s: verdict %s: %s",
			sieve_extension_name(ext),
			backscatter_triage_verdict_to_str(triage->verdict),
			str_sanitize(backscatter_triage_evidence(triage), 256));
		event_unref(&event);
	} T_END;
	mctx->triage = triage;
	return triage;
}

/*
 * Tests that match one verdict
 */

static const char *
ext_backscatter_returnpath_verdict(const struct sieve_runtime_env *renv,
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

static const char *
ext_backscatter_triage_verdict(const struct sieve_runtime_env *renv,
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

/* Each test, its operation, and for a test that matches a verdict the
   verdict: what tells them apart, so that one implementation of code
   generation serves them all, and one of execution the verdict tests */
static const struct ext_backscatter_test {
	const struct sieve_command_def *test;
	const struct sieve_operation_def *operation;
	/* Computes the verdict and traces where it came from */
	const char *(*verdict)(const struct sieve_runtime_env *renv,
			       const struct sieve_extension *ext);
} ext_backscatter_tests[] = {
	{ &bounce_test, &bounce_operation, NULL },
	{ &dsn_test, &dsn_operation, NULL },
	{ &returnpath_test, &returnpath_operation,
	  ext_backscatter_returnpath_verdict },
	{ &backscatter_test, &backscatter_operation,
	  ext_backscatter_triage_verdict },
};

static const struct ext_backscatter_test *
ext_backscatter_test_find(const struct sieve_command_def *test,
			  const struct sieve_operation_def *operation)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(ext_backscatter_tests); i++) {
		if (ext_backscatter_tests[i].test == test ||
		    ext_backscatter_tests[i].operation == operation)
			return &ext_backscatter_tests[i];
	}
	i_unreached();
}

bool ext_backscatter_test_generate(const struct sieve_codegen_env *cgenv,
				   struct sieve_command *tst)
{
	const struct ext_backscatter_test *test =
		ext_backscatter_test_find(tst->def, NULL);

	sieve_operation_emit(cgenv->sblock, tst->ext, test->operation);
	return sieve_generate_arguments(cgenv, tst, NULL);
}

bool ext_backscatter_key_list_validate(struct sieve_validator *valdtr,
				       struct sieve_command *tst,
				       struct sieve_ast_argument *arg,
				       const char *arg_name,
				       unsigned int arg_pos)
{
	const struct sieve_match_type mcht_default =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	const struct sieve_comparator cmp_default =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);

	if (!sieve_validate_positional_argument(valdtr, tst, arg, arg_name,
						arg_pos, SAAT_STRING_LIST))
		return FALSE;
	if (!sieve_validator_argument_activate(valdtr, tst, arg, FALSE))
		return FALSE;
	return sieve_match_type_validate(valdtr, tst, arg, &mcht_default,
					 &cmp_default);
}

struct ext_backscatter_name_check_context {
	struct sieve_validator *valdtr;
	const struct ext_backscatter_name_check *check;
};

static int
ext_backscatter_name_check(void *context, struct sieve_ast_argument *arg)
{
	struct ext_backscatter_name_check_context *ctx = context;
	const struct ext_backscatter_name_check *check = ctx->check;
	const char *name;

	if (arg->argument == NULL || !sieve_argument_is_string_literal(arg))
		return 1;

	name = sieve_ast_argument_strc(arg);
	if (!check->known(name)) {
		sieve_argument_validate_error(ctx->valdtr, arg,
			"%s test: unknown %s '%s'%s (valid %ss are: %s)",
			check->test, check->what, str_sanitize(name, 64),
			check->where == NULL ? "" : check->where,
			check->what, check->valid_names());
		return -1;
	}
	return 1;
}

bool ext_backscatter_names_validate(struct sieve_validator *valdtr,
				    struct sieve_ast_argument *arg,
				    const struct ext_backscatter_name_check *check)
{
	struct ext_backscatter_name_check_context ctx = {
		.valdtr = valdtr,
		.check = check,
	};

	/* The map visits a single string as well as each item of a list,
	   moving arg (our copy) along */
	return sieve_ast_stringlist_map(&arg, &ctx,
					ext_backscatter_name_check) >= 0;
}

bool ext_backscatter_match_test_registered(
	struct sieve_validator *valdtr,
	const struct sieve_extension *ext ATTR_UNUSED,
	struct sieve_command_registration *cmd_reg)
{
	sieve_comparators_link_tag(valdtr, cmd_reg, SIEVE_MATCH_OPT_COMPARATOR);
	sieve_match_types_link_tags(valdtr, cmd_reg, SIEVE_MATCH_OPT_MATCH_TYPE);
	return TRUE;
}

bool ext_backscatter_match_test_validate(struct sieve_validator *valdtr,
					 struct sieve_command *tst)
{
	return ext_backscatter_key_list_validate(valdtr, tst,
						 tst->first_positional,
						 "verdicts", 1);
}

bool ext_backscatter_match_test_dump(const struct sieve_dumptime_env *denv,
				     sieve_size_t *address)
{
	sieve_code_dumpf(denv, "%s", denv->oprtn->def->mnemonic);
	sieve_code_descend(denv);

	if (sieve_match_opr_optional_dump(denv, address, NULL) != 0)
		return FALSE;
	return sieve_opr_stringlist_dump(denv, address, "verdicts");
}

int ext_backscatter_match_test_execute(const struct sieve_runtime_env *renv,
				       sieve_size_t *address)
{
	const struct ext_backscatter_test *test =
		ext_backscatter_test_find(NULL, renv->oprtn->def);
	struct sieve_match_type mcht =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	struct sieve_comparator cmp =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);
	struct sieve_stringlist *key_list, *value_list;
	int match, ret;

	if (sieve_match_opr_optional_read(renv, address, NULL, &ret, &cmp,
					  &mcht) < 0)
		return ret;
	if ((ret = sieve_opr_stringlist_read(renv, address, "verdicts",
					     &key_list)) <= 0)
		return ret;

	/* "returnpath test", as the command is called */
	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "%s test",
			    t_str_lcase(renv->oprtn->def->mnemonic));
	sieve_runtime_trace_descend(renv);

	value_list = sieve_single_stringlist_create_cstr(renv,
		test->verdict(renv, renv->oprtn->ext), FALSE);
	if ((match = sieve_match(renv, &mcht, &cmp, value_list, key_list,
				 &ret)) < 0)
		return ret;

	sieve_runtime_trace_ascend(renv);
	sieve_interpreter_set_test_result(renv->interp, match > 0);
	return SIEVE_EXEC_OK;
}
