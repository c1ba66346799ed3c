/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Amazon SES bounce, complaint and delivery notifications, as Amazon SNS
   mails them to a subscribed address: the message's text is one JSON
   object ({"notificationType":"Bounce","bounce":{...},"mail":{...}}),
   or SNS's own JSON envelope carrying that object as its "Message"
   string ({"Type" : "Notification", "Message" : "{\"notificationType\"...").
   Read with Dovecot's JSON parser (bounce-json.h); the paths this
   decoder takes are in one table. Such a notification goes to whoever
   subscribed to it, not back to the return path of the mail it is
   about: the report says so (subscribed_notification). */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-json.h"
#include "bounce-reason.h"
#include "bounce-decoder.h"

#include <ctype.h>

enum ses_field {
	/* SNS's envelope */
	SES_SNS_MESSAGE,
	SES_TYPE,
	SES_BOUNCE_TYPE,
	SES_REPORTING_MTA,
	SES_FEEDBACK_TYPE,
	SES_SMTP_RESPONSE,
	/* an object that begins a recipient, and its members */
	SES_RECIPIENT,
	SES_RCPT_ADDRESS,
	SES_RCPT_ACTION,
	SES_RCPT_STATUS,
	SES_RCPT_DIAGNOSTIC,
	/* delivery.recipients: an array of addresses */
	SES_DELIVERED_ADDRESS,
	/* the mail it is about: its envelope sender, and a header field
	   (the first of a list, "from":["a","b"]) at original_offset */
	SES_MAIL_SOURCE,
	SES_MAIL_HEADER,
};

static const struct {
	const char *path;
	enum ses_field field;
	size_t original_offset;
} ses_paths[] = {
#define PATH(path, field) { path, SES_##field, 0 }
	PATH("Message", SNS_MESSAGE),
	PATH("notificationType", TYPE),
	PATH("bounce.bounceType", BOUNCE_TYPE),
	PATH("bounce.reportingMTA", REPORTING_MTA),
	PATH("bounce.bouncedRecipients", RECIPIENT),
	PATH("bounce.bouncedRecipients.emailAddress", RCPT_ADDRESS),
	PATH("bounce.bouncedRecipients.action", RCPT_ACTION),
	PATH("bounce.bouncedRecipients.status", RCPT_STATUS),
	PATH("bounce.bouncedRecipients.diagnosticCode", RCPT_DIAGNOSTIC),
	PATH("complaint.complaintFeedbackType", FEEDBACK_TYPE),
	PATH("complaint.complainedRecipients", RECIPIENT),
	PATH("complaint.complainedRecipients.emailAddress", RCPT_ADDRESS),
	PATH("delivery.recipients", DELIVERED_ADDRESS),
	PATH("delivery.reportingMTA", REPORTING_MTA),
	PATH("delivery.smtpResponse", SMTP_RESPONSE),
	PATH("mail.source", MAIL_SOURCE),
#define HEADER(name, field) \
	{ "mail.commonHeaders." name, SES_MAIL_HEADER, \
	  offsetof(struct bounce_original, field) }
	HEADER("from", from),
	HEADER("to", to),
	HEADER("subject", subject),
	HEADER("date", date),
	HEADER("messageId", message_id),
#undef HEADER
#undef PATH
};

/* The notification types, and what each makes of the report */
static const struct {
	const char *name;
	enum bounce_kind kind;
	const char *action;
} ses_types[] = {
	{ "Bounce", BOUNCE_KIND_MTA, "failed" },
	{ "Complaint", BOUNCE_KIND_FEEDBACK, NULL },
	{ "Delivery", BOUNCE_KIND_MTA, "delivered" },
};

struct ses_context {
	pool_t pool;
	struct bounce_report *report;
	const char *type, *bounce_type, *smtp_response, *sns_message;
	struct bounce_recipient *rcpt;
};

static const char *ses_strdup(struct ses_context *ctx, const char *value)
{
	return p_strndup(ctx->pool, value, BOUNCE_REPORT_MAX_FIELD_LENGTH);
}

static struct bounce_recipient *ses_add_recipient(struct ses_context *ctx)
{
	if (array_count(&ctx->report->recipients) >=
	    BOUNCE_REPORT_MAX_RECIPIENTS)
		return NULL;
	return array_append_space(&ctx->report->recipients);
}

/* "smtp; 550 5.1.1 user unknown": the type goes apart, as in a DSN */
static void
ses_set_diagnostic(struct ses_context *ctx, struct bounce_recipient *rcpt,
		   const char *value)
{
	const char *semicolon = strchr(value, ';');

	if (semicolon != NULL && semicolon - value <= 16 &&
	    strchr(t_strdup_until(value, semicolon), ' ') == NULL) {
		rcpt->diagnostic_type = p_strdup(ctx->pool, t_str_lcase(
			t_strdup_until(value, semicolon)));
		value = t_str_trim(semicolon + 1, " \t");
	}
	rcpt->diagnostic_code = ses_strdup(ctx, value);
}

static void
ses_set_recipient_field(struct ses_context *ctx, enum ses_field field,
			const char *value)
{
	struct bounce_recipient *rcpt = ctx->rcpt;

	if (rcpt == NULL)
		return;
	switch (field) {
	case SES_RCPT_ADDRESS:
		rcpt->final_recipient = ses_strdup(ctx, t_str_lcase(value));
		break;
	case SES_RCPT_ACTION:
		rcpt->action = p_strdup(ctx->pool, t_str_lcase(
			t_strndup(value, 32)));
		break;
	case SES_RCPT_STATUS:
		/* only an RFC 3463 code is a status */
		if (rcpt->status.class == 0)
			(void)bounce_status_parse(value, &rcpt->status);
		break;
	case SES_RCPT_DIAGNOSTIC:
		ses_set_diagnostic(ctx, rcpt, value);
		break;
	default:
		i_unreached();
	}
}

static void ses_value(void *context, const char *path, const char *value)
{
	struct ses_context *ctx = context;
	struct bounce_original *original = &ctx->report->original;
	const char **field;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(ses_paths); i++) {
		if (strcmp(ses_paths[i].path, path) == 0)
			break;
	}
	if (i == N_ELEMENTS(ses_paths))
		return;
	if (value == NULL) {
		/* an object begins: only a recipient's matters */
		if (ses_paths[i].field == SES_RECIPIENT)
			ctx->rcpt = ses_add_recipient(ctx);
		return;
	}

	switch (ses_paths[i].field) {
	case SES_SNS_MESSAGE:
		if (ctx->sns_message == NULL)
			ctx->sns_message = t_strdup(value);
		break;
	case SES_TYPE:
		ctx->type = ses_strdup(ctx, value);
		break;
	case SES_BOUNCE_TYPE:
		ctx->bounce_type = ses_strdup(ctx, value);
		break;
	case SES_REPORTING_MTA:
		/* "dsn; a27-23.smtp-out.us-west-2.amazonses.com" */
		if (strchr(value, ';') != NULL)
			value = t_str_trim(strchr(value, ';') + 1, " \t");
		ctx->report->reporting_mta = ses_strdup(ctx, value);
		break;
	case SES_FEEDBACK_TYPE:
		ctx->report->feedback_type =
			ses_strdup(ctx, t_str_lcase(value));
		break;
	case SES_SMTP_RESPONSE:
		ctx->smtp_response = ses_strdup(ctx, value);
		break;
	case SES_RECIPIENT:
		break;
	case SES_RCPT_ADDRESS:
	case SES_RCPT_ACTION:
	case SES_RCPT_STATUS:
	case SES_RCPT_DIAGNOSTIC:
		ses_set_recipient_field(ctx, ses_paths[i].field, value);
		break;
	case SES_DELIVERED_ADDRESS:
		ctx->rcpt = ses_add_recipient(ctx);
		ses_set_recipient_field(ctx, SES_RCPT_ADDRESS, value);
		ctx->rcpt = NULL;
		break;
	case SES_MAIL_SOURCE:
		if (original->return_path == NULL) {
			original->return_path = ses_strdup(ctx,
				t_strconcat("<", value, ">", NULL));
		}
		break;
	case SES_MAIL_HEADER:
		field = PTR_OFFSET(original, ses_paths[i].original_offset);
		if (*field == NULL)
			*field = ses_strdup(ctx, value);
		break;
	}
}

