#ifndef BACKSCATTER_CLI_SERVER_H
#define BACKSCATTER_CLI_SERVER_H

/* What the daemons share: "backscatter socketmap" (the Postfix signer) and
   "backscatter policy" (the Postfix policy service). Each is a protocol
   core of lib-backscatter behind the same server: one process, one
   ioloop, any number of connections, each bounded in what it may cost.
   It runs in one of three ways:
   - standalone on a unix socket (--socket), with its own listener;
   - on one connection on stdin/stdout (no --socket): systemd's
     Accept=yes, inetd, Postfix's spawn(8), tests;
   - as a service of Dovecot's master (backscatter-cli-service.c), which
     owns the listener, the process limits, restarts and logging, and
     hands over the settings. */

#include "backscatter-daemon.h"
#include "backscatter-cli.h"

struct cli_server;

/* A daemon's protocol and bounds */
struct cli_server_protocol {
	/* The command: "socketmap", "policy" */
	const char *name;
	/* The longest request with its framing: the input buffer's size */
	size_t max_request;
	/* A request must be complete this long after its first octet */
	unsigned int request_timeout_msecs;
	/* A connection idle this long between requests is closed */
	unsigned int idle_msecs;
	/* Standalone: at most this many connections at once; more wait in
	   the listen queue. (Under Dovecot, service { client_limit }.) */
	unsigned int max_connections;

	/* Logs what the settings make of the daemon at startup, e.g. that
	   it will answer everything alike */
	void (*started)(struct cli_server *server);
	/* The protocol core (backscatter_<name>_input()): answers every
	   complete request at the start of data, appending the replies to
	   reply (a t_str_new() of the caller's frame), and sets used_r to
	   the octets consumed. Returns 0, or -1 after a protocol error: its
	   reply is appended, and the connection is closed once the replies
	   are written. */
	int (*input)(const struct backscatter_daemon *daemon,
		     const unsigned char *data, size_t size, time_t now,
		     string_t *reply, size_t *used_r);
	/* The client closed its side within a request: appends the reply it
	   is owed */
	void (*input_truncated)(const struct backscatter_daemon *daemon,
				string_t *reply);
};

enum cli_server_mode {
	CLI_SERVER_MODE_SOCKET = 0,
	CLI_SERVER_MODE_STDIO,
	CLI_SERVER_MODE_DOVECOT,
};

/* What the protocols see of the server */
struct cli_server {
	const struct cli_server_protocol *protocol;
	enum cli_server_mode mode;
	struct event *event;
	const struct backscatter_settings *set;
	/* Never "": startup refuses that */
	const char *key_file;
	/* The keys for the requests being answered, from the key cache
	   before each batch: NULL while the file cannot be used */
	const struct backscatter_keyring *keyring;
};

/* The command: parses the daemons' options (--socket, --mode, -c, -k,
   --verbose, --help), reads settings and keys and serves until stopped
   (SIGTERM, SIGINT, the end of stdin, or Dovecot's master). Returns an
   exit code. */
int cli_server_main(const struct cli_server_protocol *protocol,
		    int argc, char *argv[]);

/* Serves an accepted connection: for Dovecot's master */
void cli_server_connection_create(struct cli_server *server, int fd);

/*
 * Dovecot's master (backscatter-cli-service.c)
 */

/* Whether this process is a service that Dovecot's master started to run
   command (argv[1]). Then main() calls cli_service_init() instead of
   lib_init(), and cli_service_deinit() at the end. */
bool cli_service_detect(int argc, char *argv[]);
void cli_service_init(int *argc, char **argv[]);
void cli_service_deinit(void);
/* Whether cli_service_init() was called */
bool cli_service_active(void);

/* Reads the backscatter_* settings through the master's configuration
   (2.3: the plugin {} block; 2.4: the settings declared by the settings
   module) into a struct from pool. Returns 0, or -1 with an error. */
int cli_service_settings_read(pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r);
/* Drops the privileges to the service's user and groups, as the master
   asks */
void cli_service_restrict_access(void);
/* Tells the master the service is up, and serves its connections until
   it stops the process */
void cli_service_run(struct cli_server *server);
/* A connection of the master's ended */
void cli_service_connection_destroyed(void);

#endif
