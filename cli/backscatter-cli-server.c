/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The daemons' server: connections, their bounds, and the listener.

   One process, one ioloop, any number of connections: Postfix keeps a
   connection open per smtpd or cleanup process and requests cost
   microseconds, so forking per connection would buy nothing but process
   churn. Each connection is bounded in what it may cost:
   - a request must be complete within the protocol's request timeout of
     its first octet, and a connection idle for its idle time is closed
     (Postfix reconnects by itself);
   - a request longer than the protocol allows, broken or truncated gets
     the protocol's harmless answer (NOTFOUND, DUNNO) and the connection
     closes: never one that makes Postfix defer mail;
   - a client that does not read its replies is dropped;
   - standalone, at most the protocol's max_connections at once: beyond
     that, new ones wait in the listen queue. So they do when accept()
     fails (out of file descriptors): listening pauses for
     CLI_SERVER_ACCEPT_RETRY_MSECS or until a connection closes, instead
     of spinning on a listener that stays readable. Under Dovecot's
     master these are the master's: client_limit, process_limit.
   The keys come from the key cache (backscatter-key-cache.h) before each
   batch of requests: read again when the file changed, none while it
   cannot be used -- missing, unreadable, unsafe or broken -- with each
   change of its state logged once. That does not stop a daemon from
   starting either, as Postfix would defer all mail: it answers as if no
   tag could be made or judged until the file can be used. */

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
#include "backscatter-key-cache.h"
#include "backscatter-settings.h"
#include "backscatter-cli-server.h"

#include <getopt.h>
#include <unistd.h>
#include <sys/stat.h>

/* Replies are short; this much unread means the client is not reading */
#define CLI_SERVER_MAX_OUTPUT_BUFFER (64 * 1024)
#define CLI_SERVER_LISTEN_BACKLOG 64
/* After accept() failed, how long to leave the rest in the listen queue */
#define CLI_SERVER_ACCEPT_RETRY_MSECS 1000

struct cli_server_conn {
	struct cli_server_conn *prev, *next;
	struct cli_server_ctx *ctx;

	int fd_in, fd_out;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to;
	/* The timeout is the request one: a request has begun */
	bool in_request;
};

/* The server with what only this file sees */
struct cli_server_ctx {
	struct cli_server server;
	pool_t pool;

	const char *socket_path;
	int listen_fd;
	struct io *io_listen;
	/* Listening again after accept() failed */
	struct timeout *to_accept;
	/* accept() failed and has not succeeded since: logged once */
	bool accept_failing;

	struct cli_server_conn *conns;
	unsigned int conn_count;
};

static void cli_server_listen_start(struct cli_server_ctx *ctx);

/*
 * Connections
 */

static void cli_server_conn_destroy(struct cli_server_conn *conn)
{
	struct cli_server_ctx *ctx = conn->ctx;

	DLLIST_REMOVE(&ctx->conns, conn);
	ctx->conn_count--;

	timeout_remove(&conn->to);
	io_remove(&conn->io);
	i_stream_destroy(&conn->input);
	o_stream_destroy(&conn->output);
	/* stdin and stdout stay open until exit: closing fd 0 would let
	   the next open() become "stdin" */
	if (ctx->server.mode != CLI_SERVER_MODE_STDIO)
		i_close_fd(&conn->fd_in);
	i_free(conn);

	switch (ctx->server.mode) {
	case CLI_SERVER_MODE_SOCKET:
		if (ctx->listen_fd >= 0)
			cli_server_listen_start(ctx);
		break;
	case CLI_SERVER_MODE_STDIO:
		io_loop_stop(current_ioloop);
		break;
	case CLI_SERVER_MODE_DOVECOT:
		cli_service_connection_destroyed();
		break;
	}
}

/* Writes what is buffered and closes: used after a protocol error, when
   the client is owed the reply but no more reading */
static void cli_server_conn_close(struct cli_server_conn *conn)
{
	(void)o_stream_flush(conn->output);
	cli_server_conn_destroy(conn);
}

static void cli_server_conn_timeout(struct cli_server_conn *conn)
{
	if (conn->in_request) {
		e_debug(conn->ctx->server.event, "request not complete after "
			"%u seconds: closing",
			conn->ctx->server.protocol->request_timeout_msecs /
			1000);
	}
	cli_server_conn_destroy(conn);
}

/* The idle timeout between requests, the request timeout from a
   request's first octet until it is complete */
