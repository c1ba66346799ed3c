/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-settings.h"
#include "backscatter-policy.h"

#define POLICY_REQUEST_SMTPD "smtpd_access_policy"
#define POLICY_STATE_RCPT "RCPT"

/*
 * Parsing
 */

/* The attributes that matter here, and where they go. One that the
   decision rests on may come only once: a second makes the request a
   duplicate. Postfix sends many more; they change nothing here. */
#define REQUEST_FIELD(field) offsetof(struct backscatter_policy_request, field)
static const struct policy_attribute {
	const char *name;
	size_t offset;
	bool once;
} policy_attributes[] = {
	{ "request", REQUEST_FIELD(request), TRUE },
	{ "protocol_state", REQUEST_FIELD(protocol_state), TRUE },
	{ "sender", REQUEST_FIELD(sender), TRUE },
	{ "recipient", REQUEST_FIELD(recipient), TRUE },
	/* for the log line only */
	{ "client_address", REQUEST_FIELD(client_address), FALSE },
	{ "queue_id", REQUEST_FIELD(queue_id), FALSE },
};
#undef REQUEST_FIELD

static void
policy_attribute(struct backscatter_policy_request *request,
		 const unsigned char *name, size_t name_size,
		 const unsigned char *value, size_t value_size)
{
	const struct policy_attribute *attr;
	const char **field;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(policy_attributes); i++) {
		attr = &policy_attributes[i];
		if (strlen(attr->name) != name_size ||
		    memcmp(attr->name, name, name_size) != 0)
			continue;

		field = PTR_OFFSET(request, attr->offset);
		if (*field != NULL && attr->once)
			request->duplicate = TRUE;
		else
			*field = t_strndup(value, value_size);
		return;
	}
}

/* Parses the request at the start of data. Returns 1 with the octets it
   used when it is complete, 0 when it may still become one, -1 when it
   breaks the framing (error_r says how). Strings from the data stack. */
static int
policy_request_parse(const unsigned char *data, size_t size,
		     struct backscatter_policy_request *request_r,
		     size_t *used_r, const char **error_r)
{
	size_t pos = 0, limit = I_MIN(size, BACKSCATTER_POLICY_MAX_REQUEST);
	const unsigned char *line, *nl, *eq;
	size_t len;

	i_zero(request_r);
	for (;;) {
		nl = memchr(data + pos, '\n', limit - pos);
		if (nl == NULL) {
			/* Checked for the whole request, so that the
			   answer does not depend on how reads split it */
			if (size > BACKSCATTER_POLICY_MAX_REQUEST) {
				*error_r = t_strdup_printf(
					"request longer than %u octets",
					BACKSCATTER_POLICY_MAX_REQUEST);
				return -1;
			}
			return 0;
		}
		line = data + pos;
		len = nl - line;
		pos += len + 1;
		/* Postfix ends lines with LF; an admin's telnet with CRLF */
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0) {
			*used_r = pos;
			return 1;
		}
		if (memchr(line, '\0', len) != NULL) {
			*error_r = "NUL in request";
			return -1;
		}
		eq = memchr(line, '=', len);
		if (eq == NULL) {
			*error_r = t_strdup_printf("line without '=': %s",
				str_sanitize(t_strndup(line, len), 64));
			return -1;
		}
		policy_attribute(request_r, line, eq - line, eq + 1,
				 len - (eq + 1 - line));
	}
}

/*
 * Deciding
 */

static void
policy_dunno(struct backscatter_policy_result *result, bool log_info,
	     const char *reason)
{
	result->action = BACKSCATTER_POLICY_DUNNO;
	result->log_info = log_info;
	result->reason = reason;
}

static void
policy_reject(struct backscatter_policy_result *result, const char *what,
	      const char *reason)
{
	result->action = BACKSCATTER_POLICY_REJECT;
	result->log_info = TRUE;
	result->what = what;
	result->reason = reason;
}

/* An untagged recipient. At RCPT nothing says when the bounced message
   was sent. The delivery-time triage counts that day, and never further
   back than lifetime + grace days before now: so from enforce_since +
   lifetime + grace days on, it calls every untagged bounce to a sign
   domain bogus, whatever the message says (unless it names our own
   relay or quotes a valid tag, which only the message shows). Only then
   may the policy refuse one, and only when asked to. */
