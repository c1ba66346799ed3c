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
#include "bounce-str.h"
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

BOUNCE_STR_TABLE_DEFINE(backscatter_triage_verdict,
			enum backscatter_triage_verdict,
			backscatter_triage_verdict_names,
			BACKSCATTER_TRIAGE_COUNT)

static const char *const backscatter_triage_cause_names[] = {
	[BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE] = "not_bounce",
	[BACKSCATTER_TRIAGE_CAUSE_FEEDBACK] = "feedback",
	[BACKSCATTER_TRIAGE_CAUSE_NOTIFICATION] = "notification",
	[BACKSCATTER_TRIAGE_CAUSE_ERROR] = "error",
	[BACKSCATTER_TRIAGE_CAUSE_TAG_VALID] = "tag_valid",
	[BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED] = "tag_forged",
	[BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED] = "tag_expired",
	[BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN] = "tag_unknown",
	[BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG] = "quoted_tag",
	[BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY] = "own_relay",
	[BACKSCATTER_TRIAGE_CAUSE_ENFORCED] = "enforced",
	[BACKSCATTER_TRIAGE_CAUSE_BEFORE_ENFORCEMENT] = "before_enforcement",
	[BACKSCATTER_TRIAGE_CAUSE_NOT_ENFORCED] = "not_enforced",
	[BACKSCATTER_TRIAGE_CAUSE_NOT_SIGN_DOMAIN] = "not_sign_domain",
};