static void
cli_server_conn_set_timeout(struct cli_server_conn *conn, bool in_request)
{
	const struct cli_server_protocol *protocol =
		conn->ctx->server.protocol;

	if (conn->to != NULL && in_request && conn->in_request) {
		/* The request's clock keeps running */
		return;
	}
	timeout_remove(&conn->to);
	conn->in_request = in_request;
	conn->to = timeout_add(in_request ? protocol->request_timeout_msecs :
			       protocol->idle_msecs,
			       cli_server_conn_timeout, conn);
}

static void cli_server_conn_input(struct cli_server_conn *conn)
{
	struct cli_server *server = &conn->ctx->server;
	struct backscatter_daemon daemon;
	const unsigned char *data;
	size_t size, used;
	string_t *reply;
	ssize_t read_ret;
	int ret;

	read_ret = i_stream_read(conn->input);
	data = i_stream_get_data(conn->input, &size);
	if (size > 0 || read_ret == -1) {
		server->keyring = backscatter_key_cache_get(server->key_file,
							    server->event);
	}

	i_zero(&daemon);
	daemon.set = server->set;
	daemon.keyring = server->keyring;
	daemon.event = server->event;

	reply = t_str_new(256);
	ret = server->protocol->input(&daemon, data, size, ioloop_time,
				      reply, &used);
	i_stream_skip(conn->input, used);
	o_stream_nsend(conn->output, str_data(reply), str_len(reply));
	if (ret < 0) {
		cli_server_conn_close(conn);
		return;
	}
	if (o_stream_flush(conn->output) < 0) {
		e_debug(server->event, "write failed: %s",
			o_stream_get_error(conn->output));
		cli_server_conn_destroy(conn);
		return;
	}
	if (o_stream_get_buffer_used_size(conn->output) >
	    CLI_SERVER_MAX_OUTPUT_BUFFER) {
		e_error(server->event, "client does not read its replies: "
			"closing");
		cli_server_conn_destroy(conn);
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
			server->protocol->input_truncated(&daemon, reply);
			o_stream_nsend(conn->output, str_data(reply),
				       str_len(reply));
		}
		cli_server_conn_close(conn);
		return;
	}
	if (read_ret == -2) {
		/* Cannot happen: the protocols refuse a request longer
		   than the buffer before it is full. Never hang on it. */
		e_error(server->event, "request buffer full: closing");
		cli_server_conn_destroy(conn);
		return;
	}
	cli_server_conn_set_timeout(conn, size > 0);
}

static void
cli_server_conn_create(struct cli_server_ctx *ctx, int fd_in, int fd_out)
{
	struct cli_server_conn *conn;

	conn = i_new(struct cli_server_conn, 1);
	conn->ctx = ctx;
	conn->fd_in = fd_in;
	conn->fd_out = fd_out;
	/* Room for the longest request with its framing */
	conn->input = i_stream_create_fd(fd_in,
					 ctx->server.protocol->max_request);
	conn->output = o_stream_create_fd(fd_out, SIZE_MAX);
	o_stream_set_no_error_handling(conn->output, TRUE);
	conn->io = io_add(fd_in, IO_READ, cli_server_conn_input, conn);
	cli_server_conn_set_timeout(conn, FALSE);

	DLLIST_PREPEND(&ctx->conns, conn);
	ctx->conn_count++;
}

void cli_server_connection_create(struct cli_server *server, int fd)
{
	struct cli_server_ctx *ctx =
		container_of(server, struct cli_server_ctx, server);

	net_set_nonblock(fd, TRUE);
	fd_close_on_exec(fd, TRUE);
	cli_server_conn_create(ctx, fd, fd);
}

/*
 * Listening (standalone)
 */

static void cli_server_listen_resume(struct cli_server_ctx *ctx)
{
	timeout_remove(&ctx->to_accept);
	cli_server_listen_start(ctx);
}

