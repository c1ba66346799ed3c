/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The words that say why a delivery failed, per reason. Each phrase
   names where the wording comes from, so that a phrase can be judged by
   its source rather than by the bounces it happens to match:

   - RFC 3463 and the RFC 5248 registry: the texts of the enhanced status
     codes ("Mailbox full", "Delivery time expired"), which OpenSMTPD
     (esc.c) and others print as they are; RFC 5321: the texts of the
     reply codes ("mailbox unavailable", "exceeded storage allocation");
   - the MTAs' own message catalogues, read in their Debian 12 source
     packages: Postfix 3.7 (smtpd_check.c, smtp_proto.c, smtp_trouble.c,
     cleanup_strerror.c, sys_exits.c, dns_lookup.c), Exim 4.96
     (appendfile.c, retry.c, deliver.c, acl.c, route.c, dnslookup.c,
     smtp_in.c, configure.default), Sendmail 8.17 (strexit.c, envelope.c,
     deliver.c, err.c, collect.c, srvrsmtp.c, parseaddr.c, cf/m4/proto.m4),
     OpenSMTPD 6.8 (queue.c, mta.c, mta_session.c, lka.c), Courier 1.0
     (courier/module.*), Dovecot 2.3 and Pigeonhole 0.5 (quota, lmtp,
     the Sieve reject), qmail's qmail-remote and qmail-local texts;
   - the providers' published bounce texts: Gmail's SMTP error reference
     (support.google.com/a/answer/3726730), Microsoft's Exchange Online
     NDR reference, Yahoo's SMTP error codes (postmaster.yahooinc.com),
     Apple's iCloud mail server messages;
   - "common": wording that several systems share and no single one
     defines ("does not exist", "blacklisted");
   - "corpus": wording known only from the development corpus (a
     provider whose published text we could not read); kept so that no
     file regresses, and the first to go if a source says otherwise.

   Matching is a plain substring search on the lower-cased, white-space
   folded text; the first phrase of the table found anywhere in the text
   decides, so a phrase comes before the more general ones it contains
   ("sender address rejected" before "rejected"). */

#include "lib.h"
#include "bounce-phrases.h"
#include "bounce-reason-phrases.h"

struct reason_phrase {
	enum bounce_reason reason;
	const char *phrase;
	/* where the wording comes from (see above) */
	const char *source;
};

