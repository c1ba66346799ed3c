#ifndef BACKSCATTER_DAEMON_H
#define BACKSCATTER_DAEMON_H

/* What the protocol cores of the daemons (backscatter-socketmap.h, the
   signer; backscatter-policy.h, the policy service) answer requests with.
   Both need the same three things, so that one server hands them one
   struct: the CLI's (cli/backscatter-cli-server.h) fills it before each
   batch of requests. */

struct backscatter_settings;
struct backscatter_keyring;

struct backscatter_daemon {
	const struct backscatter_settings *set;
	/* NULL when there are no keys */
	const struct backscatter_keyring *keyring;
	/* For the log lines about single requests */
	struct event *event;
};

#endif