static void cli_server_accept(struct cli_server_ctx *ctx)
{
	int fd;

	fd = net_accept(ctx->listen_fd, NULL, NULL);
	if (fd == -1) {
		/* The client gave up before we got to it */
		return;
	}
	if (fd < 0) {
		/* Out of file descriptors (EMFILE, ENFILE), most likely.
		   The connection stays in the listen queue and the
		   listener readable: listening on would spin. Wait for a
		   connection to close, or a while. */
		if (!ctx->accept_failing) {
			e_error(ctx->server.event, "accept(%s) failed: %m "
				"(new connections wait until one closes)",
				ctx->socket_path);
			ctx->accept_failing = TRUE;
		}
		io_remove(&ctx->io_listen);
		timeout_remove(&ctx->to_accept);
		ctx->to_accept = timeout_add(CLI_SERVER_ACCEPT_RETRY_MSECS,
					     cli_server_listen_resume, ctx);
		return;
	}
	if (ctx->accept_failing) {
		e_info(ctx->server.event, "accepting connections again");
		ctx->accept_failing = FALSE;
	}
	cli_server_connection_create(&ctx->server, fd);
	if (ctx->conn_count >= ctx->server.protocol->max_connections) {
		/* The rest wait in the listen queue until one closes */
		e_debug(ctx->server.event, "%u connections: not accepting "
			"more for now", ctx->conn_count);
		io_remove(&ctx->io_listen);
	}
}

/* Listens, unless it already does or the connections are at their cap
   (a closing one calls this again) */
static void cli_server_listen_start(struct cli_server_ctx *ctx)
{
	timeout_remove(&ctx->to_accept);
	if (ctx->io_listen != NULL ||
	    ctx->conn_count >= ctx->server.protocol->max_connections)
		return;
	ctx->io_listen = io_add(ctx->listen_fd, IO_READ, cli_server_accept,
				ctx);
}

static int cli_server_listen(struct cli_server_ctx *ctx, unsigned int mode)
{
	mode_t old_umask;

	/* The mode is set as the socket is made: chmod() afterwards would
	   leave a moment in which anyone could connect */
	old_umask = umask(0777 & ~mode);
	ctx->listen_fd = net_listen_unix_unlink_stale(ctx->socket_path,
		CLI_SERVER_LISTEN_BACKLOG);
	umask(old_umask);
	if (ctx->listen_fd < 0) {
		if (errno == EADDRINUSE) {
			e_error(ctx->server.event, "%s: another server is "
				"listening there", ctx->socket_path);
		} else {
			e_error(ctx->server.event,
				"net_listen_unix(%s) failed: %m",
				ctx->socket_path);
		}
		return -1;
	}
	fd_close_on_exec(ctx->listen_fd, TRUE);
	cli_server_listen_start(ctx);
	return 0;
}

static void cli_server_signal(const siginfo_t *si ATTR_UNUSED,
			      void *context ATTR_UNUSED)
{
	io_loop_stop(current_ioloop);
}

/* Whether the ioloop can wait for stdin: epoll takes no regular file,
   directory or /dev/null, and Dovecot panics when given one */
static bool cli_server_stdin_pollable(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) < 0)
		return FALSE;
	return S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) ||
		(S_ISCHR(st.st_mode) && isatty(STDIN_FILENO) != 0);
}

/* Closes every connection and the listener, while their ioloop exists */
static void cli_server_stop(struct cli_server_ctx *ctx)
{
	while (ctx->conns != NULL)
		cli_server_conn_destroy(ctx->conns);
	io_remove(&ctx->io_listen);
	timeout_remove(&ctx->to_accept);
	if (ctx->listen_fd >= 0) {
		i_close_fd(&ctx->listen_fd);
		/* Ours: a stale one would only mislead */
		i_unlink_if_exists(ctx->socket_path);
	}
}

/* Runs its own ioloop: standalone and stdin/stdout */
static int cli_server_run(struct cli_server_ctx *ctx, unsigned int mode)
{
	struct ioloop *ioloop;
	int ret = 0;

	ioloop = io_loop_create();
	lib_signals_init();
	lib_signals_ignore(SIGPIPE, TRUE);
	lib_signals_set_handler(SIGTERM, LIBSIG_FLAGS_SAFE,
				cli_server_signal, NULL);
	lib_signals_set_handler(SIGINT, LIBSIG_FLAGS_SAFE,
				cli_server_signal, NULL);

	if (ctx->server.mode == CLI_SERVER_MODE_STDIO) {
		if (cli_server_stdin_pollable())
			cli_server_conn_create(ctx, STDIN_FILENO,
					       STDOUT_FILENO);
		else {
			e_error(ctx->server.event, "without --socket, stdin "
				"must be a socket, a pipe or a terminal: it "
				"is the connection served");
			ret = -1;
		}
	} else if (cli_server_listen(ctx, mode) < 0)
		ret = -1;
	if (ret == 0) {
		if (ctx->server.mode == CLI_SERVER_MODE_SOCKET) {
			e_info(ctx->server.event, "listening on %s",
			       ctx->socket_path);
		}
		io_loop_run(ioloop);
	}
	cli_server_stop(ctx);
	lib_signals_deinit();
	io_loop_destroy(&ioloop);
	return ret;
}

