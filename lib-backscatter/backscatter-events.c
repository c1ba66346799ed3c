/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The named events of backscatter-events.h, with their fields. */

#include "lib.h"
#include "smtp-address.h"
#include "bounce-report.h"
#include "backscatter-verify.h"
#include "backscatter-signer.h"
#include "backscatter-events.h"

static void
event_add_domain(struct event *event, const struct smtp_address *address)
{
	if (address != NULL && address->domain != NULL &&
	    *address->domain != '\0') {
		event_add_str(event, BACKSCATTER_FIELD_DOMAIN,
			      t_str_lcase(address->domain));
	}
}

struct event *
backscatter_verdict_event_create(struct event *parent,
				 enum backscatter_triage_verdict verdict,
				 enum backscatter_triage_cause cause,
				 const struct backscatter_verification *verification,
				 const struct bounce_report *report,
				 const struct smtp_address *recipient,
				 const char *stage)
{
	struct event *event = event_create(parent);
	const struct backscatter_tag *tag;
	const struct bounce_recipient *rcpt;

	event_set_name(event, BACKSCATTER_EVENT_VERDICT);
	event_add_str(event, BACKSCATTER_FIELD_VERDICT,
		      backscatter_triage_verdict_to_str(verdict));
	event_add_str(event, BACKSCATTER_FIELD_CAUSE,
		      backscatter_triage_cause_to_str(cause));
	event_add_str(event, BACKSCATTER_FIELD_STAGE, stage);
	if (verification != NULL) {
		event_add_str(event, BACKSCATTER_FIELD_RETURNPATH,
			backscatter_verdict_to_str(verification->verdict));
		tag = &verification->tag;
		/* a malformed tag has no untagged address, and its key id
		   means nothing */
		if (verification->tagged && tag->untagged.domain != NULL) {
			event_add_str(event, BACKSCATTER_FIELD_SCHEME,
				      backscatter_scheme_to_str(tag->scheme));
			event_add_int(event, BACKSCATTER_FIELD_KEY_ID,
				      tag->key_id);
		}
	}
	if (report != NULL) {
		event_add_str(event, BACKSCATTER_FIELD_KIND,
			      bounce_kind_to_str(report->kind));
		rcpt = bounce_report_first_failed(report);
		/* as ${bounce.reason}: "undefined" when the report says
		   nothing we recognise */
		if (rcpt != NULL) {
			event_add_str(event, BACKSCATTER_FIELD_REASON,
				      bounce_reason_to_str(rcpt->reason));
		}
	}
	event_add_domain(event, recipient);
	return event;
}

struct event *
backscatter_signed_event_create(struct event *parent, const char *signer,
				const struct smtp_address *sender,
				const struct backscatter_signing *signing)
{
	struct event *event = event_create(parent);

	event_set_name(event, BACKSCATTER_EVENT_SIGNED);
	event_add_str(event, BACKSCATTER_FIELD_SIGNER, signer);
	event_add_domain(event, sender);
	if (signing->result == BACKSCATTER_SIGNER_SIGNED) {
		event_add_str(event, BACKSCATTER_FIELD_SCHEME,
			      backscatter_scheme_to_str(signing->scheme));
		event_add_str(event, BACKSCATTER_FIELD_FORM,
			      backscatter_tag_form_to_str(signing->form));
		event_add_int(event, BACKSCATTER_FIELD_KEY_ID,
			      signing->key_id);
	} else {
		i_assert(signing->unsigned_reason != NULL);
		event_add_str(event, BACKSCATTER_FIELD_UNSIGNED_REASON,
			      signing->unsigned_reason);
	}
	return event;
}
