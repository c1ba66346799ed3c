/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter socketmap: the Postfix signer daemon. The protocol is
   backscatter-socketmap.h's, the server backscatter-cli-server.h's.

   Bounds: requests of at most BACKSCATTER_SOCKETMAP_MAX_REQUEST octets
   (a longer, broken or truncated one gets NOTFOUND and the connection
   closes: never PERM, as Postfix would defer the mail), complete within
   SOCKETMAP_REQUEST_TIMEOUT_MSECS of their first octet; a connection idle
   for SOCKETMAP_IDLE_MSECS is closed (Postfix itself closes after 10 s
   idle and reconnects); at most SOCKETMAP_MAX_CONNECTIONS at once when
   standalone. */

#include "lib.h"
#include "backscatter-settings.h"
#include "backscatter-socketmap.h"
#include "backscatter-cli-server.h"

#define SOCKETMAP_REQUEST_TIMEOUT_MSECS (10 * 1000)
#define SOCKETMAP_IDLE_MSECS (60 * 1000)
#define SOCKETMAP_MAX_CONNECTIONS 256

static void socketmap_started(struct cli_server *server)
{
	if (*server->set->sign_domains == '\0') {
		e_warning(server->event, "backscatter_sign_domains is empty: "
			  "every lookup is answered NOTFOUND");
	}
}

static const struct cli_server_protocol socketmap_protocol = {
	.name = "socketmap",
	/* Room for the longest request with its length and commas */
	.max_request = BACKSCATTER_SOCKETMAP_MAX_REQUEST + 16,
	.request_timeout_msecs = SOCKETMAP_REQUEST_TIMEOUT_MSECS,
	.idle_msecs = SOCKETMAP_IDLE_MSECS,
	.max_connections = SOCKETMAP_MAX_CONNECTIONS,
	.started = socketmap_started,
	.input = backscatter_socketmap_input,
	.input_truncated = backscatter_socketmap_input_truncated,
};

int cli_socketmap(int argc, char *argv[])
{
	return cli_server_main(&socketmap_protocol, argc, argv);
}