/* SNS mails long JSON lines, which a relay may have broken at its
   line-length limit the sendmail way: "!", a line break and a space.
   JSON has no raw line breaks inside strings, so each such sequence is
   a break: returns the text mended (the JSON and what follows it) */
static string_t *ses_json_text(const struct bounce_message *msg)
{
	string_t *json = t_str_new(msg->text_len);
	const char *p = msg->text, *end = msg->text + msg->text_len;

	while (p < end) {
		if (p + 2 < end && p[0] == '!' && p[1] == '\n' && p[2] == ' ') {
			p += 3;
			continue;
		}
		str_append_c(json, *p++);
	}
	return json;
}

bool bounce_decode_amazonses_text_opens(const void *text, size_t size)
{
	const unsigned char *p = text;
	size_t i;

	for (i = 0; i < size && i_isspace(p[i]); i++) ;
	return i < size && p[i] == '{';
}

bool bounce_decode_amazonses_may_match(const struct bounce_message *msg)
{
	/* a JSON object naming a notificationType, the text of SNS's
	   mail */
	return bounce_decode_amazonses_text_opens(msg->text, msg->text_len) &&
		strstr(msg->text_lcase, "notificationtype") != NULL;
}

bool bounce_decode_amazonses_notification(pool_t pool,
					  const struct bounce_message *msg,
					  struct bounce_report *report)
{
	struct ses_context ctx;
	struct bounce_recipient *rcpt;
	const char *error;
	string_t *json;
	unsigned int i, n;

