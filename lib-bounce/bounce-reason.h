#ifndef BOUNCE_REASON_H
#define BOUNCE_REASON_H

/* Reason classification: why a recipient's delivery failed, decided from
   what the report says about it -- its status code, the SMTP reply and
   the command it answered, the action and the diagnostic text -- in the
   order docs/reasons.md gives (bounce-reason.c).

   Contract: classification only reads the recipient's fields and the
   report's kind, never the message, and always succeeds: what matches
   no rule is BOUNCE_REASON_UNDEFINED. */

#include "bounce-report.h"

/* Sets rcpt->reason, ->permanent and ->hard. Fills in rcpt->status from
   the diagnostic text or the reply code when the report gave none. */
void bounce_reason_classify(pool_t pool, const struct bounce_report *report,
			    struct bounce_recipient *rcpt);

#endif
