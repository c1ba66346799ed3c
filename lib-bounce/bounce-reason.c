/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "bounce-str.h"
#include "bounce-phrases.h"
#include "bounce-reason.h"

#include <ctype.h>

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
	unsigned int idx;

	if (!bounce_str_table_lookup(bounce_reason_names,
				     BOUNCE_REASON_COUNT, name, &idx))
		return FALSE;
	*reason_r = (enum bounce_reason)idx;
	return TRUE;
}

/* What the reasons mean for the address: a hard bounce says the address
   itself is dead, so only these can be hard */
static const enum bounce_reason hard_reasons[] = {
	BOUNCE_REASON_USERUNKNOWN,
	BOUNCE_REASON_HOSTUNKNOWN,
	BOUNCE_REASON_HASMOVED,
	BOUNCE_REASON_NOTACCEPT,
};

/* Diagnostic phrases, lower-case, tried in order: the first one found in
   the diagnostic decides. More specific phrases come before the general
   ones they contain ("sender address rejected" before "rejected"). */
struct reason_phrase {
	enum bounce_reason reason;
	const char *phrase;
};

static const struct reason_phrase reason_phrases[] = {
#define R(reason, phrase) { BOUNCE_REASON_##reason, phrase }
	/* the sender's own side */
	R(REQUIREPTR, "reverse dns"),
	R(REQUIREPTR, "reverse hostname"),
	R(REQUIREPTR, "reverse lookup"),
	R(REQUIREPTR, "no ptr record"),
	R(REQUIREPTR, "ptr record"),
	R(REQUIREPTR, "cannot find your hostname"),
	R(REQUIREPTR, "cannot resolve your address"),
	R(REQUIREPTR, "does not resolve to your ip"),
	R(REQUIREPTR, "unresolvable"),
	R(REQUIREPTR, "no rdns"),
	R(REQUIREPTR, "rdns record"),
	R(REQUIREPTR, "client host rejected: cannot find your"),
	R(REQUIREPTR, "ip name lookup failed"),
	R(AUTHFAILURE, "spf check failed"),
	R(AUTHFAILURE, "spf fail"),
	R(AUTHFAILURE, "spf validation"),
	R(AUTHFAILURE, "sender policy framework"),
	R(AUTHFAILURE, "dmarc"),
	/* a malformed header, not a failed signature */
	R(CONTENTERROR, "duplicate header"),
	R(NOTCOMPLIANTRFC, "multiple addresses in from"),
	R(SPAMDETECTED, "spam classification"),
	R(REQUIREPTR, "mismatches client ip"),
	R(AUTHFAILURE, "dkim"),
	R(AUTHFAILURE, "is not authorized to send"),
	R(AUTHFAILURE, "not allowed to send from"),
	R(AUTHFAILURE, "spf"),
	R(AUTHFAILURE, "not authorized to send on behalf"),
	R(BADREPUTATION, "poor reputation"),
	R(BADREPUTATION, "bad reputation"),
	R(BADREPUTATION, "low reputation"),
	R(BADREPUTATION, "ip reputation"),
	R(BADREPUTATION, "sender reputation"),
	R(SECURITYERROR, "must issue a starttls"),
	R(SECURITYERROR, "starttls"),
	R(SECURITYERROR, "tls required"),
	R(SECURITYERROR, "encryption required"),
	R(SECURITYERROR, "authentication required"),
	R(SECURITYERROR, "authentication is required"),
	R(SECURITYERROR, "submission requires authentication"),
	R(SECURITYERROR, "unauthenticated senders not allowed"),
	R(SECURITYERROR, "smtp authentication"),
	R(NORELAYING, "relay access denied"),
	R(NORELAYING, "relaying denied"),
	R(NORELAYING, "relay not permitted"),
	R(NORELAYING, "not permitted to relay"),
	R(NORELAYING, "unable to relay"),
	R(NORELAYING, "we do not relay"),
	R(NORELAYING, "relaying not allowed"),
	R(NORELAYING, "not a gateway"),
	R(NORELAYING, "no relaying"),
	R(REJECTED, "sender address rejected"),
	R(REJECTED, "sender was rejected"),
	R(REJECTED, "sender rejected"),
	R(REJECTED, "sender verify failed"),
	R(REJECTED, "domain of sender address"),
	R(REJECTED, "sender domain"),
	R(REJECTED, "envelope sender"),
	R(REJECTED, "invalid sender"),
	R(REJECTED, "sender is not allowed"),
	R(REJECTED, "mail from address"),
	R(REJECTED, "unknown sender"),
	R(REJECTED, "not allowed to post"),
	R(REJECTED, "you do not have permission to post"),
	R(REJECTED, "does not have permission to post"),
	R(REJECTED, "the group you tried to contact"),
	R(REJECTED, "are not member"),
	R(TOOMANYCONN, "too many connections"),
	R(TOOMANYCONN, "too many simultaneous"),
	R(TOOMANYCONN, "too many concurrent"),
	R(TOOMANYCONN, "connection rate limit"),
	R(TOOMANYCONN, "too many smtp sessions"),
	/* Gmail: "is receiving mail at a rate that prevents additional
	   messages from being delivered" */
	R(SPEEDING, "receiving mail at a rate"),
	R(SPEEDING, "rate limited"),
	R(SPEEDING, "rate limit exceeded"),
	R(SPEEDING, "sending rate"),
	R(SPEEDING, "too many messages"),
	R(SPEEDING, "temporarily deferred due to unexpected volume"),
	/* Microsoft's directory-based edge blocking: no such user */
	R(USERUNKNOWN, "recipient address rejected: access denied"),
	/* "550 5.7.1 Access denied", with no more said: the sender */
	R(REJECTED, "access denied"),
	R(SUSPEND, "account is blocked"),
	R(BLOCKED, "invalid ip for sending"),
	/* Yahoo: "The account or domain may not exist, they may be
	   blacklisted, or ...": the first guess first */
	R(HOSTUNKNOWN, "account or domain may not exist"),
	/* a URI block list judges the content */
	R(SPAMDETECTED, "blacklisted url"),
	R(BLOCKED, "blacklisted"),
	R(BLOCKED, "blocklisted"),
	R(BLOCKED, "block list"),
	R(BLOCKED, "blocklist"),
	R(BLOCKED, "blacklist"),
	R(BLOCKED, "dnsbl"),
	R(BLOCKED, "rbl"),
	R(BLOCKED, "spamhaus"),
	R(BLOCKED, "spamcop"),
	/* Lotus Notes: "User not listed in public Name & Address Book" */
	R(USERUNKNOWN, "not listed in"),
	R(BLOCKED, "listed in"),
	R(BLOCKED, "client host rejected"),
	R(BLOCKED, "not accepting connections"),
	R(TOOMANYCONN, "frequency limited"),
	R(BLOCKED, "your ip"),
	R(BLOCKED, "smtp server of your isp"),
	R(BLOCKED, "refused to talk to me"),
	R(BLOCKED, "connection refused by"),
	R(BLOCKED, "has been blocked"),
	R(BLOCKED, "is blocked"),
	R(BLOCKED, "blocked"),
	/* the message */
	R(VIRUSDETECTED, "virus"),
	R(VIRUSDETECTED, "malware"),
	R(VIRUSDETECTED, "infected"),
	R(SPAMDETECTED, "spam"),
	R(SPAMDETECTED, "junk mail"),
	R(SPAMDETECTED, "unsolicited"),
	R(SPAMDETECTED, "bulk mail"),
	R(MESGTOOBIG, "message size exceeds"),
	R(MESGTOOBIG, "message too large"),
	R(MESGTOOBIG, "message too big"),
	R(MESGTOOBIG, "message is too large"),
	R(MESGTOOBIG, "message is too big"),
	R(MESGTOOBIG, "size limit"),
	R(MESGTOOBIG, "exceeds the maximum size"),
	R(MESGTOOBIG, "exceeds maximum message size"),
	R(MESGTOOBIG, "message length exceeds"),
	R(MESGTOOBIG, "line limit exceeded"),
	R(EXCEEDLIMIT, "header size exceeds"),
	/* Sisimai counts a recipient limit among connection limits */
	R(TOOMANYCONN, "too many recipients"),
	R(EXCEEDLIMIT, "recipient limit"),
	R(NOTCOMPLIANTRFC, "rfc 5322"),
	R(NOTCOMPLIANTRFC, "rfc5322"),
	R(NOTCOMPLIANTRFC, "rfc 2822"),
	R(NOTCOMPLIANTRFC, "rfc2822"),
	R(NOTCOMPLIANTRFC, "not rfc compliant"),
	R(NOTCOMPLIANTRFC, "multiple addresses in from"),
	R(NOTCOMPLIANTRFC, "duplicate header"),
	/* "Message content rejected, UBE": unsolicited bulk email */
	R(SPAMDETECTED, "message content rejected"),
	R(CONTENTERROR, "illegal character"),
	R(CONTENTERROR, "invalid mime"),
	R(CONTENTERROR, "header error"),
	R(CONTENTERROR, "message header"),
	R(CONTENTERROR, "content rejected"),
	R(POLICYVIOLATION, "policy violation"),
	R(POLICYVIOLATION, "violates"),
	R(POLICYVIOLATION, "violation of"),
	R(POLICYVIOLATION, "prohibited"),
	R(POLICYVIOLATION, "by policy"),
	R(POLICYVIOLATION, "local policy"),
	R(POLICYVIOLATION, "policy reasons"),
	/* the recipient */
	R(HASMOVED, "has moved"),
	R(HASMOVED, "address has changed"),
	R(HASMOVED, "is no longer valid"),
	R(HASMOVED, "no longer in use"),
	R(SUSPEND, "account disabled"),
	R(SUSPEND, "mailbox is frozen"),
	R(SUSPEND, "account is locked"),
	R(SUSPEND, "temporary locked"),
	R(SUSPEND, "temporarily locked"),
	R(SUSPEND, "account has been disabled"),
	R(SUSPEND, "account is disabled"),
	R(SUSPEND, "mailbox disabled"),
	R(SUSPEND, "mailbox is disabled"),
	R(SUSPEND, "account is inactive"),
	R(SUSPEND, "inactive account"),
	R(SUSPEND, "account is suspended"),
	R(SUSPEND, "suspended"),
	R(SUSPEND, "deactivated"),
	R(SUSPEND, "is disabled"),
	R(SUSPEND, "account expired"),
	/* "Requested action not taken: mailbox unavailable" is how
	   Microsoft says the mailbox does not exist */
	R(USERUNKNOWN, "mailbox unavailable"),
	R(MAILBOXFULL, "mailbox full"),
	R(MAILBOXFULL, "mailbox is full"),
	R(MAILBOXFULL, "mailbox size limit"),
	R(MAILBOXFULL, "over quota"),
	R(MAILBOXFULL, "overquota"),
	R(MAILBOXFULL, "quota exceeded"),
	R(MAILBOXFULL, "exceeded storage"),
	R(MAILBOXFULL, "exceeds mailbox"),
	R(MAILBOXFULL, "disk quota"),
	R(MAILBOXFULL, "mail quota"),
	R(MAILBOXFULL, "storage quota"),
	R(MAILBOXFULL, "quota"),
	R(MAILBOXFULL, "too much mail data"),
	R(MAILBOXFULL, "mailfolder is full"),
	R(MAILBOXFULL, "mailbox exceeds"),
	R(MAILBOXFULL, "insufficient space"),
	R(SYSTEMFULL, "insufficient system storage"),
	R(SYSTEMFULL, "disk full"),
	R(SYSTEMFULL, "out of disk"),
	R(SYSTEMFULL, "no space left"),
	R(SYSTEMFULL, "insufficient disk space"),
	R(SYSTEMERROR, "queue file write error"),
	R(HOSTUNKNOWN, "domain does not exist"),
	R(HOSTUNKNOWN, "domain may not exist"),
	R(HOSTUNKNOWN, "domain is not reachable"),
	R(HOSTUNKNOWN, "unrouteable address"),
	R(HOSTUNKNOWN, "bad destination system"),
	R(NOTACCEPT, "no smtp service"),
	R(NOTACCEPT, "not accepting network messages"),
	R(MAILERERROR, "mailer error"),
	R(SYSTEMERROR, "internal system error"),
	R(USERUNKNOWN, "user unknown"),
	R(USERUNKNOWN, "unknown user"),
	R(USERUNKNOWN, "no such user"),
	R(USERUNKNOWN, "user not found"),
	R(USERUNKNOWN, "user doesn't exist"),
	R(USERUNKNOWN, "user does not exist"),
	R(USERUNKNOWN, "user not exist"),
	R(USERUNKNOWN, "unknown recipient"),
	R(USERUNKNOWN, "recipient unknown"),
	R(USERUNKNOWN, "recipient not found"),
	R(USERUNKNOWN, "no such recipient"),
	R(USERUNKNOWN, "invalid recipient"),
	R(USERUNKNOWN, "no valid recipients"),
	R(USERUNKNOWN, "no such mailbox"),
	R(USERUNKNOWN, "mailbox not found"),
	R(USERUNKNOWN, "mailbox does not exist"),
	R(USERUNKNOWN, "mailbox unknown"),
	R(USERUNKNOWN, "invalid mailbox"),
	R(USERUNKNOWN, "bad destination mailbox"),
	R(USERUNKNOWN, "no mailbox"),
	R(USERUNKNOWN, "unknown address"),
	R(USERUNKNOWN, "address unknown"),
	R(USERUNKNOWN, "account does not exist"),
	R(USERUNKNOWN, "does not exist"),
	R(USERUNKNOWN, "unknown local part"),
	R(USERUNKNOWN, "not a valid mailbox"),
	R(USERUNKNOWN, "recipient name is not recognized"),
	R(USERUNKNOWN, "is not a valid"),
	R(USERUNKNOWN, "no such person"),
	R(USERUNKNOWN, "user is unknown"),
	R(USERUNKNOWN, "unknown or illegal alias"),
	R(USERUNKNOWN, "address is not"),
	R(USERUNKNOWN, "user doesn't have a"),
	R(USERUNKNOWN, "not a registered"),
	R(USERUNKNOWN, "invalid final delivery userid"),
	R(NOTACCEPT, "does not accept mail"),
	R(NOTACCEPT, "does not accept email"),
	R(NOTACCEPT, "null mx"),
	R(NOTACCEPT, "not accepting mail"),
	R(HOSTUNKNOWN, "host unknown"),
	R(HOSTUNKNOWN, "unknown host"),
	R(HOSTUNKNOWN, "host not found"),
	R(HOSTUNKNOWN, "domain not found"),
	R(HOSTUNKNOWN, "no such domain"),
	R(HOSTUNKNOWN, "unrouteable mail domain"),
	R(HOSTUNKNOWN, "unknown domain"),
	R(HOSTUNKNOWN, "name or service not known"),
	R(HOSTUNKNOWN, "domain name not found"),
	R(HOSTUNKNOWN, "all relevant mx records point to non-existent hosts"),
	R(HOSTUNKNOWN, "no mx record"),
	R(HOSTUNKNOWN, "nxdomain"),
	/* the systems between */
	R(MAILERERROR, "mailer error"),
	R(MAILERERROR, "command died with status"),
	R(MAILERERROR, "command output:"),
	R(MAILERERROR, "x-unix;"),
	R(MAILERERROR, "pipe to |"),
	R(MAILERERROR, "procmail"),
	R(NETWORKERROR, "mail loop"),
	R(NETWORKERROR, "loops back to myself"),
	R(NETWORKERROR, "too many hops"),
	R(NETWORKERROR, "hop count exceeded"),
	R(NETWORKERROR, "routing loop"),
	/* qmail gives up on a host it never reached: the reason is the
	   network, though the message also waited too long */
	R(NETWORKERROR, "able to establish an smtp connection"),
	R(EXPIRED, "retry timeout exceeded"),
	R(EXPIRED, "retry time not reached"),
	R(EXPIRED, "delivery time expired"),
	R(EXPIRED, "message expired"),
	R(EXPIRED, "has been delayed"),
	R(EXPIRED, "could not be delivered within"),
	R(EXPIRED, "not delivered within"),
	R(EXPIRED, "was not delivered for"),
	R(EXPIRED, "cannot send message for"),
	R(EXPIRED, "giving up"),
	R(EXPIRED, "message timed out"),
	R(EXPIRED, "queue too long"),
	R(EXPIRED, "too long in queue"),
	R(EXPIRED, "failing for a long time"),
	R(EXPIRED, "will be retried for"),
	R(NETWORKERROR, "connection timed out"),
	R(NETWORKERROR, "timed out"),
	R(NETWORKERROR, "connection refused"),
	R(NETWORKERROR, "network is unreachable"),
	R(NETWORKERROR, "host not reachable"),
	R(NETWORKERROR, "host unreachable"),
	R(NETWORKERROR, "no route to host"),
	R(NETWORKERROR, "lost connection"),
	R(NETWORKERROR, "could not connect"),
	R(NETWORKERROR, "unable to connect"),
	R(NETWORKERROR, "connection reset"),
	R(NETWORKERROR, "dns error"),
	R(SYNTAXERROR, "syntax error"),
	R(SYNTAXERROR, "malformed address"),
	R(SYNTAXERROR, "incorrectly constructed"),
	R(SYNTAXERROR, "command unrecognized"),
	R(SYNTAXERROR, "unrecognized command"),
	R(SYNTAXERROR, "not implemented"),
	R(SYSTEMERROR, "system error"),
	R(SYSTEMERROR, "internal error"),
	R(SYSTEMERROR, "server error"),
	R(SYSTEMERROR, "local configuration error"),
	R(SYSTEMERROR, "local error"),
	R(SYSTEMERROR, "temporary failure"),
	R(SYSTEMERROR, "temporarily unavailable"),
	R(SYSTEMERROR, "service currently unavailable"),
	R(SYSTEMERROR, "could not load"),
	R(FILTERED, "filtered"),
	R(FILTERED, "delivery not authorized"),
	R(FILTERED, "rejected by the recipient"),
	R(FILTERED, "refused by the recipient"),
	R(FILTERED, "due to recipient preferences"),
	R(USERUNKNOWN, "recipient address rejected"),
#undef R
};

