/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter socketmap: the Postfix signer daemon.

   One process, one ioloop, any number of connections: Postfix keeps a
   connection open per cleanup process and lookups cost microseconds, so
   forking per connection would buy nothing but process churn. Each
   connection is bounded in what it may cost:
   - a request must be complete within SOCKETMAP_REQUEST_TIMEOUT_MSECS of
     its first octet, and a connection idle for SOCKETMAP_IDLE_MSECS is
     closed (Postfix itself closes after 10 s idle and reconnects);
   - requests are at most BACKSCATTER_SOCKETMAP_MAX_REQUEST octets; a
     longer, broken or truncated one gets NOTFOUND and the connection
     closes (never PERM: Postfix would defer the mail);
   - a client that does not read its replies is dropped;
   - at most SOCKETMAP_MAX_CONNECTIONS at once: beyond that, new ones wait
     in the listen queue. So they do when accept() fails (out of file
     descriptors): listening pauses for SOCKETMAP_ACCEPT_RETRY_MSECS or
     until a connection closes, instead of spinning on a listener that
     stays readable.
   The keys come from the key cache (backscatter-key-cache.h) before each
   batch of requests: read again when the file changed, none while it
   cannot be used -- missing, unreadable, unsafe or broken -- with each
   change of its state logged once. That does not stop the signer from
   starting either, as Postfix would defer all mail: it answers NOTFOUND
   (mail leaves unsigned) until the file can be used.

   With --socket it listens on a unix socket; without, it serves the one
   connection on stdin/stdout (systemd's Accept=yes, inetd, Postfix's
   spawn(8)) and exits when it closes. */

#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "llist.h"
#include "str.h"
#include "net.h"
#include "fd-util.h"
#include "strnum.h"
#include "lib-signals.h"
#include "backscatter-config.h"
#include "backscatter-key-cache.h"
#include "backscatter-settings.h"
#include "backscatter-socketmap.h"
#include "backscatter-cli.h"

#include <getopt.h>
#include <unistd.h>
#include <sys/stat.h>

#define SOCKETMAP_REQUEST_TIMEOUT_MSECS (10 * 1000)
#define SOCKETMAP_IDLE_MSECS (60 * 1000)
#define SOCKETMAP_MAX_CONNECTIONS 256
/* Replies are short; this much unread means the client is not reading */
#define SOCKETMAP_MAX_OUTPUT_BUFFER (64 * 1024)
#define SOCKETMAP_LISTEN_BACKLOG 64
/* After accept() failed, how long to leave the rest in the listen queue */
#define SOCKETMAP_ACCEPT_RETRY_MSECS 1000

struct socketmap_conn {
	struct socketmap_conn *prev, *next;
	struct socketmap_server *server;

	int fd_in, fd_out;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to;
	/* The timeout is the request one: a request has begun */
	bool in_request;
};

struct socketmap_server {
	struct event *event;
	const struct backscatter_settings *set;
	pool_t pool;

	/* Never "": startup refuses that. The keys come from the key
	   cache before each batch of requests: read again when the file
	   changed, none while it cannot be used (each state logged once) */
	const char *key_file;

	const char *socket_path;
	int listen_fd;
	struct io *io_listen;
	/* Listening again after accept() failed */
	struct timeout *to_accept;
	bool stdio;
	/* accept() failed and has not succeeded since: logged once */
	bool accept_failing;

	struct socketmap_conn *conns;
	unsigned int conn_count;
};

static void socketmap_listen_start(struct socketmap_server *server);

/*
 * Connections
 */

static void socketmap_conn_destroy(struct socketmap_conn *conn)
{
	struct socketmap_server *server = conn->server;

	DLLIST_REMOVE(&server->conns, conn);
	server->conn_count--;

	timeout_remove(&conn->to);
	io_remove(&conn->io);
	i_stream_destroy(&conn->input);
	o_stream_destroy(&conn->output);
	/* stdin and stdout stay open until exit: closing fd 0 would let
	   the next open() become "stdin" */
	if (!server->stdio)
		i_close_fd(&conn->fd_in);
	i_free(conn);

	if (server->stdio)
		io_loop_stop(current_ioloop);
	else if (server->listen_fd >= 0)
		socketmap_listen_start(server);
}

