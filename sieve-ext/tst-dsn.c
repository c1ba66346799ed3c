/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "str-sanitize.h"

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

#include "bounce-str.h"
#include "ext-backscatter-common.h"

/*
 * Dsn test
 *
 * Syntax:
 *   dsn [COMPARATOR] [MATCH-TYPE] <field-names: string-list>
 *       <key-list: string-list>
 *
 * Matches the fields of the message's delivery status report, as header
 * matches header fields: each field named is a value, once for the
 * report's per-message fields and once per recipient for the
 * per-recipient ones, so that a match on any recipient counts and
 * :count counts the values present.
 */

static bool
tst_dsn_validate(struct sieve_validator *valdtr, struct sieve_command *tst);

const struct sieve_command_def dsn_test = {
	.identifier = "dsn",
	.type = SCT_TEST,
	.positional_args = 2,
	.subtests = 0,
	.block_allowed = FALSE,
	.block_required = FALSE,
	.registered = ext_backscatter_match_test_registered,
	.validate = tst_dsn_validate,
	.generate = ext_backscatter_test_generate,
};

/*
 * Dsn operation
 */

static bool
tst_dsn_operation_dump(const struct sieve_dumptime_env *denv,
		       sieve_size_t *address);
static int
tst_dsn_operation_execute(const struct sieve_runtime_env *renv,
			  sieve_size_t *address);

const struct sieve_operation_def dsn_operation = {
	.mnemonic = "DSN",
	.ext_def = &backscatter_extension,
	.code = EXT_BACKSCATTER_OPERATION_DSN,
	.dump = tst_dsn_operation_dump,
	.execute = tst_dsn_operation_execute,
};

/*
 * Report fields
 */

enum tst_dsn_field {
	/* Per-message fields (RFC 3464, 2.2) */
	DSN_FIELD_REPORTING_MTA,
	DSN_FIELD_RECEIVED_FROM_MTA,
	DSN_FIELD_ARRIVAL_DATE,
	DSN_FIELD_ORIGINAL_ENVELOPE_ID,
	/* Per-recipient fields (RFC 3464, 2.3) */
	DSN_FIELD_FINAL_RECIPIENT,
	DSN_FIELD_ORIGINAL_RECIPIENT,
	DSN_FIELD_ACTION,
	DSN_FIELD_STATUS,
	DSN_FIELD_REMOTE_MTA,
	DSN_FIELD_DIAGNOSTIC_CODE,
	DSN_FIELD_LAST_ATTEMPT_DATE,
	DSN_FIELD_WILL_RETRY_UNTIL,
	/* Per recipient, what the analyzer made of it */
	DSN_FIELD_REPLY_CODE,
	DSN_FIELD_REASON,
	DSN_FIELD_CLASS,

	DSN_FIELD_COUNT
};
#define DSN_FIELD_FIRST_PER_RECIPIENT DSN_FIELD_FINAL_RECIPIENT

static const char *const tst_dsn_field_names[DSN_FIELD_COUNT] = {
	[DSN_FIELD_REPORTING_MTA] = "reporting-mta",
	[DSN_FIELD_RECEIVED_FROM_MTA] = "received-from-mta",
	[DSN_FIELD_ARRIVAL_DATE] = "arrival-date",
	[DSN_FIELD_ORIGINAL_ENVELOPE_ID] = "original-envelope-id",
	[DSN_FIELD_FINAL_RECIPIENT] = "final-recipient",
	[DSN_FIELD_ORIGINAL_RECIPIENT] = "original-recipient",
	[DSN_FIELD_ACTION] = "action",
	[DSN_FIELD_STATUS] = "status",
	[DSN_FIELD_REMOTE_MTA] = "remote-mta",
	[DSN_FIELD_DIAGNOSTIC_CODE] = "diagnostic-code",
	[DSN_FIELD_LAST_ATTEMPT_DATE] = "last-attempt-date",
	[DSN_FIELD_WILL_RETRY_UNTIL] = "will-retry-until",
	[DSN_FIELD_REPLY_CODE] = "reply-code",
	[DSN_FIELD_REASON] = "reason",
	[DSN_FIELD_CLASS] = "class",
};