/* Words that say little on their own: tried only when neither a phrase
   above nor the status code said why */
static const struct reason_phrase weak_reason_phrases[] = {
	{ BOUNCE_REASON_USERUNKNOWN, "address rejected" },
	{ BOUNCE_REASON_REJECTED, "rejected" },
	{ BOUNCE_REASON_REJECTED, "refused" },
};

/* Status codes that say why on their own (RFC 3463, and the enhanced
   codes of RFC 7372 and Microsoft's), tried when no phrase matched.
   A code with detail 0 stands for its whole subject. */
static const struct {
	const char *status;
	enum bounce_reason reason;
} reason_statuses[] = {
#define S(status, reason) { status, BOUNCE_REASON_##reason }
	S("1.1", USERUNKNOWN),
	S("1.2", HOSTUNKNOWN),
	S("1.3", USERUNKNOWN),
	S("1.4", USERUNKNOWN),
	S("1.6", HASMOVED),
	S("1.7", REJECTED),
	S("1.8", REJECTED),
	S("1.10", NOTACCEPT),
	S("2.1", SUSPEND),
	S("2.2", MAILBOXFULL),
	S("2.3", EXCEEDLIMIT),
	S("2.4", MAILERERROR),
	S("3.1", SYSTEMFULL),
	S("3.2", NOTACCEPT),
	S("3.4", MESGTOOBIG),
	S("3.5", SYSTEMERROR),
	S("4.1", NETWORKERROR),
	S("4.2", NETWORKERROR),
	S("4.3", SYSTEMERROR),
	S("4.4", HOSTUNKNOWN),
	S("4.6", NETWORKERROR),
	S("4.7", EXPIRED),
	S("5.3", EXCEEDLIMIT),
	S("5.0", SYNTAXERROR),
	S("5.1", SYNTAXERROR),
	S("5.2", SYNTAXERROR),
	S("5.4", SYNTAXERROR),
	S("6.0", CONTENTERROR),
	S("6.1", CONTENTERROR),
	S("7.1", BLOCKED),
	S("7.7", SECURITYERROR),
	S("7.8", SECURITYERROR),
	S("7.9", SECURITYERROR),
	S("7.13", SUSPEND),
	S("7.14", SECURITYERROR),
	S("7.20", AUTHFAILURE),
	S("7.21", AUTHFAILURE),
	S("7.22", AUTHFAILURE),
	S("7.23", AUTHFAILURE),
	S("7.24", AUTHFAILURE),
	S("7.25", REQUIREPTR),
	S("7.26", AUTHFAILURE),
	S("7.27", NOTACCEPT),
	S("7.0", SECURITYERROR),
#undef S
};