/* Writes what is buffered and closes: used after a protocol error, when
   the client is owed the NOTFOUND reply but no more reading */
static void socketmap_conn_close(struct socketmap_conn *conn)
{
	(void)o_stream_flush(conn->output);
	socketmap_conn_destroy(conn);
}

static void socketmap_conn_timeout(struct socketmap_conn *conn)
{
	if (conn->in_request) {
		e_debug(conn->server->event, "request not complete after "
			"%u seconds: closing",
			SOCKETMAP_REQUEST_TIMEOUT_MSECS / 1000);
	}
	socketmap_conn_destroy(conn);
}

/* The idle timeout between requests, the request timeout from a
   request's first octet until it is complete */
static void socketmap_conn_set_timeout(struct socketmap_conn *conn,
				       bool in_request)
{
	if (conn->to != NULL && in_request && conn->in_request) {
		/* The request's clock keeps running */
		return;
	}
	timeout_remove(&conn->to);
	conn->in_request = in_request;
	conn->to = timeout_add(in_request ? SOCKETMAP_REQUEST_TIMEOUT_MSECS :
			       SOCKETMAP_IDLE_MSECS,
			       socketmap_conn_timeout, conn);
}

static void socketmap_conn_input(struct socketmap_conn *conn)
{
	struct socketmap_server *server = conn->server;
	struct backscatter_socketmap map = {
		.set = server->set,
		.event = server->event,
	};
	const unsigned char *data;
	size_t size, used;
	string_t *reply;
	ssize_t read_ret;
	int ret;

	read_ret = i_stream_read(conn->input);
	data = i_stream_get_data(conn->input, &size);
	if (size > 0 || read_ret == -1) {
		map.keyring = backscatter_key_cache_get(server->key_file,
							server->event);
	}

	reply = t_str_new(256);
	ret = backscatter_socketmap_input(&map, data, size, ioloop_time,
					  reply, &used);
	i_stream_skip(conn->input, used);
	o_stream_nsend(conn->output, str_data(reply), str_len(reply));
	if (ret < 0) {
		socketmap_conn_close(conn);
		return;
	}
	if (o_stream_flush(conn->output) < 0) {
		e_debug(server->event, "write failed: %s",
			o_stream_get_error(conn->output));
		socketmap_conn_destroy(conn);
		return;
	}
	if (o_stream_get_buffer_used_size(conn->output) >
	    SOCKETMAP_MAX_OUTPUT_BUFFER) {
		e_error(server->event, "client does not read its replies: "
			"closing");
		socketmap_conn_destroy(conn);
		return;
	}

	size = i_stream_get_data_size(conn->input);
	if (read_ret == -1) {
		if (conn->input->stream_errno != 0) {
			e_debug(server->event, "read failed: %s",
				i_stream_get_error(conn->input));
		} else if (size > 0) {
			/* Half-closed in the middle of a request: the
			   reply can still be read */
			str_truncate(reply, 0);
			backscatter_socketmap_input_truncated(&map, reply);
			o_stream_nsend(conn->output, str_data(reply),
				       str_len(reply));
		}
		socketmap_conn_close(conn);
		return;
	}
	if (read_ret == -2) {
		/* Cannot happen: the parser refuses a netstring longer
		   than the buffer before it is full. Never hang on it. */
		e_error(server->event, "request buffer full: closing");
		socketmap_conn_destroy(conn);
		return;
	}
	socketmap_conn_set_timeout(conn, size > 0);
}

static void
socketmap_conn_create(struct socketmap_server *server, int fd_in, int fd_out)
{
	struct socketmap_conn *conn;

	conn = i_new(struct socketmap_conn, 1);
	conn->server = server;
	conn->fd_in = fd_in;
	conn->fd_out = fd_out;
	/* Room for the longest request with its length and commas */
	conn->input = i_stream_create_fd(fd_in,
		BACKSCATTER_SOCKETMAP_MAX_REQUEST + 16);
	conn->output = o_stream_create_fd(fd_out, SIZE_MAX);
	o_stream_set_no_error_handling(conn->output, TRUE);
	conn->io = io_add(fd_in, IO_READ, socketmap_conn_input, conn);
	socketmap_conn_set_timeout(conn, FALSE);

	DLLIST_PREPEND(&server->conns, conn);
	server->conn_count++;
}