static void
policy_untagged(const struct backscatter_daemon *policy,
		const struct smtp_address *recipient, time_t now,
		struct backscatter_policy_result *result)
{
	const struct backscatter_settings *set = policy->set;
	struct backscatter_tag_settings tag_set;
	unsigned int first_day;

	if (!set->parsed.enforce) {
		policy_dunno(result, FALSE,
			     "no tag, and tags are not enforced");
		return;
	}
	if (recipient->domain == NULL ||
	    !backscatter_settings_is_sign_domain(set, recipient->domain)) {
		policy_dunno(result, FALSE,
			     "no tag, and the domain is not signed");
		return;
	}
	backscatter_settings_get_tag_settings(set, &tag_set);
	first_day = set->parsed.enforce_since_day + tag_set.lifetime_days +
		tag_set.grace_days;
	if (backscatter_day_of(now) < first_day) {
		policy_dunno(result, FALSE, t_strdup_printf(
			"no tag, but bounces of mail sent before %s may "
			"arrive until %s",
			backscatter_day_to_str(set->parsed.enforce_since_day),
			backscatter_day_to_str(first_day - 1)));
		return;
	}
	if (!set->parsed.policy_unsigned_reject) {
		policy_dunno(result, FALSE, t_strdup_printf(
			"no tag, %s signed since %s "
			"(backscatter_policy_unsigned = dunno)",
			recipient->domain,
			backscatter_day_to_str(set->parsed.enforce_since_day)));
		return;
	}
	policy_reject(result, "no tag", t_strdup_printf(
		"no tag, and %s is signed since %s", recipient->domain,
		backscatter_day_to_str(set->parsed.enforce_since_day)));
}

static bool policy_sender_is_null(const char *sender)
{
	return *sender == '\0' || strcmp(sender, "<>") == 0;
}

void backscatter_policy_decide(const struct backscatter_daemon *policy,
			       const struct backscatter_policy_request *request,
			       time_t now,
			       struct backscatter_policy_result *result_r)
{
	struct backscatter_tag_settings tag_set;
	struct backscatter_verification verification;
	struct backscatter_recipient rcpt;
	struct smtp_address *recipient;
	const char *error;

	i_zero(result_r);
	if (request->duplicate) {
		policy_dunno(result_r, TRUE, "an attribute came twice");
		return;
	}
	if (request->request == NULL ||
	    strcmp(request->request, POLICY_REQUEST_SMTPD) != 0) {
		policy_dunno(result_r, TRUE, t_strdup_printf(
			"request=%s is not " POLICY_REQUEST_SMTPD,
			request->request == NULL ? "(none)" :
			str_sanitize(request->request, 64)));
		return;
	}
	if (request->sender == NULL) {
		policy_dunno(result_r, TRUE, "no sender attribute");
		return;
	}
	if (!policy_sender_is_null(request->sender)) {
		/* The common case: no log line but a debug one */
		policy_dunno(result_r, FALSE, "not a bounce");
		return;
	}
	if (request->protocol_state == NULL ||
	    strcasecmp(request->protocol_state, POLICY_STATE_RCPT) != 0) {
		policy_dunno(result_r, TRUE, t_strdup_printf(
			"protocol_state=%s: only RCPT is judged (use "
			"check_policy_service in smtpd_recipient_restrictions)",
			request->protocol_state == NULL ? "(none)" :
			str_sanitize(request->protocol_state, 64)));
		return;
	}
	if (request->recipient == NULL || *request->recipient == '\0') {
		policy_dunno(result_r, TRUE, "no recipient");
		return;
	}
	if (smtp_address_parse_path(pool_datastack_create(),
				    request->recipient,
				    SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL,
				    &recipient, &error) < 0) {
		policy_dunno(result_r, TRUE, t_strdup_printf(
			"recipient is no address: %s", error));
		return;
	}