static bool reason_is_hard(enum bounce_reason reason)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(hard_reasons); i++) {
		if (hard_reasons[i] == reason)
			return TRUE;
	}
	return FALSE;
}

static bool status_says_little(const struct bounce_status *status);

/* Returns TRUE when the status at p follows a reply code, as a server
   words it: "550 5.1.1", "550-'5.2.2" */
static bool status_follows_reply_code(const char *text, const char *p)
{
	if (p > text && (p[-1] == '\'' || p[-1] == '"'))
		p--;
	return p - text >= 4 && (p[-1] == ' ' || p[-1] == '-') &&
		(p[-4] == '4' || p[-4] == '5') &&
		i_isdigit(p[-3]) && i_isdigit(p[-2]) &&
		(p - text == 4 || !i_isalnum(p[-5]));
}

/* The RFC 3463 status code of a failure in text ("... 550 5.1.1 <x>
   ..."), standing alone: a transcript may quote a success first ("250
   2.1.5 Ok"), and an MTA's "4.4.7 Message expired" or "5.1.0 - Unknown
   address error" may quote the server's own "421 4.4.2 Connection timed
   out" after it. So the first failure's code that says more than x.0.0
   or x.4.7, the server's (after its reply code) before the MTA's; else
   the first failure's; else the first code. */