/*
 * Listening
 */

static void socketmap_listen_resume(struct socketmap_server *server)
{
	timeout_remove(&server->to_accept);
	socketmap_listen_start(server);
}

static void socketmap_accept(struct socketmap_server *server)
{
	int fd;

	fd = net_accept(server->listen_fd, NULL, NULL);
	if (fd == -1) {
		/* The client gave up before we got to it */
		return;
	}
	if (fd < 0) {
		/* Out of file descriptors (EMFILE, ENFILE), most likely.
		   The connection stays in the listen queue and the
		   listener readable: listening on would spin. Wait for a
		   connection to close, or a while. */
		if (!server->accept_failing) {
			e_error(server->event, "accept(%s) failed: %m "
				"(new connections wait until one closes)",
				server->socket_path);
			server->accept_failing = TRUE;
		}
		io_remove(&server->io_listen);
		timeout_remove(&server->to_accept);
		server->to_accept = timeout_add(SOCKETMAP_ACCEPT_RETRY_MSECS,
						socketmap_listen_resume,
						server);
		return;
	}
	if (server->accept_failing) {
		e_info(server->event, "accepting connections again");
		server->accept_failing = FALSE;
	}
	net_set_nonblock(fd, TRUE);
	fd_close_on_exec(fd, TRUE);
	socketmap_conn_create(server, fd, fd);
	if (server->conn_count >= SOCKETMAP_MAX_CONNECTIONS) {
		/* The rest wait in the listen queue until one closes */
		e_debug(server->event, "%u connections: not accepting more "
			"for now", server->conn_count);
		io_remove(&server->io_listen);
	}
}

/* Listens, unless it already does or the connections are at their cap
   (a closing one calls this again) */
static void socketmap_listen_start(struct socketmap_server *server)
{
	timeout_remove(&server->to_accept);
	if (server->io_listen != NULL ||
	    server->conn_count >= SOCKETMAP_MAX_CONNECTIONS)
		return;
	server->io_listen = io_add(server->listen_fd, IO_READ,
				   socketmap_accept, server);
}

static int
socketmap_listen(struct socketmap_server *server, unsigned int mode)
{
	mode_t old_umask;

	/* The mode is set as the socket is made: chmod() afterwards would
	   leave a moment in which anyone could connect */
	old_umask = umask(0777 & ~mode);
	server->listen_fd = net_listen_unix_unlink_stale(server->socket_path,
		SOCKETMAP_LISTEN_BACKLOG);
	umask(old_umask);
	if (server->listen_fd < 0) {
		if (errno == EADDRINUSE) {
			e_error(server->event, "%s: another server is "
				"listening there", server->socket_path);
		} else {
			e_error(server->event, "net_listen_unix(%s) failed: %m",
				server->socket_path);
		}
		return -1;
	}
	fd_close_on_exec(server->listen_fd, TRUE);
	socketmap_listen_start(server);
	return 0;
}

static void socketmap_signal(const siginfo_t *si ATTR_UNUSED,
			     void *context ATTR_UNUSED)
{
	io_loop_stop(current_ioloop);
}

/*
 * The command
 */

static const struct option cli_socketmap_options[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "mode", required_argument, NULL, 'm' },
	CLI_COMMON_OPTION_KEY_FILE,
	CLI_COMMON_OPTION_CONFIG,
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
socketmap_server_init(struct socketmap_server *server,
		      const char *config_path, const char *key_file)
{
	const char *error;

	server->pool = pool_alloconly_create("backscatter socketmap", 1024);
	if (config_path == NULL)
		server->set = &backscatter_default_settings;
	else if (cli_config_read(config_path, server->pool, &server->set,
				 &error) < 0) {
		e_error(server->event, "%s", error);
		return -1;
	}
	server->key_file = key_file != NULL ? key_file :
		server->set->key_file;
	if (*server->key_file == '\0') {
		e_error(server->event, "no key file: give -k KEYFILE, or -c "
			"CONFIG with backscatter_key_file set");
		return -1;
	}
	/* A key file that cannot be read is logged, not fatal */
	(void)backscatter_key_cache_get(server->key_file, server->event);
	if (*server->set->sign_domains == '\0') {
		e_warning(server->event, "backscatter_sign_domains is empty: "
			  "every lookup is answered NOTFOUND");
	}
	return 0;
}

