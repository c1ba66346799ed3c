/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "bounce-reason.h"

static const char *const bounce_reason_names[BOUNCE_REASON_COUNT] = {
	[BOUNCE_REASON_UNDEFINED] = "undefined",
	[BOUNCE_REASON_AUTHFAILURE] = "authfailure",
	[BOUNCE_REASON_BADREPUTATION] = "badreputation",
	[BOUNCE_REASON_BLOCKED] = "blocked",
	[BOUNCE_REASON_CONTENTERROR] = "contenterror",
	[BOUNCE_REASON_DELIVERED] = "delivered",
	[BOUNCE_REASON_EXCEEDLIMIT] = "exceedlimit",
	[BOUNCE_REASON_EXPIRED] = "expired",
	[BOUNCE_REASON_FEEDBACK] = "feedback",
	[BOUNCE_REASON_FILTERED] = "filtered",
	[BOUNCE_REASON_HASMOVED] = "hasmoved",
	[BOUNCE_REASON_HOSTUNKNOWN] = "hostunknown",
	[BOUNCE_REASON_MAILBOXFULL] = "mailboxfull",
	[BOUNCE_REASON_MAILERERROR] = "mailererror",
	[BOUNCE_REASON_MESGTOOBIG] = "mesgtoobig",
	[BOUNCE_REASON_NETWORKERROR] = "networkerror",
	[BOUNCE_REASON_NORELAYING] = "norelaying",
	[BOUNCE_REASON_NOTACCEPT] = "notaccept",
	[BOUNCE_REASON_NOTCOMPLIANTRFC] = "notcompliantrfc",
	[BOUNCE_REASON_ONHOLD] = "onhold",
	[BOUNCE_REASON_POLICYVIOLATION] = "policyviolation",
	[BOUNCE_REASON_REJECTED] = "rejected",
	[BOUNCE_REASON_REQUIREPTR] = "requireptr",
	[BOUNCE_REASON_SECURITYERROR] = "securityerror",
	[BOUNCE_REASON_SPAMDETECTED] = "spamdetected",
	[BOUNCE_REASON_SPEEDING] = "speeding",
	[BOUNCE_REASON_SUSPEND] = "suspend",
	[BOUNCE_REASON_SYNTAXERROR] = "syntaxerror",
	[BOUNCE_REASON_SYSTEMERROR] = "systemerror",
	[BOUNCE_REASON_SYSTEMFULL] = "systemfull",
	[BOUNCE_REASON_TOOMANYCONN] = "toomanyconn",
	[BOUNCE_REASON_USERUNKNOWN] = "userunknown",
	[BOUNCE_REASON_VACATION] = "vacation",
	[BOUNCE_REASON_VIRUSDETECTED] = "virusdetected",
};

const char *bounce_reason_to_str(enum bounce_reason reason)
{
	i_assert(reason < BOUNCE_REASON_COUNT);
	return bounce_reason_names[reason];
}

bool bounce_reason_from_str(const char *name, enum bounce_reason *reason_r)
{
	unsigned int i;

	for (i = 0; i < BOUNCE_REASON_COUNT; i++) {
		if (strcasecmp(name, bounce_reason_names[i]) == 0) {
			*reason_r = (enum bounce_reason)i;
			return TRUE;
		}
	}
	return FALSE;
}

void bounce_reason_classify(pool_t pool ATTR_UNUSED, enum bounce_kind kind,
			    struct bounce_recipient *rcpt)
{
	/* placeholder until the rule table lands */
	rcpt->permanent = rcpt->status != NULL ? rcpt->status[0] == '5' :
		(rcpt->action != NULL && strcmp(rcpt->action, "failed") == 0);
	rcpt->hard = FALSE;
	rcpt->reason = kind == BOUNCE_KIND_AUTOREPLY ? BOUNCE_REASON_VACATION :
		BOUNCE_REASON_UNDEFINED;
}
