#ifndef BACKSCATTER_POLICY_H
#define BACKSCATTER_POLICY_H

/* The Postfix policy delegation protocol (SMTPD_POLICY_README) of the
   edge refusal, without sockets.

   Postfix sends a request of "name=value" lines ended by an empty line,
   and reads one reply: "action=..." and an empty line. Connections stay
   open for further requests. The decision:
   - request=smtpd_access_policy at protocol_state=RCPT with the null
     sender (sender= empty): the recipient is judged by the engine's rule
     (backscatter_verify_recipient(), the recipient as the delivered
     address; a policy request has no ORCPT):
     - forged or expired: "action=550 5.7.1 <backscatter_policy_reject_text>
       (tag forged|tag expired)";
     - untagged, to a domain of backscatter_sign_domains, on a day when
       the delivery-time triage calls every untagged bounce there bogus
       (see backscatter_policy_decide()), and backscatter_policy_unsigned
       = reject: the same 550, "(no tag)";
     - anything else (valid, unsigned, unknown, no keys): DUNNO;
   - any other sender, request or protocol state: DUNNO.
   It never answers DEFER or a 4xx: Postfix would hold mail back on it.
   What it cannot understand gets DUNNO with a log line: a request
   without the attributes it needs, or with one of them twice, stays
   on a connection that can go on; a request that breaks the framing (a
   line without '=', a NUL, more than BACKSCATTER_POLICY_MAX_REQUEST
   octets) gets DUNNO and the connection must then be closed.

   The caller owns the connection, as with backscatter-socketmap.h: it
   feeds what it has read to backscatter_policy_input() and writes the
   replies. */

#include "backscatter-daemon.h"
#include "backscatter-verify.h"

/* Postfix sends a few dozen attributes, of which only certificate and
   SASL fields may be long; a whole request is rarely 2000 octets */
#define BACKSCATTER_POLICY_MAX_REQUEST 16384

/* The attributes of one request that matter here; NULL when absent */
struct backscatter_policy_request {
	const char *request;
	const char *protocol_state;
	const char *sender;
	const char *recipient;
	/* For log lines only */
	const char *client_address;
	const char *queue_id;
	/* One of the attributes above came twice */
	bool duplicate;
};

enum backscatter_policy_action {
	BACKSCATTER_POLICY_DUNNO = 0,
	BACKSCATTER_POLICY_REJECT,
};

struct backscatter_policy_result {
	enum backscatter_policy_action action;
	/* REJECT: what the reply names ("tag forged", "tag expired",
	   "no tag") */
	const char *what;
	/* Why, for the log line */
	const char *reason;
	/* The log line is an info line, not a debug one: a refusal, or a
	   request that could not be judged as it should (a wrong request
	   type or state, a bounce without a usable recipient) */
	bool log_info;
};

/* Decides one request. Strings come from the data stack. */
void backscatter_policy_decide(const struct backscatter_daemon *policy,
			       const struct backscatter_policy_request *request,
			       time_t now,
			       struct backscatter_policy_result *result_r);

/* Appends the reply to a decision: "action=...\n\n" */
void backscatter_policy_reply(const struct backscatter_daemon *policy,
			      const struct backscatter_policy_result *result,
			      string_t *reply);

/* Answers every complete request at the start of data, appending the
   replies to reply (which may be a t_str_new() of the caller's data stack
   frame), logging each decision, and sets used_r to the octets consumed.
   Returns 0 when the rest (if any) may still become a request, or -1
   after a request that broke the framing: its DUNNO is appended, and the
   connection must be closed once the replies are written. */
int backscatter_policy_input(const struct backscatter_daemon *policy,
			     const unsigned char *data, size_t size,
			     time_t now, string_t *reply, size_t *used_r);
/* Appends the reply to a request the client cut short by closing its
   side (DUNNO, and a log line) */
void backscatter_policy_input_truncated(const struct backscatter_daemon *policy,
					string_t *reply);

#endif