static void socketmap_server_deinit(struct socketmap_server *server)
{
	while (server->conns != NULL)
		socketmap_conn_destroy(server->conns);
	io_remove(&server->io_listen);
	timeout_remove(&server->to_accept);
	if (server->listen_fd >= 0) {
		i_close_fd(&server->listen_fd);
		/* Ours: a stale one would only mislead */
		i_unlink_if_exists(server->socket_path);
	}
	backscatter_key_cache_deinit();
	pool_unref(&server->pool);
}

/* Whether the ioloop can wait for stdin: epoll takes no regular file,
   directory or /dev/null, and Dovecot panics when given one */
static bool socketmap_stdin_pollable(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) < 0)
		return FALSE;
	return S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) ||
		(S_ISCHR(st.st_mode) && isatty(STDIN_FILENO) != 0);
}

static int socketmap_run(struct socketmap_server *server, unsigned int mode)
{
	struct ioloop *ioloop;
	int ret = 0;

	ioloop = io_loop_create();
	lib_signals_init();
	lib_signals_ignore(SIGPIPE, TRUE);
	lib_signals_set_handler(SIGTERM, LIBSIG_FLAGS_SAFE,
				socketmap_signal, NULL);
	lib_signals_set_handler(SIGINT, LIBSIG_FLAGS_SAFE,
				socketmap_signal, NULL);

	if (server->stdio) {
		if (socketmap_stdin_pollable())
			socketmap_conn_create(server, STDIN_FILENO,
					      STDOUT_FILENO);
		else {
			e_error(server->event, "without --socket, stdin must "
				"be a socket, a pipe or a terminal: it is "
				"the connection served");
			ret = -1;
		}
	} else if (socketmap_listen(server, mode) < 0)
		ret = -1;
	if (ret == 0) {
		if (!server->stdio) {
			e_info(server->event, "listening on %s",
			       server->socket_path);
		}
		io_loop_run(ioloop);
	}
	socketmap_server_deinit(server);
	lib_signals_deinit();
	io_loop_destroy(&ioloop);
	return ret;
}

int cli_socketmap(int argc, char *argv[])
{
	struct socketmap_server server;
	struct cli_common_options opts;
	unsigned int mode = 0660;
	bool verbose = FALSE;
	int c, ret;

	i_zero(&server);
	server.listen_fd = -1;
	cli_common_options_init(&opts);
	while ((c = getopt_long(argc, argv, "s:m:k:c:vh",
				cli_socketmap_options, NULL)) != -1) {
		if ((ret = cli_common_option("socketmap", c, optarg,
					     &opts)) != 0) {
			if (ret < 0)
				return CLI_EXIT_ERROR;
			continue;
		}
		switch (c) {
		case 's':
			server.socket_path = optarg;
			break;
		case 'm':
			if (str_to_uint_oct(optarg, &mode) < 0 ||
			    mode > 0777) {
				return cli_usage_error("socketmap", "--mode: "
					"'%s' is not an octal file mode",
					optarg);
			}
			break;
		case 'v':
			verbose = TRUE;
			break;
		case 'h':
			cli_usage(stdout, "socketmap", TRUE);
			return CLI_EXIT_OK;
		default:
			return cli_try_help("socketmap");
		}
	}
	if (optind < argc) {
		return cli_usage_error("socketmap", "unexpected argument '%s'",
				       argv[optind]);
	}
	server.stdio = server.socket_path == NULL;

	server.event = event_create(NULL);
	event_set_append_log_prefix(server.event, "socketmap: ");
	if (verbose)
		event_set_forced_debug(server.event, TRUE);
	if (socketmap_server_init(&server, opts.config_path,
				  opts.key_file) < 0) {
		socketmap_server_deinit(&server);
		ret = CLI_EXIT_ERROR;
	} else {
		ret = socketmap_run(&server, mode) < 0 ?
			CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	event_unref(&server.event);
	return ret;
}