/* Field names are case-insensitive, as header field names are */
static bool tst_dsn_field_parse(const char *name, enum tst_dsn_field *field_r)
{
	unsigned int idx;

	if (!bounce_str_table_lookup(tst_dsn_field_names, DSN_FIELD_COUNT,
				     name, &idx))
		return FALSE;
	*field_r = (enum tst_dsn_field)idx;
	return TRUE;
}

static const char *tst_dsn_field_names_list(void)
{
	return bounce_str_table_join(tst_dsn_field_names, 0,
				     DSN_FIELD_COUNT);
}

static const char *
tst_dsn_message_field(const struct bounce_report *report,
		      enum tst_dsn_field field)
{
	switch (field) {
	case DSN_FIELD_REPORTING_MTA:
		return report->reporting_mta;
	case DSN_FIELD_RECEIVED_FROM_MTA:
		return report->received_from_mta;
	case DSN_FIELD_ARRIVAL_DATE:
		return report->arrival_date;
	case DSN_FIELD_ORIGINAL_ENVELOPE_ID:
		return report->original_envelope_id;
	default:
		break;
	}
	i_unreached();
}

static const char *
tst_dsn_recipient_field(const struct bounce_recipient *rcpt,
			enum tst_dsn_field field)
{
	switch (field) {
	case DSN_FIELD_FINAL_RECIPIENT:
		return rcpt->final_recipient;
	case DSN_FIELD_ORIGINAL_RECIPIENT:
		return rcpt->original_recipient;
	case DSN_FIELD_ACTION:
		return rcpt->action;
	case DSN_FIELD_STATUS:
		return bounce_status_str(&rcpt->status);
	case DSN_FIELD_REMOTE_MTA:
		return rcpt->remote_mta;
	case DSN_FIELD_DIAGNOSTIC_CODE:
		return rcpt->diagnostic_code;
	case DSN_FIELD_LAST_ATTEMPT_DATE:
		return rcpt->last_attempt_date;
	case DSN_FIELD_WILL_RETRY_UNTIL:
		return rcpt->will_retry_until;
	case DSN_FIELD_REPLY_CODE:
		return rcpt->reply_code;
	case DSN_FIELD_REASON:
		return bounce_reason_to_str(rcpt->reason);
	case DSN_FIELD_CLASS:
		return bounce_recipient_class(rcpt);
	default:
		break;
	}
	i_unreached();
}

/* Whether the report has any field the test can match */
static bool tst_dsn_report_has_fields(const struct bounce_report *report)
{
	unsigned int i;

	if (array_is_created(&report->recipients) &&
	    !array_is_empty(&report->recipients))
		return TRUE;
	for (i = 0; i < DSN_FIELD_FIRST_PER_RECIPIENT; i++) {
		if (tst_dsn_message_field(report,
					  (enum tst_dsn_field)i) != NULL)
			return TRUE;
	}
	return FALSE;
}

/*
 * Validation
 */

static bool tst_dsn_field_known(const char *name)
{
	enum tst_dsn_field field;

	return tst_dsn_field_parse(name, &field);
}

static const struct ext_backscatter_name_check tst_dsn_field_check = {
	.test = "dsn",
	.what = "field",
	.known = tst_dsn_field_known,
	.valid_names = tst_dsn_field_names_list,
};

static bool
tst_dsn_validate(struct sieve_validator *valdtr, struct sieve_command *tst)
{
	struct sieve_ast_argument *arg = tst->first_positional;

	if (!sieve_validate_positional_argument(valdtr, tst, arg,
						"field names", 1,
						SAAT_STRING_LIST))
		return FALSE;
	if (!sieve_validator_argument_activate(valdtr, tst, arg, FALSE))
		return FALSE;
	if (!ext_backscatter_names_validate(valdtr, arg,
					    &tst_dsn_field_check))
		return FALSE;

	return ext_backscatter_key_list_validate(valdtr, tst,
						 sieve_ast_argument_next(arg),
						 "key list", 2);
}

