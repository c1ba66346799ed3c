/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The client of tests/bench/bench-policy: Postfix's smtpd processes during
   a backscatter storm. CONNS connections to the policy service, each with
   one request outstanding at a time (as smtpd has), N requests in all:
   null-sender RCPTs to the recipients read from a file, cycled through.
   Each reply must be the refusal (it begins with EXPECT); anything else,
   or a connection that closes, is an error. Figures, no verdict.

   Usage: bench-policy-client SOCKET N CONNS RECIPIENT-FILE EXPECT
   Prints: policy: n=N conns=C rate=R/s p99_us=P errors=E */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "net.h"
#include "write-full.h"

#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

struct bench_conn {
	int fd;
	/* the reply read so far */
	string_t *reply;
	/* when the outstanding request was sent; 0 when none is */
	uint64_t sent_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime() failed: %m");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const uint64_t *a, const uint64_t *b)
{
	return *a < *b ? -1 : (*a > *b ? 1 : 0);
}

static void
bench_send(struct bench_conn *conn, const char *const *rcpts,
	   unsigned int rcpt_count, unsigned int seq)
{
	const char *request = t_strdup_printf(
		"request=smtpd_access_policy\nprotocol_state=RCPT\n"
		"protocol_name=ESMTP\nclient_address=192.0.2.%u\n"
		"client_name=mx%u.attacker.example\n"
		"helo_name=mx%u.attacker.example\nsender=\nrecipient=%s\n"
		"recipient_count=0\nqueue_id=\ninstance=%x.0\nsize=0\n\n",
		seq % 250 + 1, seq, seq, rcpts[seq % rcpt_count], seq);
	size_t len = strlen(request);

	conn->sent_ns = now_ns();
	if (write_full(conn->fd, request, len) < 0)
		i_fatal("write() failed: %m");
}

int main(int argc, char *argv[])
{
	ARRAY_TYPE(const_string) rcpts;
	ARRAY(uint64_t) latencies;
	struct bench_conn *conns;
	struct pollfd *pfds;
	const char *const *rcpt_list;
	unsigned int n, conn_count, rcpt_count, sent = 0, done = 0, errors = 0;
	unsigned int i, open_count;
	uint64_t start, elapsed, *lat;
	const char *expect;
	char line[4096], buf[8192];
	pool_t pool;
	FILE *file;
	ssize_t ret;

	lib_init();
	if (argc != 6 || str_to_uint(argv[2], &n) < 0 ||
	    str_to_uint(argv[3], &conn_count) < 0 || n == 0 ||
	    conn_count == 0) {
		i_fatal("Usage: %s SOCKET N CONNS RECIPIENT-FILE EXPECT",
			argv[0]);
	}
	expect = argv[5];

	pool = pool_alloconly_create("recipients", 65536);
	p_array_init(&rcpts, pool, 1024);
	file = fopen(argv[4], "r");
	if (file == NULL)
		i_fatal("fopen(%s) failed: %m", argv[4]);
	while (fgets(line, sizeof(line), file) != NULL) {
		const char *rcpt = p_strdup(pool, t_strcut(line, '\n'));

		if (*rcpt != '\0')
			array_push_back(&rcpts, &rcpt);
	}
	fclose(file);
	rcpt_list = array_get(&rcpts, &rcpt_count);
	if (rcpt_count == 0)
		i_fatal("%s: no recipients", argv[4]);

	conns = i_new(struct bench_conn, conn_count);
	pfds = i_new(struct pollfd, conn_count);
	for (i = 0; i < conn_count; i++) {
		conns[i].fd = net_connect_unix(argv[1]);
		if (conns[i].fd < 0)
			i_fatal("net_connect_unix(%s) failed: %m", argv[1]);
		/* blocking: each connection writes one short request */
		net_set_nonblock(conns[i].fd, FALSE);
		conns[i].reply = str_new(default_pool, 256);
		pfds[i].fd = conns[i].fd;
		pfds[i].events = POLLIN;
	}
	i_array_init(&latencies, n);

	start = now_ns();
	for (i = 0; i < conn_count && sent < n; i++) {
		T_BEGIN {
			bench_send(&conns[i], rcpt_list, rcpt_count, sent++);
		} T_END;
	}
	open_count = conn_count;
	while (done < n && open_count > 0) {
		if (poll(pfds, conn_count, 30 * 1000) <= 0)
			i_fatal("poll() failed or timed out: %m");
		for (i = 0; i < conn_count; i++) {
			struct bench_conn *conn = &conns[i];

			if (pfds[i].revents == 0)
				continue;
			ret = read(conn->fd, buf, sizeof(buf));
			if (ret <= 0) {
				/* closed with a request outstanding */
				errors++;
				done++;
				pfds[i].fd = -1;
				open_count--;
				continue;
			}
			str_append_data(conn->reply, buf, ret);
			if (str_len(conn->reply) < 2 ||
			    strcmp(str_c(conn->reply) +
				   str_len(conn->reply) - 2, "\n\n") != 0)
				continue;
			/* a whole reply: one request, one reply */
			elapsed = now_ns() - conn->sent_ns;
			array_push_back(&latencies, &elapsed);
			if (strncmp(str_c(conn->reply), expect,
				    strlen(expect)) != 0)
				errors++;
			str_truncate(conn->reply, 0);
			done++;
			if (sent < n) T_BEGIN {
				bench_send(conn, rcpt_list, rcpt_count,
					   sent++);
			} T_END;
		}
	}
	elapsed = now_ns() - start;

	array_sort(&latencies, cmp_u64);
	lat = array_get_modifiable(&latencies, &i);
	printf("policy: n=%u conns=%u rate=%llu/s p99_us=%llu errors=%u\n",
	       n, conn_count,
	       (unsigned long long)((uint64_t)done * 1000000000ULL /
				    (elapsed == 0 ? 1 : elapsed)),
	       (unsigned long long)(i == 0 ? 0 :
				    lat[(i * 99 + 99) / 100 - 1] / 1000),
	       errors);

	for (i = 0; i < conn_count; i++) {
		i_close_fd(&conns[i].fd);
		str_free(&conns[i].reply);
	}
	i_free(conns);
	i_free(pfds);
	array_free(&latencies);
	pool_unref(&pool);
	lib_deinit();
	return 0;
}