static bool find_status(const char *text, struct bounce_status *status_r)
{
	struct bounce_status status, first, first_failure, first_telling;
	const char *p, *end;

	i_zero(&first);
	i_zero(&first_failure);
	i_zero(&first_telling);
	for (p = text; *p != '\0'; p++) {
		if (p > text && (i_isalnum(p[-1]) || p[-1] == '.'))
			continue;
		end = bounce_status_parse_prefix(p, &status);
		if (end == NULL || i_isalnum(*end) || *end == '.')
			continue;
		if (first.class == 0)
			first = status;
		if (status.class == 2)
			continue;
		if (status_says_little(&status)) {
			if (first_failure.class == 0)
				first_failure = status;
			continue;
		}
		if (status_follows_reply_code(text, p)) {
			*status_r = status;
			return TRUE;
		}
		if (first_telling.class == 0)
			first_telling = status;
	}
	*status_r = first_telling.class != 0 ? first_telling :
		first_failure.class != 0 ? first_failure : first;
	return status_r->class != 0;
}

/* The SMTP reply code the diagnostic quotes: three digits, 2-5 first,
   standing alone ("550 ", "550-", "said: 550"); a failure's (4xx, 5xx)
   before any other, as a transcript quotes successes first */
static const char *find_reply_code(const char *text)
{
	const char *p, *first = NULL;

	for (p = text; *p != '\0'; p++) {
		if (*p < '2' || *p > '5' || !i_isdigit(p[1]) ||
		    !i_isdigit(p[2]) || p[1] > '5' ||
		    (p > text && (i_isalnum(p[-1]) || p[-1] == '.' ||
				  p[-1] == '-' || p[-1] == ':' ||
				  p[-1] == '[' || p[-1] == '#')))
			continue;
		/* "550 ", "550-", Yahoo's "550:", Zoho's "550," */
		if (p[3] != ' ' && p[3] != '-' && p[3] != ':' && p[3] != ',' &&
		    p[3] != '\0')
			continue;
		if (*p == '4' || *p == '5')
			return t_strndup(p, 3);
		if (first == NULL)
			first = p;
	}
	return first == NULL ? NULL : t_strndup(first, 3);
}

