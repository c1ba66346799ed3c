/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "bounce-str.h"
#include "bounce-report.h"

#include <ctype.h>

static const char *const bounce_kind_names_table[BOUNCE_KIND_COUNT] = {
	[BOUNCE_KIND_NONE] = "none",
	[BOUNCE_KIND_DSN] = "dsn",
	[BOUNCE_KIND_MTA] = "mta",
	[BOUNCE_KIND_AUTOREPLY] = "autoreply",
	[BOUNCE_KIND_FEEDBACK] = "feedback",
};

BOUNCE_STR_TABLE_DEFINE(bounce_kind, enum bounce_kind,
			bounce_kind_names_table, BOUNCE_KIND_COUNT)

const char *bounce_kind_names(void)
{
	return bounce_str_table_join(bounce_kind_names_table,
				     BOUNCE_KIND_NONE + 1, BOUNCE_KIND_COUNT);
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

const char *bounce_status_parse_prefix(const char *p,
				       struct bounce_status *status_r)
{
	unsigned int class, part, digits, value[2];

	i_zero(status_r);
	if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
		return NULL;
	class = *p - '0';
	for (part = 0, p += 2; part < 2; part++) {
		value[part] = 0;
		for (digits = 0; i_isdigit(*p) && digits < 4; digits++)
			value[part] = value[part] * 10 + (*p++ - '0');
		if (digits == 0 || digits > 3)
			return NULL;
		if (part == 0 && *p++ != '.')
			return NULL;
	}
	bounce_status_set(status_r, class, value[0], value[1]);
	return p;
}

bool bounce_status_parse(const char *str, struct bounce_status *status_r)
{
	const char *end = bounce_status_parse_prefix(str, status_r);

	if (end == NULL || *end != '\0') {
		i_zero(status_r);
		return FALSE;
	}
	return TRUE;
}

void bounce_status_set(struct bounce_status *status_r, unsigned int class,
		       unsigned int subject, unsigned int detail)
{
	i_assert(class == 2 || class == 4 || class == 5);
	i_assert(subject <= 999 && detail <= 999);
	status_r->class = class;
	status_r->subject = subject;
	status_r->detail = detail;
	i_snprintf(status_r->str, sizeof(status_r->str), "%u.%u.%u",
		   class, subject, detail);
}

const char *bounce_status_str(const struct bounce_status *status)
{
	return status->class == 0 ? NULL : status->str;
}

bool bounce_status_is(const struct bounce_status *status,
		      unsigned int subject, unsigned int detail)
{
	return status->class != 0 && status->subject == subject &&
		status->detail == detail;
}

const char *bounce_recipient_class(const struct bounce_recipient *rcpt)
{
	if (rcpt->permanent)
		return "permanent";
	if (rcpt->status.class == 4 || rcpt->status.class == 5)
		return "transient";
	if (rcpt->action != NULL &&
	    (strcmp(rcpt->action, "failed") == 0 ||
	     strcmp(rcpt->action, "delayed") == 0))
		return "transient";
	return NULL;
}
