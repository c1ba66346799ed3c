/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The triage verdict: tag verdict + bounce analysis + policy. The rules
   and their order are in backscatter-triage.h. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "net.h"
#include "rfc822-parser.h"
#include "message-date.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-mac.h"
#include "backscatter-settings.h"
#include "backscatter-triage.h"

static const char *const backscatter_triage_verdict_names[] = {
	[BACKSCATTER_TRIAGE_NONE] = "none",
	[BACKSCATTER_TRIAGE_LEGITIMATE] = "legitimate",
	[BACKSCATTER_TRIAGE_BOGUS] = "bogus",
	[BACKSCATTER_TRIAGE_UNKNOWN] = "unknown",
};

const char *backscatter_triage_verdict_to_str(
	enum backscatter_triage_verdict verdict)
{
	i_assert(verdict < BACKSCATTER_TRIAGE_COUNT);
	return backscatter_triage_verdict_names[verdict];
}

bool backscatter_triage_verdict_from_str(
	const char *name, enum backscatter_triage_verdict *verdict_r)
{
	unsigned int i;

	for (i = 0; i < BACKSCATTER_TRIAGE_COUNT; i++) {
		if (strcasecmp(name, backscatter_triage_verdict_names[i]) == 0) {
			*verdict_r = (enum backscatter_triage_verdict)i;
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * Own relays in the quoted Received headers
 */

struct received_relay_match {
	const struct backscatter_relay *relay;
	const char *seen;
};

/* Does a host name or address literal that a Received header gives match
   one of our relays? Host names match whole and case-insensitively,
   addresses exactly: never a substring, so
   that evil-mx.example.com is not mx.example.com. */
static bool
received_host_match(const struct backscatter_settings *set, const char *seen,
		    struct received_relay_match *match_r)
{
	const struct backscatter_relay *relay;
	const char *name = seen;
	struct ip_addr ip;
	size_t len = strlen(name);
	bool is_ip;

	if (len > 2 && name[0] == '[' && name[len - 1] == ']') {
		name = t_strndup(name + 1, len - 2);
		if (strncasecmp(name, "IPv6:", 5) == 0)
			name += 5;
		is_ip = net_addr2ip(name, &ip) == 0;
		if (!is_ip)
			return FALSE;
	} else {
		is_ip = net_addr2ip(name, &ip) == 0;
	}
	array_foreach(&set->parsed.own_relays, relay) {
		if (relay->host == NULL ? is_ip && net_ip_compare(&ip, &relay->ip) :
		    !is_ip && strcasecmp(name, relay->host) == 0) {
			match_r->relay = relay;
			/* seen lives in the caller's token buffer, which the
			   next token overwrites */
			match_r->seen = t_strdup(seen);
			return TRUE;
		}
	}
	return FALSE;
}

/* The next token of a Received header: a dot-atom, a domain literal, a
   quoted string, or a single special character (returned as itself, so
   that "<" of a "for" path moves along). lib-mail parses a domain
   literal only after an '@', so it is handed one. Returns as the
   rfc822_parse_*() functions do. */
static int
received_next_token(struct rfc822_parser_context *parser, string_t *token)
{
	struct rfc822_parser_context literal;
	string_t *buf;
	int ret;

	str_truncate(token, 0);
	if (*parser->data == '"')
		return rfc822_parse_quoted_string(parser, token);
	if (IS_ATEXT(*parser->data))
		return rfc822_parse_dot_atom(parser, token);
	if (*parser->data != '[') {
		str_append_c(token, (char)*parser->data);
		parser->data++;
		return rfc822_skip_lwsp(parser);
	}
	buf = t_str_new(parser->end - parser->data + 1);
	str_append_c(buf, '@');
	str_append_data(buf, parser->data, parser->end - parser->data);
	rfc822_parser_init(&literal, str_data(buf), str_len(buf),
			   parser->last_comment);
	ret = rfc822_parse_domain(&literal, token);
	parser->data += (literal.data - str_data(buf)) - 1;
	rfc822_parser_deinit(&literal);
	return ret;
}

/* TCP-info, the comment after the "from" host (RFC 5321 4.4): host names
   and address literals, "(mx.example.com [192.0.2.25])". A comment that
   holds anything else is no TCP-info and proves nothing. */
static bool
received_tcp_info_match(const struct backscatter_settings *set,
			const string_t *comment,
			struct received_relay_match *match_r)
{
	struct rfc822_parser_context parser;
	struct received_relay_match match;
	string_t *token = t_str_new(64);
	bool found = FALSE;
	int ret;

	i_zero(&match);
	rfc822_parser_init(&parser, str_data(comment), str_len(comment), NULL);
	ret = rfc822_skip_lwsp(&parser);
	while (ret > 0) {
		if (!IS_ATEXT(*parser.data) && *parser.data != '[')
			return FALSE;
		ret = received_next_token(&parser, token);
		if (ret < 0)
			return FALSE;
		if (!found && received_host_match(set, str_c(token), &match))
			found = TRUE;
	}
	if (ret < 0 || !found)
		return FALSE;
	*match_r = match;
	return TRUE;
}

/* Looks for our relays in one quoted Received header: the host after
   "from" and its TCP-info comment, and the host after "by". The whole
   header up to the ";" before its date must parse. */
static bool
received_relay_match(const struct backscatter_settings *set,
		     const char *value, struct received_relay_match *match_r)
{
	struct rfc822_parser_context parser;
	struct received_relay_match match;
	string_t *token = t_str_new(128), *comment = t_str_new(128);
	enum { AFTER_NONE, AFTER_FROM, AFTER_BY } after = AFTER_NONE;
	bool found = FALSE;
	int ret;

	i_zero(&match);
	rfc822_parser_init(&parser, (const unsigned char *)value,
			   strlen(value), comment);
	ret = rfc822_skip_lwsp(&parser);
	while (ret > 0 && *parser.data != ';') {
		bool host_token = IS_ATEXT(*parser.data) ||
			*parser.data == '[';

		str_truncate(comment, 0);
		ret = received_next_token(&parser, token);
		if (ret < 0)
			break;
		if (after != AFTER_NONE && host_token && !found) {
			found = received_host_match(set, str_c(token),
						    &match);
			if (!found && after == AFTER_FROM &&
			    str_len(comment) > 0) {
				found = received_tcp_info_match(set, comment,
								&match);
			}
		}
		if (strcasecmp(str_c(token), "from") == 0 && host_token)
			after = AFTER_FROM;
		else if (strcasecmp(str_c(token), "by") == 0 && host_token)
			after = AFTER_BY;
		else
			after = AFTER_NONE;
	}
	/* ret > 0 here means the loop stopped at ';' */
	if (ret <= 0 || !found)
		return FALSE;
	*match_r = match;
	return TRUE;
}

static bool
triage_own_relay(const struct backscatter_triage_input *input, pool_t pool,
		 struct backscatter_triage *result)
{
	const struct bounce_original *orig = &input->report->original;
	struct received_relay_match match;
	const char *value;
	unsigned int i = 0;

	if (!array_is_created(&input->set->parsed.own_relays) ||
	    !array_is_created(&orig->received))
		return FALSE;
	array_foreach_elem(&orig->received, value) {
		i++;
		if (received_relay_match(input->set, value, &match)) {
			result->relay = p_strdup(pool, match.relay->host != NULL ?
				match.relay->host : net_ip2addr(&match.relay->ip));
			result->relay_seen = p_strdup(pool, match.seen);
			result->received_index = i;
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * A tag on the quoted Return-Path
 */

/* Only a valid tag for the recipient's own address counts: a genuine
   bounce quotes the return path that was signed for the one it now goes
   back to, and a tagged return path copied from someone else's mail
   proves nothing about this recipient. */
static bool
triage_quoted_tag(const struct backscatter_triage_input *input, pool_t pool,
		  struct backscatter_triage *result)
{
	const char *return_path = input->report->original.return_path;
	struct backscatter_tag_settings tag_set;
	struct smtp_address *address;
	const char *error;

	if (return_path == NULL || input->keyring == NULL ||
	    input->recipient == NULL || input->recipient->domain == NULL)
		return FALSE;
	if (smtp_address_parse_path(pool_datastack_create(),
				    t_str_trim(return_path, " \t"),
				    SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL,
				    &address, &error) < 0 ||
	    address->domain == NULL)
		return FALSE;
	backscatter_settings_get_tag_settings(input->set, &tag_set);
	backscatter_verify(input->keyring, &tag_set, address, input->now,
			   pool, &result->quoted);
	if (result->quoted.verdict != BACKSCATTER_VERDICT_VALID)
		return FALSE;
	/* the recipient may be tagged itself (then its tag was not valid,
	   or we would not be here): compare what is under the tags */
	return strcmp(backscatter_canonical_address(
			&result->quoted.tag.untagged),
		      backscatter_canonical_address(
			input->recipient_verification->tagged ?
			&input->recipient_verification->tag.untagged :
			input->recipient)) == 0;
}

/*
 * Enforcement of tags for untagged recipients
 */

static bool triage_parse_date(const char *value, time_t *time_r)
{
	int tz;

	return value != NULL &&
		message_date_parse((const unsigned char *)value, strlen(value),
				   time_r, &tz);
}

/* When the bounced original was sent, as far as we can tell */
static void
triage_sent_day(const struct backscatter_triage_input *input,
		struct backscatter_triage *result)
{
	const struct bounce_report *report = input->report;
	time_t sent = input->now;

	if (report->original_found &&
	    triage_parse_date(report->original.date, &sent))
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_ORIGINAL;
	else if (triage_parse_date(report->arrival_date, &sent))
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD;
	else
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_NOW;
	/* a date in the future would only bring enforcement forward */
	if (sent > input->now)
		sent = input->now;
	result->sent_day = backscatter_day_of(sent);
}

static void
triage_untagged(const struct backscatter_triage_input *input, pool_t pool,
		struct backscatter_triage *result)
{
	const struct backscatter_settings *set = input->set;
	const char *domain = input->recipient == NULL ? NULL :
		input->recipient->domain;

	result->verdict = BACKSCATTER_TRIAGE_UNKNOWN;
	result->domain = p_strdup(pool, domain);
	if (!set->parsed.enforce) {
		result->cause = BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED;
		return;
	}
	if (domain == NULL ||
	    !backscatter_settings_is_sign_domain(set, domain)) {
		result->cause = BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN;
		return;
	}
	result->enforce_since_day = set->parsed.enforce_since_day;
	triage_sent_day(input, result);
	if (result->sent_day < set->parsed.enforce_since_day) {
		result->cause = BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT;
		return;
	}
	result->verdict = BACKSCATTER_TRIAGE_BOGUS;
	result->cause = BACKSCATTER_TRIAGE_CAUSE_ENFORCED;
}

/*
 * The rules
 */

static void
triage_decide(struct backscatter_triage *result,
	      enum backscatter_triage_verdict verdict,
	      enum backscatter_triage_cause cause)
{
	result->verdict = verdict;
	result->cause = cause;
}

/* What the original proves, when the recipient's tag did not decide */
static bool
triage_original_proof(const struct backscatter_triage_input *input,
		      pool_t pool, struct backscatter_triage *result)
{
	if (!input->report->original_found)
		return FALSE;
	if (triage_own_relay(input, pool, result)) {
		triage_decide(result, BACKSCATTER_TRIAGE_LEGITIMATE,
			      BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY);
		return TRUE;
	}
	if (triage_quoted_tag(input, pool, result)) {
		triage_decide(result, BACKSCATTER_TRIAGE_LEGITIMATE,
			      BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG);
		return TRUE;
	}
	return FALSE;
}

void backscatter_triage(const struct backscatter_triage_input *input,
			pool_t pool, struct backscatter_triage *result_r)
{
	const struct backscatter_verification *rcpt =
		input->recipient_verification;

	i_assert(input->set != NULL);
	i_zero(result_r);
	result_r->recipient_verification = rcpt;

	if (input->report == NULL) {
		triage_decide(result_r, BACKSCATTER_TRIAGE_UNKNOWN,
			      BACKSCATTER_TRIAGE_CAUSE_ERROR);
		result_r->error = "the message could not be analysed";
		return;
	}
	if (input->report->subscribed_notification &&
	    input->report->kind != BOUNCE_KIND_NONE) {
		triage_decide(result_r, BACKSCATTER_TRIAGE_NONE,
			      BACKSCATTER_TRIAGE_CAUSE_NOTIFICATION);
		return;
	}
	switch (input->report->kind) {
	case BOUNCE_KIND_NONE:
		triage_decide(result_r, BACKSCATTER_TRIAGE_NONE,
			      BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE);
		return;
	case BOUNCE_KIND_FEEDBACK:
		triage_decide(result_r, BACKSCATTER_TRIAGE_NONE,
			      BACKSCATTER_TRIAGE_CAUSE_FEEDBACK);
		return;
	case BOUNCE_KIND_DSN:
	case BOUNCE_KIND_MTA:
	case BOUNCE_KIND_AUTOREPLY:
		break;
	case BOUNCE_KIND_COUNT:
		i_unreached();
	}
	if (rcpt == NULL) {
		triage_decide(result_r, BACKSCATTER_TRIAGE_UNKNOWN,
			      BACKSCATTER_TRIAGE_CAUSE_ERROR);
		result_r->error = "the recipient could not be verified";
		return;
	}

	switch (rcpt->verdict) {
	case BACKSCATTER_VERDICT_VALID:
		triage_decide(result_r, BACKSCATTER_TRIAGE_LEGITIMATE,
			      BACKSCATTER_TRIAGE_CAUSE_TAG_VALID);
		return;
	case BACKSCATTER_VERDICT_FORGED:
		triage_decide(result_r, BACKSCATTER_TRIAGE_BOGUS,
			      BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED);
		return;
	case BACKSCATTER_VERDICT_EXPIRED:
		triage_decide(result_r, BACKSCATTER_TRIAGE_BOGUS,
			      BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED);
		return;
	case BACKSCATTER_VERDICT_UNKNOWN:
		/* without keys only the relays can still prove it */
		if (!triage_original_proof(input, pool, result_r)) {
			triage_decide(result_r, BACKSCATTER_TRIAGE_UNKNOWN,
				      BACKSCATTER_TRIAGE_CAUSE_NO_KEYS);
		}
		return;
	case BACKSCATTER_VERDICT_UNSIGNED:
		if (!triage_original_proof(input, pool, result_r))
			triage_untagged(input, pool, result_r);
		return;
	case BACKSCATTER_VERDICT_COUNT:
		break;
	}
	i_unreached();
}

/*
 * Evidence
 */

static const char *
triage_sent_day_str(const struct backscatter_triage *result)
{
	const char *day = backscatter_day_to_str(result->sent_day);

	switch (result->sent_day_source) {
	case BACKSCATTER_TRIAGE_DATE_ORIGINAL:
		return t_strconcat("the original is dated ", day, NULL);
	case BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD:
		return t_strconcat("the report says it arrived ", day, NULL);
	case BACKSCATTER_TRIAGE_DATE_NOW:
		return t_strconcat("the bounce arrived ", day, NULL);
	}
	i_unreached();
}

const char *backscatter_triage_evidence(const struct backscatter_triage *result)
{
	const struct backscatter_verification *rcpt =
		result->recipient_verification;

	switch (result->cause) {
	case BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE:
		return "not a bounce";
	case BACKSCATTER_TRIAGE_CAUSE_FEEDBACK:
		return "a feedback report, not a bounce of our mail";
	case BACKSCATTER_TRIAGE_CAUSE_NOTIFICATION:
		return "a notification to its subscriber, not a bounce "
			"returned to our return path";
	case BACKSCATTER_TRIAGE_CAUSE_ERROR:
		return result->error;
	case BACKSCATTER_TRIAGE_CAUSE_TAG_VALID:
	case BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED:
	case BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED:
		return t_strdup_printf("recipient %s: %s",
			backscatter_verdict_to_str(rcpt->verdict),
			backscatter_verification_reason(rcpt));
	case BACKSCATTER_TRIAGE_CAUSE_NO_KEYS:
		return backscatter_verification_reason(rcpt);
	case BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY:
		return t_strdup_printf("quoted Received header %u names our "
				       "relay %s (as %s)",
				       result->received_index, result->relay,
				       result->relay_seen);
	case BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG:
		return t_strdup_printf("quoted Return-Path: %s",
			backscatter_verification_reason(&result->quoted));
	case BACKSCATTER_TRIAGE_CAUSE_ENFORCED:
		return t_strdup_printf("no tag, and %s is signed since %s; %s",
			result->domain,
			backscatter_day_to_str(result->enforce_since_day),
			triage_sent_day_str(result));
	case BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT:
		return t_strdup_printf("no tag, but %s, before enforcement "
				       "began %s", triage_sent_day_str(result),
				       backscatter_day_to_str(
					result->enforce_since_day));
	case BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED:
		return "no tag, and tags are not enforced";
	case BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN:
		return t_strdup_printf("no tag, and %s is no sign domain",
			result->domain == NULL ? "the recipient's domain" :
			result->domain);
	}
	i_unreached();
}