static enum bounce_reason
reason_from_status(const struct bounce_status *status)
{
	const char *subject = strchr(status->str, '.') + 1;
	unsigned int i;

	/* the whole "subject.detail" first, then its subject */
	for (i = 0; i < N_ELEMENTS(reason_statuses); i++) {
		if (strcmp(subject, reason_statuses[i].status) == 0)
			return reason_statuses[i].reason;
	}
	return BOUNCE_REASON_UNDEFINED;
}

/* The reason of the first phrase of the table found in lower-case text */
static enum bounce_reason reason_from_phrases(const char *lc)
{
	static struct bounce_phrases index =
		BOUNCE_PHRASES_INIT(reason_phrases, phrase);
	int idx = bounce_phrases_find(&index, lc, strlen(lc));

	return idx < 0 ? BOUNCE_REASON_UNDEFINED : reason_phrases[idx].reason;
}

static enum bounce_reason reason_from_weak_phrases(const char *lc)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(weak_reason_phrases); i++) {
		if (strstr(lc, weak_reason_phrases[i].phrase) != NULL)
			return weak_reason_phrases[i].reason;
	}
	return BOUNCE_REASON_UNDEFINED;
}

static bool action_is(const struct bounce_recipient *rcpt, const char *action)
{
	return rcpt->action != NULL && strcmp(rcpt->action, action) == 0;
}