/*
 * The command
 */

static const struct option cli_server_options[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "mode", required_argument, NULL, 'm' },
	CLI_COMMON_OPTION_KEY_FILE,
	CLI_COMMON_OPTION_CONFIG,
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
cli_server_settings(struct cli_server_ctx *ctx, const char *config_path,
		    const char *key_file)
{
	struct cli_server *server = &ctx->server;
	const char *error;

	if (server->mode == CLI_SERVER_MODE_DOVECOT) {
		if (cli_service_settings_read(ctx->pool, &server->set,
					      &error) < 0) {
			e_error(server->event, "%s", error);
			return -1;
		}
		/* The key file is read as the service's user */
		cli_service_restrict_access();
	} else if (config_path == NULL)
		server->set = &backscatter_default_settings;
	else if (cli_config_read(config_path, ctx->pool, &server->set,
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
	if (server->protocol->started != NULL)
		server->protocol->started(server);
	return 0;
}

static void cli_server_deinit(struct cli_server_ctx *ctx)
{
	backscatter_key_cache_deinit();
	pool_unref(&ctx->pool);
}

int cli_server_main(const struct cli_server_protocol *protocol,
		    int argc, char *argv[])
{
	const char *name = protocol->name;
	struct cli_server_ctx ctx;
	struct cli_common_options opts;
	unsigned int mode = 0660;
	bool verbose = FALSE;
	int c, ret;

	i_zero(&ctx);
	ctx.server.protocol = protocol;
	ctx.listen_fd = -1;
	cli_common_options_init(&opts);
	while ((c = getopt_long(argc, argv, "s:m:k:c:vh", cli_server_options,
				NULL)) != -1) {
		if ((ret = cli_common_option(name, c, optarg, &opts)) != 0) {
			if (ret < 0)
				return CLI_EXIT_ERROR;
			continue;
		}
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			break;
		case 'm':
			if (str_to_uint_oct(optarg, &mode) < 0 ||
			    mode > 0777) {
				return cli_usage_error(name, "--mode: '%s' is "
					"not an octal file mode", optarg);
			}
			break;
		case 'v':
			verbose = TRUE;
			break;
		default:
			/* -h, or an option getopt refused */
			return cli_help_option(name, c);
		}
	}
	if (optind < argc) {
		return cli_usage_error(name, "unexpected argument '%s'",
				       argv[optind]);
	}
	if (cli_service_active()) {
		/* Dovecot's master owns the listener and the settings */
		if (ctx.socket_path != NULL || opts.config_path != NULL) {
			return cli_usage_error(name, "as a Dovecot service "
				"it takes neither --socket nor -c: the "
				"service's listeners and Dovecot's settings "
				"count");
		}
		ctx.server.mode = CLI_SERVER_MODE_DOVECOT;
	} else if (ctx.socket_path != NULL)
		ctx.server.mode = CLI_SERVER_MODE_SOCKET;
	else
		ctx.server.mode = CLI_SERVER_MODE_STDIO;

	ctx.pool = pool_alloconly_create(t_strconcat("backscatter ", name,
						     NULL), 1024);
	ctx.server.event = event_create(NULL);
	if (ctx.server.mode != CLI_SERVER_MODE_DOVECOT) {
		/* Under Dovecot the log prefix names the service already */
		event_set_append_log_prefix(ctx.server.event,
					    t_strconcat(name, ": ", NULL));
	}
	if (verbose)
		event_set_forced_debug(ctx.server.event, TRUE);

	if (cli_server_settings(&ctx, opts.config_path, opts.key_file) < 0)
		ret = CLI_EXIT_ERROR;
	else if (ctx.server.mode == CLI_SERVER_MODE_DOVECOT) {
		cli_service_run(&ctx.server);
		cli_server_stop(&ctx);
		ret = CLI_EXIT_OK;
	} else {
		ret = cli_server_run(&ctx, mode) < 0 ?
			CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	cli_server_deinit(&ctx);
	event_unref(&ctx.server.event);
	return ret;
}