/*
 * Code dump
 */

static bool
tst_dsn_operation_dump(const struct sieve_dumptime_env *denv,
		       sieve_size_t *address)
{
	sieve_code_dumpf(denv, "DSN");
	sieve_code_descend(denv);

	if (sieve_match_opr_optional_dump(denv, address, NULL) != 0)
		return FALSE;
	return sieve_opr_stringlist_dump(denv, address, "field names") &&
		sieve_opr_stringlist_dump(denv, address, "key list");
}

/*
 * Code execution
 */

/* The values of the requested fields, as a string list to match */
struct tst_dsn_value_list {
	struct sieve_stringlist strlist;

	ARRAY_TYPE(const_string) values;
	unsigned int index;
	string_t *item;
};

static int
tst_dsn_value_list_next_item(struct sieve_stringlist *_strlist,
			     string_t **str_r)
{
	struct tst_dsn_value_list *strlist =
		container_of(_strlist, struct tst_dsn_value_list, strlist);
	const char *value;

	if (strlist->index >= array_count(&strlist->values)) {
		*str_r = NULL;
		return 0;
	}
	value = array_idx_elem(&strlist->values, strlist->index++);
	str_truncate(strlist->item, 0);
	str_append(strlist->item, value);
	*str_r = strlist->item;
	return 1;
}

static void tst_dsn_value_list_reset(struct sieve_stringlist *_strlist)
{
	struct tst_dsn_value_list *strlist =
		container_of(_strlist, struct tst_dsn_value_list, strlist);

	strlist->index = 0;
}

static int tst_dsn_value_list_get_length(struct sieve_stringlist *_strlist)
{
	struct tst_dsn_value_list *strlist =
		container_of(_strlist, struct tst_dsn_value_list, strlist);

	return (int)array_count(&strlist->values);
}

static struct tst_dsn_value_list *
tst_dsn_value_list_create(const struct sieve_runtime_env *renv)
{
	struct tst_dsn_value_list *strlist;

	strlist = t_new(struct tst_dsn_value_list, 1);
	strlist->strlist.runenv = renv;
	strlist->strlist.exec_status = SIEVE_EXEC_OK;
	strlist->strlist.next_item = tst_dsn_value_list_next_item;
	strlist->strlist.reset = tst_dsn_value_list_reset;
	strlist->strlist.get_length = tst_dsn_value_list_get_length;
	t_array_init(&strlist->values, 8);
	strlist->item = t_str_new(128);
	return strlist;
}

static void
tst_dsn_trace_value(const struct sieve_runtime_env *renv,
		    enum tst_dsn_field field, unsigned int rcpt_idx,
		    const char *value)
{
	const char *where = rcpt_idx == 0 ? "" :
		t_strdup_printf(" of recipient %u", rcpt_idx);

	if (value == NULL) {
		sieve_runtime_trace(renv, SIEVE_TRLVL_MATCHING,
			"field `%s'%s is absent",
			tst_dsn_field_names[field], where);
	} else {
		sieve_runtime_trace(renv, SIEVE_TRLVL_MATCHING,
			"field `%s'%s: `%s'", tst_dsn_field_names[field],
			where, str_sanitize(value, 80));
	}
}

/* Adds the values of the field to the list */
static void
tst_dsn_add_field(const struct sieve_runtime_env *renv,
		  const struct bounce_report *report,
		  enum tst_dsn_field field, struct tst_dsn_value_list *list)
{
	const struct bounce_recipient *rcpt;
	const char *value;
	unsigned int n = 0;