/* The SMTP command a refusal answered, as MTAs quote it ("in reply to
   RCPT TO command", "after end of data", ">>> DATA"); the first phrase
   of the table found decides */
enum smtp_stage {
	SMTP_STAGE_UNKNOWN = 0,
	/* connection, greeting, EHLO: the client itself */
	SMTP_STAGE_CONNECT,
	/* MAIL FROM: the sender's address */
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_DATA,
};

static const struct {
	const char *phrase;
	enum smtp_stage stage;
} smtp_stage_phrases[] = {
#define C(phrase, stage) { phrase, SMTP_STAGE_##stage }
	C("in reply to rcpt to command", RCPT),
	C("in reply to end of data command", DATA),
	C("in reply to data command", DATA),
	C("in reply to mail from command", MAIL),
	C("in reply to ehlo command", CONNECT),
	C("in reply to helo command", CONNECT),
	C("after rcpt to", RCPT),
	C("after end of data", DATA),
	C("after data", DATA),
	C("after mail from", MAIL),
	C("after initial connection", CONNECT),
	C("after ehlo", CONNECT),
	C("after helo", CONNECT),
	C("our rcpt to", RCPT),
	C("our data", DATA),
	C("our mail from", MAIL),
	C(">>> rcpt to", RCPT),
	/* "SMTP:RCPT host 192.0.2.8: 553 ..." */
	C("smtp:rcpt", RCPT),
	C(">>> data", DATA),
	C(">>> mail from", MAIL),
	/* qmail: "no SMTP connection got far enough; most progress was
	   RCPT TO response" */
	C("progress was rcpt to", RCPT),
#undef C
};

/* What a refusal means at the stage it came: before MAIL FROM the server
   knows only the client, so its refusal is of the client (blocked); an
   unknown address at MAIL FROM is the sender's (rejected). (A reason
   named here must be among those reason_of_failure() finds the stage
   for.) */