const char *backscatter_triage_cause_to_str(enum backscatter_triage_cause cause)
{
	i_assert((unsigned int)cause <
		 N_ELEMENTS(backscatter_triage_cause_names));
	i_assert(backscatter_triage_cause_names[cause] != NULL);
	return backscatter_triage_cause_names[cause];
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

/* Did the reporting MTA receive the original from one of our relays?
   Only the topmost quoted Received header counts: the reporting MTA
   wrote it about its own hop, while every header below it came with the
   original, which in backscatter is the spammer's. */
static bool
triage_own_relay(const struct backscatter_triage_input *input, pool_t pool,
		 struct backscatter_triage *result)
{
	const struct bounce_original *orig = &input->report->original;
	struct received_relay_match match;
	const char *value;

	if (!input->report->original_found ||
	    !array_is_created(&input->set->parsed.own_relays) ||
	    !array_is_created(&orig->received) ||
	    array_count(&orig->received) == 0)
		return FALSE;
	value = array_idx_elem(&orig->received, 0);
	if (!received_relay_match(input->set, value, &match))
		return FALSE;
	result->relay = p_strdup(pool, match.relay->host != NULL ?
		match.relay->host : net_ip2addr(&match.relay->ip));
	result->relay_seen = p_strdup(pool, match.seen);
	return TRUE;
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
	const struct smtp_address *recipient;
	struct backscatter_tag_settings tag_set;
	struct backscatter_tag tag;
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
	/* The mailbox delivered to, never the address the verdict was
	   about (that may be an ORCPT nothing ties to it); the delivered
	   address may carry a tag itself, which did not decide */
	recipient = input->recipient;
	if (backscatter_tag_parse(recipient, tag_set.delimiters,
				  pool_datastack_create(), &tag,
				  &error) > 0)
		recipient = &tag.untagged;
	return strcmp(backscatter_address_mailbox(
			&result->quoted.tag.untagged, tag_set.delimiters),
		      backscatter_address_mailbox(recipient,
						  tag_set.delimiters)) == 0;
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

/* The date of a Received header: what follows its last ';' */
static bool triage_received_date(const char *value, time_t *time_r)
{
	const char *semicolon = value == NULL ? NULL : strrchr(value, ';');

	return semicolon != NULL && triage_parse_date(semicolon + 1, time_r);
}

/* When the bounced original was sent, as far as we can tell. The sender
   of a bounce writes all of it, but backscatter is written by an honest
   MTA about a spammer's message: the spammer chose the quoted Date, the
   reporting MTA wrote the Arrival-Date and the topmost Received header.
   So those come first, and the quoted Date only when the report has
   neither. Whatever the source, no bounce comes back later than a tag
   lives: a date further back counts as lifetime + grace days ago, and a
   date in the future as now. */
static void
triage_sent_day(const struct backscatter_triage_input *input,
		struct backscatter_triage *result)
{
	const struct bounce_report *report = input->report;
	const struct bounce_original *orig = &report->original;
	struct backscatter_tag_settings tag_set;
	time_t sent = input->now, earliest;

	if (triage_parse_date(report->arrival_date, &sent))
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD;
	else if (report->original_found &&
		 array_is_created(&orig->received) &&
		 array_count(&orig->received) > 0 &&
		 triage_received_date(array_idx_elem(&orig->received, 0),
				      &sent))
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_RECEIVED;
	else if (report->original_found &&
		 triage_parse_date(orig->date, &sent))
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_ORIGINAL;
	else
		result->sent_day_source = BACKSCATTER_TRIAGE_DATE_NOW;

	backscatter_settings_get_tag_settings(input->set, &tag_set);
	earliest = input->now - (time_t)(tag_set.lifetime_days +
		tag_set.grace_days) * BACKSCATTER_SECS_PER_DAY;
	if (sent > input->now)
		sent = input->now;
	else if (sent < earliest) {
		sent = earliest;
		result->sent_day_clamped = TRUE;
	}
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

/* The one proof a quoted original can give: its Return-Path carries a
   valid tag of ours for this very address */
static bool
triage_original_proof(const struct backscatter_triage_input *input,
		      pool_t pool, struct backscatter_triage *result)
{
	if (!input->report->original_found ||
	    !triage_quoted_tag(input, pool, result))
		return FALSE;
	triage_decide(result, BACKSCATTER_TRIAGE_LEGITIMATE,
		      BACKSCATTER_TRIAGE_CAUSE_QUOTED_TAG);
	return TRUE;
}

/* An untagged recipient that enforcement would call bogus stays unknown
   when the reporting MTA received the original from our relay: then it
   was our mail that left unsigned (a signer that was down), and what a
   spammer can plant below that header changes nothing */
static void
triage_unsigned(const struct backscatter_triage_input *input, pool_t pool,
		struct backscatter_triage *result)
{
	if (triage_original_proof(input, pool, result))
		return;
	triage_untagged(input, pool, result);
	if (result->verdict == BACKSCATTER_TRIAGE_BOGUS &&
	    triage_own_relay(input, pool, result)) {
		triage_decide(result, BACKSCATTER_TRIAGE_UNKNOWN,
			      BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY);
	}
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
	if (!bounce_kind_is_bounce(input->report->kind)) {
		triage_decide(result_r, BACKSCATTER_TRIAGE_NONE,
			      input->report->kind == BOUNCE_KIND_FEEDBACK ?
			      BACKSCATTER_TRIAGE_CAUSE_FEEDBACK :
			      BACKSCATTER_TRIAGE_CAUSE_NOT_BOUNCE);
		return;
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
		/* no keys, or a tag nothing ties to this mailbox */
		if (!triage_original_proof(input, pool, result_r)) {
			triage_decide(result_r, BACKSCATTER_TRIAGE_UNKNOWN,
				      BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN);
		}
		return;
	case BACKSCATTER_VERDICT_UNSIGNED:
		triage_unsigned(input, pool, result_r);
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

	const char *what = NULL;

	switch (result->sent_day_source) {
	case BACKSCATTER_TRIAGE_DATE_ORIGINAL:
		what = "the original is dated ";
		break;
	case BACKSCATTER_TRIAGE_DATE_ARRIVAL_FIELD:
		what = "the report says it arrived ";
		break;
	case BACKSCATTER_TRIAGE_DATE_RECEIVED:
		what = "the reporting MTA received it ";
		break;
	case BACKSCATTER_TRIAGE_DATE_NOW:
		what = "the bounce arrived ";
		break;
	}
	i_assert(what != NULL);
	return t_strconcat(what, result->sent_day_clamped ?
			   "no earlier than " : "", day, NULL);
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
	case BACKSCATTER_TRIAGE_CAUSE_TAG_UNKNOWN:
		return backscatter_verification_reason(rcpt);
	case BACKSCATTER_TRIAGE_CAUSE_OWN_RELAY:
		return t_strdup_printf("no tag, but the reporting MTA "
				       "received the original from our "
				       "relay %s (as %s)", result->relay,
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
