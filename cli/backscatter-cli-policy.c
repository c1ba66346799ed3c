/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter policy: the Postfix policy service that refuses forged
   bounces at RCPT. The protocol and the decision are
   backscatter-policy.h's, the server backscatter-cli-server.h's.

   Bounds: requests of at most BACKSCATTER_POLICY_MAX_REQUEST octets (a
   longer one, or one that breaks the framing, gets DUNNO and the
   connection closes: never a DEFER or a 4xx, which would hold mail
   back), complete within POLICY_REQUEST_TIMEOUT_MSECS of their first
   octet. A connection idle for POLICY_IDLE_MSECS is closed: longer than
   Postfix's smtpd_policy_service_max_idle (300 s), after which smtpd
   closes it itself, so that smtpd does not find it closed under a
   request (it would retry, but log a warning). At most
   POLICY_MAX_CONNECTIONS at once when standalone: one per smtpd
   process, and Postfix's default_process_limit is 100. */

#include "lib.h"
#include "backscatter-settings.h"
#include "backscatter-policy.h"
#include "backscatter-cli-server.h"

/* Postfix writes a request in one go; a stalled one is no client's */
#define POLICY_REQUEST_TIMEOUT_MSECS (10 * 1000)
#define POLICY_IDLE_MSECS (360 * 1000)
#define POLICY_MAX_CONNECTIONS 512

static void policy_started(struct cli_server *server)
{
	const struct backscatter_settings *set = server->set;

	if (set->parsed.policy_unsigned_reject && !set->parsed.enforce) {
		e_warning(server->event, "backscatter_policy_unsigned = "
			  "reject has no effect without "
			  "backscatter_enforce_since");
	}
}

static const struct cli_server_protocol policy_protocol = {
	.name = "policy",
	/* One octet more than a request may have: the parser refuses it
	   before the buffer is full */
	.max_request = BACKSCATTER_POLICY_MAX_REQUEST + 1,
	.request_timeout_msecs = POLICY_REQUEST_TIMEOUT_MSECS,
	.idle_msecs = POLICY_IDLE_MSECS,
	.max_connections = POLICY_MAX_CONNECTIONS,
	.started = policy_started,
	.input = backscatter_policy_input,
	.input_truncated = backscatter_policy_input_truncated,
};

int cli_policy(int argc, char *argv[])
{
	return cli_server_main(&policy_protocol, argc, argv);
}