static const struct {
	enum smtp_stage stage;
	enum bounce_reason said, reason;
} smtp_stage_reasons[] = {
#define S(stage, said, reason) \
	{ SMTP_STAGE_##stage, BOUNCE_REASON_##said, BOUNCE_REASON_##reason }
	S(CONNECT, UNDEFINED, BLOCKED),
	S(CONNECT, REJECTED, BLOCKED),
	S(MAIL, USERUNKNOWN, REJECTED),
#undef S
};

static enum smtp_stage smtp_stage_from_text(const char *lc)
{
	static struct bounce_phrases index =
		BOUNCE_PHRASES_INIT(smtp_stage_phrases, phrase);
	int idx = bounce_phrases_find(&index, lc, strlen(lc));

	return idx < 0 ? SMTP_STAGE_UNKNOWN : smtp_stage_phrases[idx].stage;
}

/* x.0.0: "other undefined status", nothing but the class */
static bool status_is_class_only(const struct bounce_status *status)
{
	return bounce_status_is(status, 0, 0);
}

/* Statuses that say nothing of why: x.0.0, and x.4.7 ("delivery time
   expired"), which an MTA gives when it stops retrying whatever the
   server answered */
static bool status_says_little(const struct bounce_status *status)
{
	return status_is_class_only(status) || bounce_status_is(status, 4, 7);
}

/* RFC 3463 subject 1: the address itself is the problem */
static bool status_is_addressing(const struct bounce_status *status)
{
	return status->class != 0 && status->subject == 1;
}

/* Returns the length of a multi-line reply's continuation prefix at p,
   "550-5.7.1 " or "550 5.7.1 " (or "550-") for the reply code code, or
   0 when there is none */
static size_t reply_continuation_len(const char *p, const char *code)
{
	const char *end;

	if (strncmp(p, code, 3) != 0 || (p[3] != '-' && p[3] != ' '))
		return 0;
	struct bounce_status status;

	end = bounce_status_parse_prefix(p + 4, &status);
	if (end != NULL && *end == ' ')
		return end + 1 - p;
	return p[3] == '-' ? 4 : 0;
}

/* A multi-line SMTP reply repeats its code on each line ("550-5.7.1
   Messages with multiple\n550-5.7.1 addresses in From: ..."), which
   splits the server's sentence: the repeats after the first line go */
static void str_remove_reply_continuations(string_t *str)
{
	const char *code = NULL;
	char *text = str_c_modifiable(str), *src, *dest;
	size_t skip;

	for (src = text; *src != '\0'; src++) {
		if ((src == text || src[-1] == ' ') && src[0] >= '2' &&
		    src[0] <= '5' && i_isdigit(src[1]) && i_isdigit(src[2]) &&
		    src[3] == '-') {
			code = src;
			break;
		}
	}
	if (code == NULL)
		return;
	src = dest = (char *)code + 4;
	while (*src != '\0') {
		if (src[-1] == ' ' &&
		    (skip = reply_continuation_len(src, code)) > 0) {
			src += skip;
			continue;
		}
		*dest++ = *src++;
	}
	str_truncate(str, dest - text);
}

/* text lower-cased (ASCII), each run of white space one space, a
   multi-line reply's repeated codes removed: folded fields keep their
   line breaks' indentation ("Recipient    address rejected"), which
   phrases must not depend on */
static const char *t_str_fold_lcase(const char *text)
{
	size_t len = strlen(text);
	string_t *str = t_str_new(len + 1);

	bounce_str_append_folded(str, text, len, len);
	str_remove_reply_continuations(str);
	return str_lcase(str_c_modifiable(str));
}

/* The report's words, lower-cased: wanted rarely, made on demand */
static const char *report_lcase(const struct bounce_report *report)
{
	return report->report_text == NULL ? "" :
		t_str_lcase(report->report_text);
}

/* Why a delivery failed, from the recipient's own diagnostic first, then
   its status code, then the report's words about all recipients */
static enum bounce_reason
reason_of_failure(const struct bounce_report *report,
		  const struct bounce_recipient *rcpt)
{
	const char *diag_lc = rcpt->diagnostic_code == NULL ? "" :
		t_str_fold_lcase(rcpt->diagnostic_code);
	enum bounce_reason reason;
	enum smtp_stage stage;
	unsigned int i;

	/* A delayed message is still being retried: the reason is what
	   went wrong on the last try when the report says it, else that
	   it is late */
	if (action_is(rcpt, "delayed")) {
		reason = reason_from_phrases(diag_lc);
		return reason != BOUNCE_REASON_UNDEFINED ? reason :
			BOUNCE_REASON_EXPIRED;
	}
	/* A local delivery program failed (procmail, a filter): what it
	   printed is its own affair */
	if (rcpt->diagnostic_type != NULL &&
	    strcmp(rcpt->diagnostic_type, "x-unix") == 0)
		return BOUNCE_REASON_MAILERERROR;

	/* x.2.3: the message is larger than this recipient accepts,
	   however the server words it ("message size exceeds ...") */
	if (bounce_status_is(&rcpt->status, 2, 3))
		return BOUNCE_REASON_EXCEEDLIMIT;

	reason = reason_from_phrases(diag_lc);
	if (reason == BOUNCE_REASON_UNDEFINED && rcpt->status.class != 0)
		reason = reason_from_status(&rcpt->status);
	/* the report's words about all its recipients, when it has only
	   this one */
	if (reason == BOUNCE_REASON_UNDEFINED &&
	    array_count(&report->recipients) == 1)
		reason = reason_from_phrases(report_lcase(report));
	if (reason == BOUNCE_REASON_UNDEFINED)
		reason = reason_from_weak_phrases(diag_lc);
	if (reason == BOUNCE_REASON_UNDEFINED)
		reason = report->decoder_reason;
	/* Failed with a temporary status (RFC 3464: the MTA gave up
	   retrying) after timeouts or for no stated reason: it ran out of
	   time. A connection lost or a host unreachable is still the
	   network's fault. */
	if (((reason == BOUNCE_REASON_NETWORKERROR &&
	      (strstr(diag_lc, "timed out") != NULL ||
	       strstr(diag_lc, "timeout") != NULL)) ||
	     reason == BOUNCE_REASON_UNDEFINED) &&
	    report->kind == BOUNCE_KIND_DSN && action_is(rcpt, "failed") &&
	    rcpt->status.class == 4)
		reason = BOUNCE_REASON_EXPIRED;

	/* The stage matters only to the reasons its rules name */
	if (reason != BOUNCE_REASON_UNDEFINED &&
	    reason != BOUNCE_REASON_REJECTED &&
	    reason != BOUNCE_REASON_USERUNKNOWN)
		return reason;
	stage = smtp_stage_from_text(diag_lc);
	if (stage == SMTP_STAGE_UNKNOWN)
		stage = smtp_stage_from_text(report_lcase(report));
	for (i = 0; i < N_ELEMENTS(smtp_stage_reasons); i++) {
		if (smtp_stage_reasons[i].stage == stage &&
		    smtp_stage_reasons[i].said == reason) {
			reason = smtp_stage_reasons[i].reason;
			break;
		}
	}

	if (reason == BOUNCE_REASON_USERUNKNOWN &&
	    !status_is_addressing(&rcpt->status) && rcpt->reply_code != NULL &&
	    (stage == SMTP_STAGE_DATA || stage == SMTP_STAGE_UNKNOWN)) {
		/* Whether a mailbox exists is known at RCPT. Said only after
		   the message was sent (or at an unknown stage), and without
		   an addressing status code (x.1.y), "user unknown" is a
		   filter's refusal worded as one: filtered, as Sisimai has
		   it. */
		reason = BOUNCE_REASON_FILTERED;
	}
	return reason;
}

void bounce_reason_classify(pool_t pool, const struct bounce_report *report,
			    struct bounce_recipient *rcpt)
{
	enum bounce_kind kind = report->kind;
	const char *diagnostic = rcpt->diagnostic_code;
	enum bounce_reason reason = BOUNCE_REASON_UNDEFINED;
	char class;

	/* A report about one recipient may give the server's answer
	   before naming the address ("Could not be delivered because of
	   550 5.1.1 User unknown. The following recipients were
	   affected: ..."): its words are the recipient's */
	struct bounce_status status;

	if (rcpt->status.class == 0 && report->kind == BOUNCE_KIND_MTA &&
	    array_count(&report->recipients) == 1 &&
	    report->report_text != NULL &&
	    (diagnostic == NULL || (!find_status(diagnostic, &status) &&
				    find_reply_code(diagnostic) == NULL)))
		diagnostic = report->report_text;
	if (diagnostic != NULL) {
		(void)find_status(diagnostic, &status);
		/* The server's own code is its word on what went wrong: it
		   stands over the reporting MTA's guess (sendmail reports
		   5.1.1 for any refused RCPT) when they agree on the class,
		   unless the server's is the vaguer one */
		if (status.class != 0 &&
		    (rcpt->status.class == 0 ||
		     (status.class == rcpt->status.class &&
		      (status_says_little(&rcpt->status) ||
		       !status_says_little(&status)))))
			rcpt->status = status;
		if (rcpt->reply_code == NULL) {
			const char *code = find_reply_code(diagnostic);

			if (code != NULL)
				rcpt->reply_code = p_strdup(pool, code);
		}
	}
	if (rcpt->status.class == 0) {
		/* Only the class is known: x.0.0, "other undefined status" */
		/* a transcript may quote "354 Enter mail": only a failure's
		   reply code gives a status class */
		if (rcpt->reply_code != NULL &&
		    (rcpt->reply_code[0] == '4' || rcpt->reply_code[0] == '5'))
			class = rcpt->reply_code[0];
		else if (action_is(rcpt, "delayed"))
			class = '4';
		else if (action_is(rcpt, "failed"))
			class = '5';
		else
			class = '\0';
		if (class != '\0')
			bounce_status_set(&rcpt->status, class - '0', 0, 0);
	}

	if (rcpt->status.class == 2)
		reason = BOUNCE_REASON_DELIVERED;
	else if (kind == BOUNCE_KIND_AUTOREPLY)
		reason = BOUNCE_REASON_VACATION;
	else if (kind == BOUNCE_KIND_FEEDBACK)
		reason = BOUNCE_REASON_FEEDBACK;
	else if (action_is(rcpt, "delivered") || action_is(rcpt, "relayed") ||
		 action_is(rcpt, "expanded"))
		reason = BOUNCE_REASON_DELIVERED;
	else
		reason = reason_of_failure(report, rcpt);
	rcpt->reason = reason;
	rcpt->permanent = rcpt->status.class != 0 ? rcpt->status.class == 5 :
		action_is(rcpt, "failed");
	rcpt->hard = rcpt->permanent && reason_is_hard(reason);
}
