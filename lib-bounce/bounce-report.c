/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "bounce-str.h"
#include "bounce-report.h"

static const char *const bounce_kind_names_table[BOUNCE_KIND_COUNT] = {
	[BOUNCE_KIND_NONE] = "none",
	[BOUNCE_KIND_DSN] = "dsn",
	[BOUNCE_KIND_MTA] = "mta",
	[BOUNCE_KIND_AUTOREPLY] = "autoreply",
	[BOUNCE_KIND_FEEDBACK] = "feedback",
};

const char *bounce_kind_to_str(enum bounce_kind kind)
{
	i_assert(kind < BOUNCE_KIND_COUNT);
	return bounce_kind_names_table[kind];
}

bool bounce_kind_from_str(const char *name, enum bounce_kind *kind_r)
{
	unsigned int idx;

	if (!bounce_str_table_lookup(bounce_kind_names_table,
				     BOUNCE_KIND_COUNT, name, &idx))
		return FALSE;
	*kind_r = (enum bounce_kind)idx;
	return TRUE;
}

const char *bounce_kind_names(void)
{
	string_t *str = t_str_new(64);
	unsigned int i;

	for (i = BOUNCE_KIND_NONE + 1; i < BOUNCE_KIND_COUNT; i++) {
		if (str_len(str) > 0)
			str_append(str, ", ");
		str_append(str, bounce_kind_names_table[i]);
	}
	return str_c(str);
}

const struct bounce_recipient *
bounce_report_first_failed(const struct bounce_report *report)
{
	const struct bounce_recipient *rcpt;

	if (!array_is_created(&report->recipients) ||
	    array_is_empty(&report->recipients))
		return NULL;
	array_foreach(&report->recipients, rcpt) {
		if (rcpt->action != NULL && strcmp(rcpt->action, "failed") == 0)
			return rcpt;
	}
	return array_front(&report->recipients);
}

bool bounce_kind_is_bounce(enum bounce_kind kind)
{
	switch (kind) {
	case BOUNCE_KIND_DSN:
	case BOUNCE_KIND_MTA:
	case BOUNCE_KIND_AUTOREPLY:
		return TRUE;
	case BOUNCE_KIND_NONE:
	case BOUNCE_KIND_FEEDBACK:
		return FALSE;
	case BOUNCE_KIND_COUNT:
		break;
	}
	i_unreached();
}

const char *bounce_recipient_class(const struct bounce_recipient *rcpt)
{
	if (rcpt->permanent)
		return "permanent";
	if (rcpt->status != NULL &&
	    (rcpt->status[0] == '4' || rcpt->status[0] == '5'))
		return "transient";
	if (rcpt->action != NULL &&
	    (strcmp(rcpt->action, "failed") == 0 ||
	     strcmp(rcpt->action, "delayed") == 0))
		return "transient";
	return NULL;
}