#define P(reason, phrase, source) \
	{ BOUNCE_REASON_##reason, phrase, source }

/* English */
static const struct reason_phrase phrases_en[] = {
	/* --- the sending side: the client, its DNS, its authentication */
	P(REQUIREPTR, "reverse dns", "common"),
	P(REQUIREPTR, "reverse hostname",
	  "Postfix smtpd_check.c: cannot find your reverse hostname"),
	P(REQUIREPTR, "reverse lookup", "common"),
	P(REQUIREPTR, "no ptr record", "Gmail 5.7.25"),
	P(REQUIREPTR, "ptr record", "Gmail 5.7.25: does not have a PTR record"),
	P(REQUIREPTR, "cannot find your hostname",
	  "Postfix smtpd_check.c"),
	P(REQUIREPTR, "cannot resolve your address", "common"),
	P(REQUIREPTR, "does not resolve to your ip", "common"),
	P(REQUIREPTR, "unresolvable", "common"),
	P(REQUIREPTR, "no rdns", "common"),
	P(REQUIREPTR, "rdns record", "common"),
	P(REQUIREPTR, "ip name lookup failed",
	  "Sendmail proto.m4: Relaying denied. IP name lookup failed"),
	P(AUTHFAILURE, "spf check failed", "common"),
	P(AUTHFAILURE, "spf fail", "common"),
	P(AUTHFAILURE, "spf validation", "RFC 7372 X.7.23/X.7.24"),
	P(AUTHFAILURE, "sender policy framework", "RFC 7208"),
	P(AUTHFAILURE, "dmarc", "RFC 7489"),
	/* a malformed header, not a failed signature */
	P(CONTENTERROR, "duplicate header", "common"),
	P(NOTCOMPLIANTRFC, "multiple addresses in from",
	  "Gmail 5.7.1: Messages with multiple addresses in From: header"),
	P(SPAMDETECTED, "spam classification", "corpus"),
	P(REQUIREPTR, "mismatches client ip", "corpus (Outlook.com)"),
	P(AUTHFAILURE, "dkim", "RFC 6376, RFC 7372 X.7.20-X.7.22"),
	P(AUTHFAILURE, "is not authorized to send",
	  "Gmail 5.7.26: unauthenticated email ... is not accepted"),
	P(AUTHFAILURE, "not allowed to send from",
	  "Microsoft 5.7.23: is not allowed to send from <domain> per its SPF"),
	P(AUTHFAILURE, "spf", "RFC 7208"),
	P(AUTHFAILURE, "not authorized to send on behalf", "common"),
	P(BADREPUTATION, "poor reputation", "common"),
	P(BADREPUTATION, "bad reputation", "common"),
	P(BADREPUTATION, "low reputation",
	  "Gmail 5.7.1: the very low reputation of the sending IP"),
	P(BADREPUTATION, "ip reputation", "common"),
	P(BADREPUTATION, "sender reputation", "common"),
	P(SECURITYERROR, "must issue a starttls",
	  "Gmail 5.7.0: Must issue a STARTTLS command first"),
	P(SECURITYERROR, "starttls", "RFC 3207"),
	P(SECURITYERROR, "tls required", "RFC 8689 X.7.30"),
	P(SECURITYERROR, "encryption required", "RFC 5248 X.7.10/X.7.11"),
	P(SECURITYERROR, "authentication required",
	  "RFC 4954: 530 5.7.0 Authentication required"),
	P(SECURITYERROR, "authentication is required", "RFC 4954"),
	P(SECURITYERROR, "submission requires authentication", "common"),
	P(SECURITYERROR, "unauthenticated senders not allowed", "common"),
	P(SECURITYERROR, "smtp authentication", "RFC 4954"),
	P(NORELAYING, "relay access denied", "Postfix smtpd_check.c"),
	P(NORELAYING, "relaying denied", "Sendmail proto.m4"),
	P(NORELAYING, "relay not permitted", "Exim configure.default"),
	P(NORELAYING, "not permitted to relay", "common"),
	P(NORELAYING, "unable to relay", "Microsoft 5.7.1/5.7.54"),
	P(NORELAYING, "we do not relay", "common"),
	P(NORELAYING, "relaying not allowed", "common"),
	P(NORELAYING, "not a gateway", "common"),
	P(NORELAYING, "no relaying", "common"),
	P(REJECTED, "sender address rejected", "Postfix smtpd_check.c"),
	P(REJECTED, "sender was rejected", "common"),
	P(REJECTED, "sender rejected", "common"),
	P(REJECTED, "sender verify failed", "Exim acl.c"),
	P(REJECTED, "domain of sender address",
	  "Sendmail proto.m4: Domain of sender address ... does not exist"),
	P(REJECTED, "sender domain", "common"),
	P(REJECTED, "envelope sender", "common"),
	P(REJECTED, "invalid sender", "common"),
	P(REJECTED, "sender is not allowed", "common"),
	P(REJECTED, "mail from address", "common"),
	P(REJECTED, "unknown sender", "common"),
	P(REJECTED, "not allowed to post", "mailing-list managers"),
	P(REJECTED, "you do not have permission to post", "Google Groups"),
	P(REJECTED, "does not have permission to post", "Google Groups"),
	P(REJECTED, "the group you tried to contact", "Google Groups"),
	P(REJECTED, "are not member", "fml: You ... are not member"),
	P(TOOMANYCONN, "too many connections",
	  "Postfix smtpd.c, Exim daemon.c"),
	P(TOOMANYCONN, "too many simultaneous", "common"),
	P(TOOMANYCONN, "too many concurrent", "common"),
	P(TOOMANYCONN, "connection rate limit", "Postfix anvil"),
	P(TOOMANYCONN, "too many smtp sessions", "common"),
	P(SPEEDING, "receiving mail at a rate",
	  "Gmail 4.2.1/5.2.1: is receiving mail at a rate that prevents"),
	P(SPEEDING, "rate limited", "common"),
	P(SPEEDING, "rate limit exceeded", "common"),
	P(SPEEDING, "sending rate", "common"),
	P(SPEEDING, "too many messages", "common"),
	P(SPEEDING, "temporarily deferred due to unexpected volume",
	  "Yahoo TSS04"),
	/* Microsoft's directory-based edge blocking (5.4.1) says the
	   recipient does not exist in these words; Postfix's access(5)
	   REJECT says the same of a refused recipient */
	P(USERUNKNOWN, "recipient address rejected: access denied",
	  "Microsoft 5.4.1"),
	P(BLOCKED, "banned sending ip",
	  "Microsoft 5.7.606-649: Access denied, banned sending IP"),
	P(BLOCKED, "traffic not accepted from this ip", "Microsoft 5.7.708"),
	/* "550 5.7.1 Access denied", with no more said: the sender */
	P(REJECTED, "access denied",
	  "Postfix smtpd_check.c access(5) default, Sendmail access db"),
	P(SUSPEND, "account is blocked", "corpus"),
	P(BLOCKED, "invalid ip for sending", "corpus"),
	/* Yahoo: "The account or domain may not exist, they may be
	   blacklisted, or ...": the first guess first */
	P(HOSTUNKNOWN, "account or domain may not exist", "Yahoo 554"),
	/* a URI block list judges the content */
	P(SPAMDETECTED, "blacklisted url", "common"),
	P(BLOCKED, "blacklisted", "common"),
	P(BLOCKED, "blocklisted", "common"),
	P(BLOCKED, "block list", "common"),
	P(BLOCKED, "blocklist", "common"),
	P(BLOCKED, "blacklist", "common"),
	P(BLOCKED, "dnsbl", "Sendmail cf/feature/dnsbl.m4"),
	P(BLOCKED, "rbl", "common"),
	P(BLOCKED, "spamhaus", "Spamhaus, Yahoo BL21"),
	P(BLOCKED, "spamcop", "SpamCop"),
	/* Lotus Notes: "User not listed in public Name & Address Book" */
	P(USERUNKNOWN, "not listed in", "Lotus Notes"),
	P(BLOCKED, "listed in", "common: listed in <DNSBL>"),
	P(BLOCKED, "client host rejected",
	  "Postfix smtpd_check.c: Client host rejected"),
	P(BLOCKED, "not accepting connections", "corpus (Apple)"),
	P(TOOMANYCONN, "frequency limited", "corpus"),
	P(BLOCKED, "your ip", "common"),
	P(BLOCKED, "smtp server of your isp", "corpus"),
	P(BLOCKED, "refused to talk to me",
	  "Postfix smtp_proto.c: host ... refused to talk to me"),
	/* a network, an address or a host that may not connect */
	P(BLOCKED, "network is not allowed", "common"),
	P(BLOCKED, "network not allowed", "common"),
	P(BLOCKED, "not allowed to connect", "common"),
	P(BLOCKED, "ip address is not allowed", "common"),
	P(BLOCKED, "ip is not allowed", "common"),
	P(BLOCKED, "host is not allowed", "common"),
	P(BLOCKED, "has been blocked", "common"),
	P(BLOCKED, "is blocked", "common"),
	P(BLOCKED, "blocked", "common"),

	/* --- the message */
	P(VIRUSDETECTED, "virus", "common"),
	P(VIRUSDETECTED, "malware", "common"),
	P(VIRUSDETECTED, "infected", "common"),
	P(SPAMDETECTED, "spam", "common"),
	P(SPAMDETECTED, "junk mail", "common"),
	P(SPAMDETECTED, "unsolicited",
	  "Gmail 5.7.1: this message is likely unsolicited mail"),
	P(SPAMDETECTED, "bulk mail", "common"),
	P(MESGTOOBIG, "message size exceeds",
	  "Postfix smtpd_check.c, Sendmail srvrsmtp.c, Exim smtp_in.c"),
	P(MESGTOOBIG, "message too large",
	  "OpenSMTPD mta_session.c: message too large for peer"),
	P(MESGTOOBIG, "message too big",
	  "RFC 3463 X.3.4 Message too big for system; Exim deliver.c"),
	P(MESGTOOBIG, "message is too large", "Sendmail deliver.c"),
	P(MESGTOOBIG, "message is too big", "common"),
	P(MESGTOOBIG, "message exceeds maximum fixed size",
	  "Sendmail collect.c"),
	P(MESGTOOBIG, "message file too big", "Postfix cleanup_strerror.c"),
	P(MESGTOOBIG, "too much mail data", "RFC 5321 4.5.3.1.10"),
	P(MESGTOOBIG, "size limit",
	  "Gmail 5.3.4: exceeded Google's message size limits"),
	P(MESGTOOBIG, "exceeds the maximum size", "common"),
	P(MESGTOOBIG, "exceeds maximum message size", "common"),
	P(MESGTOOBIG, "message length exceeds",
	  "RFC 3463 X.2.3 Message length exceeds administrative limit"),
	P(MESGTOOBIG, "line limit exceeded", "common"),
	P(MESGTOOBIG, "longer than the maximum size",
	  "Exim moan.c: A message that you sent was longer than the maximum "
	  "size allowed"),
	P(EXCEEDLIMIT, "header size exceeds", "common"),
	/* RFC 3463 X.5.3; Sisimai counts it among connection limits */
	P(TOOMANYCONN, "too many recipients",
	  "RFC 3463 X.5.3, Postfix smtpd.c, Exim smtp_in.c, Sendmail"),
	P(EXCEEDLIMIT, "recipient limit", "common"),
	P(NOTCOMPLIANTRFC, "rfc 5322", "RFC 5322"),
	P(NOTCOMPLIANTRFC, "rfc5322", "RFC 5322"),
	P(NOTCOMPLIANTRFC, "rfc 2822", "RFC 2822"),
	P(NOTCOMPLIANTRFC, "rfc2822", "RFC 2822"),
	P(NOTCOMPLIANTRFC, "not rfc compliant", "common"),
	/* Postfix's default text for a header_checks or body_checks
	   REJECT, the usual way of refusing spam by its content */
	P(SPAMDETECTED, "message content rejected",
	  "Postfix cleanup_strerror.c"),
	P(CONTENTERROR, "illegal character", "common"),
	P(CONTENTERROR, "invalid mime", "common"),
	P(CONTENTERROR, "header error", "common"),
	P(CONTENTERROR, "message header", "common"),
	P(CONTENTERROR, "content rejected", "common"),
	/* before "violation of" */
	P(SYNTAXERROR, "protocol violation", "common"),
	P(POLICYVIOLATION, "policy violation", "common"),
	P(POLICYVIOLATION, "violates", "common"),
	P(POLICYVIOLATION, "violation of", "common"),
	P(POLICYVIOLATION, "prohibited", "common"),
	P(POLICYVIOLATION, "by policy", "common"),
	P(POLICYVIOLATION, "local policy",
	  "Apple CS01: Message rejected due to local policy"),
	P(POLICYVIOLATION, "policy reasons",
	  "Yahoo PH01: Email not accepted for policy reasons"),

	/* --- the recipient */
	P(HASMOVED, "has moved",
	  "RFC 3463 X.1.6 Destination mailbox has moved"),
	P(HASMOVED, "address has changed", "common"),
	P(HASMOVED, "is no longer valid", "common"),
	P(HASMOVED, "no longer in use", "common"),
	P(SUSPEND, "account disabled", "common"),
	P(SUSPEND, "mailbox is frozen", "common"),
	P(SUSPEND, "account is locked", "common"),
	P(SUSPEND, "temporary locked", "corpus"),
	P(SUSPEND, "temporarily locked", "common"),
	P(SUSPEND, "account has been disabled", "common"),
	P(SUSPEND, "account is disabled", "common"),
	P(SUSPEND, "mailbox disabled",
	  "RFC 3463 X.2.1 Mailbox disabled, not accepting messages"),
	P(SUSPEND, "mailbox is disabled", "common"),
	P(SUSPEND, "account is inactive", "common"),
	P(SUSPEND, "inactive account", "common"),
	P(SUSPEND, "account is suspended", "common"),
	P(SUSPEND, "suspended", "common"),
	P(SUSPEND, "deactivated", "common"),
	P(SUSPEND, "is disabled",
	  "Gmail 5.2.1: The email account that you tried to reach is "
	  "disabled"),
	P(SUSPEND, "account expired", "common"),
	P(SUSPEND, "is inactive",
	  "Gmail 5.2.1: The email account that you tried to reach is "
	  "inactive"),
	P(SUSPEND, "user account disabled", "RFC 5248 X.7.13"),
	/* RFC 5321's text of 550; how Microsoft says the mailbox does not
	   exist */
	P(USERUNKNOWN, "mailbox unavailable",
	  "RFC 5321 550, Microsoft (Outlook.com)"),
	P(MAILBOXFULL, "mailbox full", "RFC 3463 X.2.2 Mailbox full"),
	P(MAILBOXFULL, "mailbox is full", "Exim appendfile.c"),
	P(MAILBOXFULL, "mailbox size limit", "Postfix local.c, virtual.c"),
	P(MAILBOXFULL, "over quota", "Courier: Over quota; maildrop"),
	P(MAILBOXFULL, "overquota", "common"),
	P(MAILBOXFULL, "quota exceeded",
	  "Dovecot quota: Quota exceeded (mailbox for user is full); Exim"),
	P(MAILBOXFULL, "exceeded storage",
	  "RFC 5321 552: exceeded storage allocation"),
	P(MAILBOXFULL, "exceeds mailbox", "common"),
	P(MAILBOXFULL, "disk quota", "Postfix virtual.c, EDQUOT"),
	P(MAILBOXFULL, "mail quota", "common"),
	P(MAILBOXFULL, "storage quota", "common"),
	P(MAILBOXFULL, "out of storage",
	  "Gmail 4.2.2/5.2.2: The recipient's inbox is out of storage"),
	P(MAILBOXFULL, "quota", "common"),
	P(MAILBOXFULL, "mailfolder is full", "common"),
	P(MAILBOXFULL, "mailbox exceeds", "common"),
	P(MAILBOXFULL, "insufficient space", "common"),
	P(SYSTEMFULL, "insufficient system storage",
	  "RFC 5321 452, Postfix smtpd_check.c"),
	P(SYSTEMFULL, "mail system full", "RFC 3463 X.3.1"),
	P(SYSTEMFULL, "disk full", "common"),
	P(SYSTEMFULL, "out of disk", "common"),
	P(SYSTEMFULL, "no space left", "ENOSPC: No space left on device"),
	P(SYSTEMFULL, "insufficient disk space", "common"),
	P(SYSTEMERROR, "queue file write error",
	  "Postfix cleanup_strerror.c"),
	P(HOSTUNKNOWN, "domain does not exist",
	  "Courier: 517-Domain does not exist; OpenSMTPD"),
	P(HOSTUNKNOWN, "domain may not exist", "Yahoo 554"),
	P(HOSTUNKNOWN, "domain couldn't be found", "Microsoft 5.4.310"),
	P(HOSTUNKNOWN, "domain could not be found", "common"),
	P(HOSTUNKNOWN, "domain is not reachable", "corpus (Outlook.com)"),
	/* Exim words an unknown local user the same way: the two cannot
	   be told apart from this text */
	P(HOSTUNKNOWN, "unrouteable address", "Exim route.c"),
	P(HOSTUNKNOWN, "bad destination system",
	  "RFC 3463 X.1.2 Bad destination system address"),
	P(NOTACCEPT, "no smtp service", "common"),
	P(NOTACCEPT, "not accepting network messages",
	  "RFC 3463 X.3.2 System not accepting network messages"),
	P(MAILERERROR, "mailer error", "Sendmail mci.c: unknown mailer error"),
	P(SYSTEMERROR, "internal system error", "common"),
	P(USERUNKNOWN, "user unknown",
	  "Sendmail, Postfix sys_exits.c EX_NOUSER"),
	P(USERUNKNOWN, "unknown user",
	  "Exim configure.default, OpenSMTPD lka.c"),
	P(USERUNKNOWN, "no such user", "common"),
	P(USERUNKNOWN, "user not found", "common"),
	P(USERUNKNOWN, "user doesn't exist", "Dovecot lmtp: User doesn't exist"),
	P(USERUNKNOWN, "user does not exist", "common"),
	P(USERUNKNOWN, "user not exist", "corpus"),
	P(USERUNKNOWN, "unknown recipient", "common"),
	P(USERUNKNOWN, "recipient unknown", "common"),
	P(USERUNKNOWN, "recipient not found",
	  "Microsoft 5.1.10: Recipient not found by SMTP address lookup"),
	P(USERUNKNOWN, "no such recipient", "common"),
	P(USERUNKNOWN, "invalid recipient", "OpenSMTPD esc.c"),
	P(USERUNKNOWN, "no valid recipients", "common"),
	P(USERUNKNOWN, "no such mailbox", "common"),
	P(USERUNKNOWN, "mailbox not found", "common"),
	P(USERUNKNOWN, "mailbox does not exist", "common"),
	P(USERUNKNOWN, "mailbox unknown", "common"),
	P(USERUNKNOWN, "invalid mailbox", "common"),
	P(USERUNKNOWN, "bad destination mailbox",
	  "RFC 3463 X.1.1 Bad destination mailbox address"),
	P(USERUNKNOWN, "no mailbox",
	  "qmail-local: Sorry, no mailbox here by that name"),
	P(USERUNKNOWN, "unknown address", "common"),
	P(USERUNKNOWN, "address unknown", "common"),
	P(USERUNKNOWN, "account does not exist",
	  "Gmail 5.1.1: The email account that you tried to reach does not "
	  "exist"),
	P(USERUNKNOWN, "couldn't be found",
	  "Microsoft 5.1.1: The email address you entered couldn't be found"),
	P(USERUNKNOWN, "wasn't found at the destination",
	  "Microsoft 5.1.10: The email address wasn't found at the "
	  "destination domain"),
	P(USERUNKNOWN, "does not exist", "common"),
	P(USERUNKNOWN, "unknown local part", "Exim"),
	P(USERUNKNOWN, "not a valid mailbox", "common"),
	P(USERUNKNOWN, "recipient name is not recognized", "corpus"),
	P(USERUNKNOWN, "is not a valid", "common"),
	P(USERUNKNOWN, "no such person", "corpus"),
	P(USERUNKNOWN, "user is unknown", "common"),
	P(USERUNKNOWN, "unknown or illegal alias",
	  "Apple: unknown or illegal alias"),
	P(USERUNKNOWN, "address is not", "common"),
	P(USERUNKNOWN, "user doesn't have a",
	  "Yahoo 554: This user doesn't have a yahoo.com account"),
	P(USERUNKNOWN, "not a registered", "corpus"),
	P(USERUNKNOWN, "invalid final delivery userid", "corpus"),
	P(NOTACCEPT, "does not accept mail", "RFC 7505"),
	P(NOTACCEPT, "does not accept email", "common"),
	P(NOTACCEPT, "null mx", "RFC 7505 X.1.10"),
	P(NOTACCEPT, "not accepting mail", "common"),
	P(HOSTUNKNOWN, "host unknown", "Sendmail: Host unknown"),
	P(HOSTUNKNOWN, "unknown host", "common"),
	P(HOSTUNKNOWN, "host not found",
	  "Postfix dns_lookup.c: Host or domain name not found"),
	P(HOSTUNKNOWN, "domain not found", "Postfix smtpd_check.c"),
	P(HOSTUNKNOWN, "no such domain", "common"),
	P(HOSTUNKNOWN, "unrouteable mail domain", "Exim"),
	P(HOSTUNKNOWN, "unknown domain", "common"),
	P(HOSTUNKNOWN, "name or service not known", "getaddrinfo EAI_NONAME"),
	P(HOSTUNKNOWN, "domain name not found", "common"),
	P(HOSTUNKNOWN, "all relevant mx records point to non-existent hosts",
	  "Exim dnslookup.c"),
	P(HOSTUNKNOWN, "no mx record", "common"),
	P(HOSTUNKNOWN, "nxdomain", "RFC 8020"),

	/* --- the systems between */
	P(MAILERERROR, "command died with status", "Postfix pipe"),
	P(MAILERERROR, "command output:", "Postfix pipe"),
	P(MAILERERROR, "x-unix;", "RFC 3464 diagnostic type"),
	P(MAILERERROR, "pipe to |", "Exim"),
	P(MAILERERROR, "procmail", "procmail"),
	P(NETWORKERROR, "mail loop", "Sendmail"),
	P(NETWORKERROR, "loops back to myself", "Postfix smtp_connect.c"),
	P(NETWORKERROR, "too many hops",
	  "Sendmail deliver.c, Postfix cleanup_strerror.c"),
	P(NETWORKERROR, "hop count exceeded", "Microsoft 5.4.14"),
	P(NETWORKERROR, "routing loop",
	  "RFC 3463 X.4.6 Routing loop detected"),
	P(NETWORKERROR, "able to establish an smtp connection",
	  "qmail-remote: Sorry, I wasn't able to establish an SMTP "
	  "connection"),
	P(EXPIRED, "retry timeout exceeded", "Exim retry.c"),
	P(EXPIRED, "retry time not reached", "Exim deliver.c"),
	P(EXPIRED, "delivery time expired",
	  "RFC 3463 X.4.7 Delivery time expired"),
	P(EXPIRED, "envelope expired", "OpenSMTPD queue.c"),
	P(EXPIRED, "message expired", "Microsoft 4.4.7 QUEUE.Expired"),
	P(EXPIRED, "has been delayed", "common"),
	P(EXPIRED, "could not be delivered within", "common"),
	P(EXPIRED, "not delivered within", "common"),
	P(EXPIRED, "was not delivered for", "common"),
	P(EXPIRED, "cannot send message for", "Sendmail envelope.c"),
	P(EXPIRED, "message still undelivered", "Sendmail envelope.c"),
	P(EXPIRED, "giving up", "common"),
	P(EXPIRED, "message timed out", "common"),
	P(EXPIRED, "queue too long",
	  "qmail-send: this message has been in the queue too long"),
	P(EXPIRED, "too long in queue", "common"),
	P(EXPIRED, "failing for a long time", "Exim deliver.c"),
	P(EXPIRED, "will be retried for", "corpus"),
	P(NETWORKERROR, "did not accept our requests to connect",
	  "Gmail 4.4.1: The recipient server did not accept our requests to "
	  "connect"),
	P(NETWORKERROR, "connection timed out", "ETIMEDOUT"),
	P(NETWORKERROR, "timed out", "Postfix smtp_trouble.c"),
	P(NETWORKERROR, "connection refused",
	  "ECONNREFUSED; Sendmail err.c: Connection refused by"),
	P(NETWORKERROR, "network is unreachable", "ENETUNREACH"),
	P(NETWORKERROR, "host not reachable", "common"),
	P(NETWORKERROR, "host unreachable", "EHOSTUNREACH"),
	P(NETWORKERROR, "no route to host", "EHOSTUNREACH"),
	P(NETWORKERROR, "lost connection",
	  "Postfix smtp_trouble.c: lost connection with"),
	P(NETWORKERROR, "could not connect", "common"),
	P(NETWORKERROR, "unable to connect", "common"),
	P(NETWORKERROR, "connection reset", "ECONNRESET"),
	P(NETWORKERROR, "no answer from host", "RFC 3463 X.4.1"),
	P(NETWORKERROR, "network error on destination", "OpenSMTPD mta.c"),
	P(NETWORKERROR, "host name lookup failure", "Sendmail err.c"),
	P(NETWORKERROR, "dns error", "common"),
	P(SYNTAXERROR, "syntax error", "RFC 5321 500/501"),
	P(SYNTAXERROR, "malformed address", "Exim"),
	P(SYNTAXERROR, "incorrectly constructed", "Exim"),
	P(SYNTAXERROR, "command unrecognized", "RFC 5321 500"),
	P(SYNTAXERROR, "unrecognized command", "common"),
	P(SYNTAXERROR, "not implemented", "RFC 5321 502"),
	P(SYNTAXERROR, "bad sequence of commands", "RFC 5321 503"),
	P(SYNTAXERROR, "improper use of smtp command pipelining",
	  "Postfix smtpd_check.c"),
	P(SYNTAXERROR, "bare <lf> received", "Postfix cleanup_strerror.c"),
	P(SYNTAXERROR, "protocol error",
	  "Sendmail strexit.c: Remote protocol error; Postfix sys_exits.c"),
	P(SYSTEMERROR, "system error", "common"),
	P(SYSTEMERROR, "internal error", "common"),
	P(SYSTEMERROR, "server error", "common"),
	P(SYSTEMERROR, "system incorrectly configured", "RFC 3463 X.3.5"),
	P(SYSTEMERROR, "local configuration error", "Postfix sys_exits.c"),
	P(SYSTEMERROR, "local error", "RFC 5321 451: local error in processing"),
	P(SYSTEMERROR, "temporary failure", "Postfix sys_exits.c EX_TEMPFAIL"),
	P(SYSTEMERROR, "temporarily unavailable", "common"),
	P(SYSTEMERROR, "service currently unavailable", "common"),
	P(SYSTEMERROR, "could not load", "corpus"),
	P(FILTERED, "filtered", "common"),
	P(FILTERED, "was automatically rejected",
	  "Pigeonhole Sieve reject, RFC 5429"),
	P(FILTERED, "delivery not authorized",
	  "RFC 3463 X.7.1 Delivery not authorized, message refused"),
	P(FILTERED, "rejected by the recipient", "common"),
	P(FILTERED, "refused by the recipient", "common"),
	P(FILTERED, "due to recipient preferences", "corpus (Facebook)"),
	P(USERUNKNOWN, "recipient address rejected", "Postfix smtpd_check.c"),
};

/* The other languages: what localized systems and the providers'
   localized bounces say, in the wording of Microsoft's and Gmail's
   localized delivery reports, HCL Domino's, and the plain words a
   localized MTA or webmail uses for the same causes ("common"). No
   Debian catalogue on disk translates bounce texts; these are
   deliberately the plain, unambiguous phrasings. Lower-case UTF-8. */

/* French */
static const struct reason_phrase phrases_fr[] = {
	P(HOSTUNKNOWN, "domaine n'existe pas", "common"),
	P(HOSTUNKNOWN, "domaine inconnu", "common"),
	P(HOSTUNKNOWN, "domaine introuvable", "common"),
	P(MAILBOXFULL, "boîte aux lettres est pleine",
	  "Microsoft (fr): La boîte aux lettres du destinataire est pleine"),
	P(MAILBOXFULL, "boîte aux lettres pleine", "common"),
	P(MAILBOXFULL, "boite aux lettres pleine", "common"),
	P(MAILBOXFULL, "quota dépassé", "common"),
	P(MAILBOXFULL, "quota depasse", "common"),
	P(MESGTOOBIG, "message trop volumineux", "common"),
	P(MESGTOOBIG, "taille du message dépasse", "common"),
	P(SUSPEND, "compte du destinataire est bloqu",
	  "La Poste: Le compte du destinataire est bloqué"),
	P(SUSPEND, "compte désactivé", "common"),
	P(SUSPEND, "compte suspendu", "common"),
	P(NORELAYING, "relais refusé", "common"),
	P(NORELAYING, "relais non autorisé", "common"),
	P(SPAMDETECTED, "courrier indésirable", "Microsoft (fr)"),
	P(USERUNKNOWN, "est introuvable",
	  "Microsoft (fr): L'adresse de messagerie que vous avez entrée est "
	  "introuvable"),
	P(USERUNKNOWN, "utilisateur inconnu", "common"),
	P(USERUNKNOWN, "destinataire inconnu", "common"),
	P(USERUNKNOWN, "adresse inconnue", "common"),
	P(USERUNKNOWN, "n'existe pas", "common"),
};

/* German */
static const struct reason_phrase phrases_de[] = {
	P(HOSTUNKNOWN, "domäne existiert nicht", "common"),
	P(HOSTUNKNOWN, "domain existiert nicht", "common"),
	P(HOSTUNKNOWN, "unbekannte domäne", "common"),
	P(HOSTUNKNOWN, "domain nicht gefunden", "common"),
	P(MAILBOXFULL, "postfach des empfängers ist voll",
	  "Microsoft (de): Das Postfach des Empfängers ist voll"),
	P(MAILBOXFULL, "postfach ist voll", "common"),
	P(MAILBOXFULL, "postfach voll", "common"),
	P(MAILBOXFULL, "speicherplatz", "common"),
	P(MAILBOXFULL, "kontingent überschritten", "common"),
	P(MESGTOOBIG, "nachricht ist zu groß", "common"),
	P(MESGTOOBIG, "nachricht zu groß", "common"),
	P(SUSPEND, "konto deaktiviert", "common"),
	P(SUSPEND, "konto gesperrt", "common"),
	P(SUSPEND, "postfach deaktiviert", "common"),
	P(SPAMDETECTED, "als spam eingestuft", "common"),
	P(USERUNKNOWN, "wurde nicht gefunden",
	  "Microsoft (de): Die eingegebene E-Mail-Adresse wurde nicht "
	  "gefunden"),
	P(USERUNKNOWN, "benutzer unbekannt", "common"),
	P(USERUNKNOWN, "unbekannter benutzer", "common"),
	P(USERUNKNOWN, "empfänger unbekannt", "common"),
	P(USERUNKNOWN, "unbekannter empfänger", "common"),
	P(USERUNKNOWN, "existiert nicht", "common"),
};

/* Spanish */
static const struct reason_phrase phrases_es[] = {
	P(HOSTUNKNOWN, "dominio no existe", "common"),
	P(HOSTUNKNOWN, "dominio desconocido", "common"),
	P(MAILBOXFULL, "buzón está lleno",
	  "Microsoft (es): El buzón del destinatario está lleno"),
	P(MAILBOXFULL, "buzón lleno", "common"),
	P(MAILBOXFULL, "buzon lleno", "common"),
	P(MAILBOXFULL, "cuota excedida", "common"),
	P(MESGTOOBIG, "mensaje demasiado grande", "common"),
	P(MESGTOOBIG, "tamaño del mensaje excede", "common"),
	P(SUSPEND, "cuenta deshabilitada", "common"),
	P(SUSPEND, "cuenta desactivada", "common"),
	P(SUSPEND, "cuenta suspendida", "common"),
	P(SPAMDETECTED, "correo no deseado", "Microsoft (es)"),
	P(USERUNKNOWN, "no se encontró la dirección",
	  "Microsoft (es): No se encontró la dirección de correo "
	  "electrónico"),
	P(USERUNKNOWN, "usuario desconocido", "common"),
	P(USERUNKNOWN, "destinatario desconocido", "common"),
	P(USERUNKNOWN, "usuario no existe", "common"),
	P(USERUNKNOWN, "cuenta no existe", "common"),
};

/* Portuguese */
static const struct reason_phrase phrases_pt[] = {
	P(HOSTUNKNOWN, "domínio não existe", "common"),
	P(HOSTUNKNOWN, "domínio desconhecido", "common"),
	P(MAILBOXFULL, "caixa de correio está cheia",
	  "Microsoft (pt): A caixa de correio do destinatário está cheia"),
	P(MAILBOXFULL, "caixa de correio cheia", "common"),
	P(MAILBOXFULL, "caixa postal cheia", "common"),
	P(MAILBOXFULL, "cota excedida", "common"),
	P(MAILBOXFULL, "quota excedida", "common"),
	P(MESGTOOBIG, "mensagem muito grande", "common"),
	P(MESGTOOBIG, "tamanho da mensagem excede", "common"),
	P(SUSPEND, "conta desativada", "common"),
	P(SUSPEND, "conta suspensa", "common"),
	P(SUSPEND, "conta bloqueada", "common"),
	P(SPAMDETECTED, "lixo eletrônico", "Microsoft (pt)"),
	P(USERUNKNOWN, "não foi possível encontrar o endereço",
	  "Microsoft (pt): Não foi possível encontrar o endereço de email"),
	P(USERUNKNOWN, "usuário desconhecido", "common"),
	P(USERUNKNOWN, "utilizador desconhecido", "common"),
	P(USERUNKNOWN, "destinatário desconhecido", "common"),
	P(USERUNKNOWN, "usuário não existe", "common"),
	P(USERUNKNOWN, "conta não existe", "common"),
};

/* Japanese */
static const struct reason_phrase phrases_ja[] = {
	/* "domain does not exist", "domain not found", "host not found":
	   before the plain "not found" */
	P(HOSTUNKNOWN, "ドメインが存在しません", "common"),
	P(HOSTUNKNOWN, "ドメインが見つかりません", "common"),
	P(HOSTUNKNOWN, "ホストが見つかりません", "common"),
	/* "the mailbox is full", "over capacity" */
	P(MAILBOXFULL, "メールボックスがいっぱい", "common"),
	P(MAILBOXFULL, "容量オーバー", "common"),
	P(MAILBOXFULL, "容量を超え", "common"),
	/* "the size is too large" */
	P(MESGTOOBIG, "サイズが大きすぎ", "common"),
	/* "the account is suspended" */
	P(SUSPEND, "アカウントが停止", "common"),
	P(SUSPEND, "利用停止", "common"),
	/* "junk mail" */
	P(SPAMDETECTED, "迷惑メール", "common"),
	/* "refused to receive": a recipient's own reception filter */
	P(FILTERED, "受信拒否", "Japanese mobile carriers"),
	/* "recipient unknown", "the user does not exist", "not found"
	   (HCL Domino: "... は Domino ディレクトリには見つかりません") */
	P(USERUNKNOWN, "宛先不明", "common"),
	P(USERUNKNOWN, "あて先不明", "common"),
	P(USERUNKNOWN, "存在しないユーザ", "common"),
	P(USERUNKNOWN, "ユーザが存在しません", "common"),
	P(USERUNKNOWN, "ユーザーが存在しません", "common"),
	P(USERUNKNOWN, "アドレスが存在しません", "common"),
	P(USERUNKNOWN, "見つかりません", "HCL Domino (ja)"),
};

/* Words that say little on their own */
static const struct reason_phrase phrases_weak[] = {
	P(USERUNKNOWN, "address rejected", "common"),
	P(REJECTED, "rejected", "common"),
	P(REJECTED, "refused", "common"),
};

/* A local delivery program that says it failed itself (RFC 3464's
   x-unix diagnostic is the program's own output) */
static const struct reason_phrase phrases_program[] = {
	P(MAILERERROR, "couldn't create", "procmail"),
	P(MAILERERROR, "can't create",
	  "Postfix sys_exits.c, Sendmail strexit.c EX_CANTCREAT"),
	P(MAILERERROR, "cannot create", "common"),
	P(MAILERERROR, "couldn't open", "procmail"),
	P(MAILERERROR, "can't open", "common"),
	P(MAILERERROR, "cannot open", "Postfix sys_exits.c EX_NOINPUT"),
	P(MAILERERROR, "command died with", "Postfix pipe"),
	P(MAILERERROR, "command not found", "sh"),
	P(MAILERERROR, "internal software error",
	  "Postfix sys_exits.c, Sendmail strexit.c EX_SOFTWARE"),
	P(MAILERERROR, "unknown mailer error", "Sendmail mci.c"),
};
#undef P

struct reason_phrase_table {
	/* the table's name in rule ids: "en" in "phrase:en:57" */
	const char *name;
	const struct reason_phrase *phrases;
	unsigned int count;
	struct bounce_phrases *index;
};

#define TABLE(name) \
	static struct bounce_phrases name##_index = \
		BOUNCE_PHRASES_INIT(name, phrase)
TABLE(phrases_en);
TABLE(phrases_fr);
TABLE(phrases_de);
TABLE(phrases_es);
TABLE(phrases_pt);
TABLE(phrases_ja);
TABLE(phrases_weak);
TABLE(phrases_program);
#undef TABLE

#define T(name) { #name + sizeof("phrases_") - 1, name, N_ELEMENTS(name), \
		   &name##_index }
/* English first: a bilingual text (La Poste's) is read in English */
static const struct reason_phrase_table cause_tables[] = {
	T(phrases_en), T(phrases_fr), T(phrases_de), T(phrases_es),
	T(phrases_pt), T(phrases_ja),
};
static const struct reason_phrase_table weak_tables[] = {
	T(phrases_weak),
};
static const struct reason_phrase_table program_tables[] = {
	T(phrases_program),
};
#undef T

static enum bounce_reason
find_in_tables(const struct reason_phrase_table *tables, unsigned int count,
	       const char *lc, size_t len, struct bounce_reason_rule *rule_r)
{
	const struct reason_phrase *phrase;
	unsigned int i;
	int idx;

	for (i = 0; i < count; i++) {
		idx = bounce_phrases_find(tables[i].index, lc, len);
		if (idx >= 0) {
			phrase = &tables[i].phrases[idx];
			rule_r->id = t_strdup_printf("phrase:%s:%d",
						     tables[i].name, idx);
			rule_r->source = phrase->source;
			return phrase->reason;
		}
	}
	return BOUNCE_REASON_UNDEFINED;
}

enum bounce_reason
bounce_reason_phrases_find(enum bounce_reason_phrase_set set, const char *lc,
			   struct bounce_reason_rule *rule_r)
{
	size_t len = strlen(lc);

	switch (set) {
	case BOUNCE_REASON_PHRASES_CAUSE:
		return find_in_tables(cause_tables, N_ELEMENTS(cause_tables),
				      lc, len, rule_r);
	case BOUNCE_REASON_PHRASES_WEAK:
		return find_in_tables(weak_tables, N_ELEMENTS(weak_tables),
				      lc, len, rule_r);
	case BOUNCE_REASON_PHRASES_PROGRAM:
		return find_in_tables(program_tables,
				      N_ELEMENTS(program_tables), lc, len,
				      rule_r);
	}
	i_unreached();
}