	if (!bounce_decode_amazonses_may_match(msg))
		return FALSE;

	i_zero(&ctx);
	ctx.pool = pool;
	ctx.report = report;
	json = ses_json_text(msg);
	/* a broken text still gives what it said before the break */
	(void)bounce_json_walk(str_data(json), str_len(json), ses_value, &ctx,
			       &error);
	/* SNS's envelope: the notification is its Message, once more */
	if (ctx.type == NULL && ctx.sns_message != NULL) {
		(void)bounce_json_walk((const void *)ctx.sns_message,
				       strlen(ctx.sns_message), ses_value,
				       &ctx, &error);
	}
	for (i = 0; i < N_ELEMENTS(ses_types); i++) {
		if (ctx.type != NULL && strcmp(ctx.type, ses_types[i].name) == 0)
			break;
	}
	/* a recipient object without an address names nobody */
	for (n = array_count(&report->recipients); n > 0; n--) {
		rcpt = array_idx_modifiable(&report->recipients, n - 1);
		if (rcpt->final_recipient == NULL ||
		    *rcpt->final_recipient == '\0')
			array_delete(&report->recipients, n - 1, 1);
	}
	if (i == N_ELEMENTS(ses_types) ||
	    array_count(&report->recipients) == 0) {
		/* not a notification this decoder knows: nothing of it
		   stays */
		array_clear(&report->recipients);
		i_zero(&report->original);
		report->reporting_mta = NULL;
		report->feedback_type = NULL;
		return FALSE;
	}
	array_foreach_modifiable(&report->recipients, rcpt) {
		if (rcpt->action == NULL)
			rcpt->action = ses_types[i].action;
		/* a transient bounce is one SES gave up retrying */
		if (rcpt->status.class == 0 && ctx.bounce_type != NULL &&
		    strcmp(ctx.bounce_type, "Transient") == 0)
			bounce_status_set(&rcpt->status, 4, 0, 0);
		if (rcpt->diagnostic_code == NULL &&
		    ctx.smtp_response != NULL)
			rcpt->diagnostic_code = ctx.smtp_response;
	}
	report->kind = ses_types[i].kind;
	report->decoder = "amazonses";
	report->subscribed_notification = TRUE;
	report->original_found = report->original.subject != NULL ||
		report->original.from != NULL ||
		report->original.message_id != NULL;
	return TRUE;
}