	backscatter_settings_get_tag_settings(policy->set, &tag_set);
	i_zero(&rcpt);
	rcpt.delivered = recipient;
	backscatter_verify_recipient(policy->keyring, &tag_set, &rcpt, now,
				     pool_datastack_create(), &verification);
	switch (verification.verdict) {
	case BACKSCATTER_VERDICT_FORGED:
		policy_reject(result_r, "tag forged",
			backscatter_verification_reason(&verification));
		return;
	case BACKSCATTER_VERDICT_EXPIRED:
		policy_reject(result_r, "tag expired",
			backscatter_verification_reason(&verification));
		return;
	case BACKSCATTER_VERDICT_UNSIGNED:
		policy_untagged(policy, recipient, now, result_r);
		return;
	case BACKSCATTER_VERDICT_VALID:
	case BACKSCATTER_VERDICT_UNKNOWN:
		/* unknown: no keys, which the key cache logs once */
		policy_dunno(result_r, FALSE, t_strdup_printf("%s: %s",
			backscatter_verdict_to_str(verification.verdict),
			backscatter_verification_reason(&verification)));
		return;
	case BACKSCATTER_VERDICT_COUNT:
		break;
	}
	i_unreached();
}

void backscatter_policy_reply(const struct backscatter_daemon *policy,
			      const struct backscatter_policy_result *result,
			      string_t *reply)
{
	switch (result->action) {
	case BACKSCATTER_POLICY_DUNNO:
		str_append(reply, "action=DUNNO\n\n");
		return;
	case BACKSCATTER_POLICY_REJECT:
		/* The text is checked printable ASCII by the settings */
		str_printfa(reply, "action=550 5.7.1 %s (%s)\n\n",
			    policy->set->policy_reject_text, result->what);
		return;
	}
	i_unreached();
}

static void
policy_log(const struct backscatter_daemon *policy,
	   const struct backscatter_policy_request *request,
	   const struct backscatter_policy_result *result)
{
	const char *rcpt, *client;

	rcpt = request->recipient == NULL ? "" :
		str_sanitize(request->recipient, 256);
	client = request->client_address == NULL ? "" :
		t_strdup_printf(" (client %s%s%s)",
			str_sanitize(request->client_address, 64),
			request->queue_id == NULL ||
			*request->queue_id == '\0' ? "" : ", queue id ",
			request->queue_id == NULL ? "" :
			str_sanitize(request->queue_id, 64));
	if (result->action == BACKSCATTER_POLICY_REJECT) {
		e_info(policy->event, "bounce to <%s> refused%s: %s", rcpt,
		       client, result->reason);
	} else if (result->log_info) {
		e_info(policy->event, "not judged, DUNNO%s: %s", client,
		       result->reason);
	} else {
		e_debug(policy->event, "<%s> DUNNO%s: %s", rcpt, client,
			result->reason);
	}
}

int backscatter_policy_input(const struct backscatter_daemon *policy,
			     const unsigned char *data, size_t size,
			     time_t now, string_t *reply, size_t *used_r)
{
	struct backscatter_policy_result result;
	size_t used, pos = 0;
	const char *error;
	string_t *one;
	int ret;

	/* As backscatter_socketmap_input(): each request in a data stack
	   frame of its own, its reply made in a heap buffer and appended
	   to reply outside that frame */
	one = str_new(default_pool, 128);
	for (;;) {
		T_BEGIN {
			struct backscatter_policy_request request;

			str_truncate(one, 0);
			ret = policy_request_parse(data + pos, size - pos,
						   &request, &used, &error);
			if (ret > 0) {
				backscatter_policy_decide(policy, &request,
							  now, &result);
				policy_log(policy, &request, &result);
				backscatter_policy_reply(policy, &result, one);
			} else if (ret < 0) {
				e_info(policy->event, "not judged, DUNNO: "
				       "protocol error: %s (closing the "
				       "connection)", error);
				str_append(one, "action=DUNNO\n\n");
			}
		} T_END;
		str_append_str(reply, one);
		if (ret <= 0)
			break;
		pos += used;
	}
	str_free(&one);
	*used_r = pos;
	return ret < 0 ? -1 : 0;
}

void backscatter_policy_input_truncated(const struct backscatter_daemon *policy,
					string_t *reply)
{
	e_info(policy->event, "not judged, DUNNO: connection closed within "
	       "a request");
	str_append(reply, "action=DUNNO\n\n");
}