	if (field < DSN_FIELD_FIRST_PER_RECIPIENT) {
		value = tst_dsn_message_field(report, field);
		tst_dsn_trace_value(renv, field, 0, value);
		if (value != NULL)
			array_push_back(&list->values, &value);
		return;
	}
	if (!array_is_created(&report->recipients))
		return;
	array_foreach(&report->recipients, rcpt) {
		value = tst_dsn_recipient_field(rcpt, field);
		tst_dsn_trace_value(renv, field, ++n, value);
		if (value != NULL)
			array_push_back(&list->values, &value);
	}
}

/* Collects the values of the fields named. Returns 0, or -1 on a runtime
   error of the name list. */
static int
tst_dsn_collect(const struct sieve_runtime_env *renv,
		const struct bounce_report *report,
		struct sieve_stringlist *field_list,
		struct tst_dsn_value_list *list)
{
	enum tst_dsn_field field;
	string_t *item;
	int ret;

	while ((ret = sieve_stringlist_next_item(field_list, &item)) > 0) {
		if (!tst_dsn_field_parse(str_c(item), &field)) {
			sieve_runtime_trace(renv, SIEVE_TRLVL_MATCHING,
				"ignoring unknown field `%s'",
				str_sanitize(str_c(item), 64));
			continue;
		}
		tst_dsn_add_field(renv, report, field, list);
	}
	return ret < 0 ? -1 : 0;
}

static int
tst_dsn_operation_execute(const struct sieve_runtime_env *renv,
			  sieve_size_t *address)
{
	const struct sieve_extension *this_ext = renv->oprtn->ext;
	struct sieve_match_type mcht =
		SIEVE_MATCH_TYPE_DEFAULT(is_match_type);
	struct sieve_comparator cmp =
		SIEVE_COMPARATOR_DEFAULT(i_ascii_casemap_comparator);
	struct sieve_stringlist *field_list, *key_list;
	struct tst_dsn_value_list *value_list;
	const struct bounce_report *report;
	unsigned int rcpt_count;
	int match = 0, ret;

	/*
	 * Read operands
	 */

	if (sieve_match_opr_optional_read(renv, address, NULL, &ret, &cmp,
					  &mcht) < 0)
		return ret;
	if ((ret = sieve_opr_stringlist_read(renv, address, "field names",
					     &field_list)) <= 0)
		return ret;
	if ((ret = sieve_opr_stringlist_read(renv, address, "key list",
					     &key_list)) <= 0)
		return ret;

	/*
	 * Perform test
	 */

	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "dsn test");
	sieve_runtime_trace_descend(renv);

	report = ext_backscatter_get_report(renv, this_ext);
	if (report == NULL) {
		/* Already logged; delivery goes on */
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"message could not be analyzed");
	} else if (report->kind == BOUNCE_KIND_NONE ||
		   !tst_dsn_report_has_fields(report)) {
		/* Not even :count "eq" "0" matches: the test is about
		   reports, and this is none */
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"message kind is `%s', without report fields",
			bounce_kind_to_str(report->kind));
	} else {
		rcpt_count = array_is_created(&report->recipients) ?
			array_count(&report->recipients) : 0;
		sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS,
			"message kind is `%s', report with %u recipient(s)",
			bounce_kind_to_str(report->kind), rcpt_count);

		value_list = tst_dsn_value_list_create(renv);
		if (tst_dsn_collect(renv, report, field_list,
				    value_list) < 0)
			return field_list->exec_status;
		if ((match = sieve_match(renv, &mcht, &cmp,
					 &value_list->strlist, key_list,
					 &ret)) < 0)
			return ret;
	}

	/* Not trace_ascend(): when tracing below the matching level,
	   sieve_match() ascends once more than it descended, which would
	   underflow the indent here (Pigeonhole 0.5). A test's own lines
	   are at the top level. */
	sieve_runtime_trace_toplevel(renv);
	sieve_runtime_trace(renv, SIEVE_TRLVL_TESTS, "dsn test: %s",
			    match > 0 ? "true" : "false");
	sieve_interpreter_set_test_result(renv->interp, match > 0);
	return SIEVE_EXEC_OK;
}
