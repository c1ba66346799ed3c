/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Benchmark of the bounce analyzer: messages per second over a set of
   files, and the time one analysis takes for a small and a very large
   DSN. It only prints figures and judges none of them, but a failed
   analysis aborts, and the synthetic DSNs must come out as DSNs with
   their one recipient, so that a broken path (fast because it gives up
   early) cannot pass for a fast one.

   Built by tests/Makefile.am (noinst, not in TESTS: timings say nothing
   about correctness). tests/bench/bench-speed runs it next to Sisimai and
   flufl.bounce over the same files.

   Usage: bench-analyzer [--seconds N] [--big] [FILE...]
          bench-analyzer --slowest FILE...

   With files, every file is read into memory first, so that only the
   analysis is timed, and all of them are analysed over and over for at
   least N seconds (default 2). The last line for them is

     analyzer: N msgs in S s = R msgs/s

   after a line with the rate of Dovecot's message-parser and
   message-decoder alone over the same files ("floor: ..."), which no
   analyzer built on them can beat.

   --big times the analysis of two synthetic DSNs of the same shape, one
   with a 25 KB and one with a 25 MB original message, and prints

     big: 25KB=X us 25MB=Y us

   The analyzer reads at most max_read_size bytes of a message, so the two
   should cost about the same.

   --slowest times each file alone instead, the fastest of SLOWEST_RUNS
   analyses (another process taking the CPU for a moment must not count),
   and prints the slowest file last:

     slowest: X ms for FILE (N bytes; of M files)

   It replays a fuzzer's grown corpus in this optimized, uninstrumented
   build, where the fuzz target's own timings are the instrumented
   ones. */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "istream.h"
#include "message-parser.h"
#include "message-decoder.h"
#include "bounce-analyzer.h"

#include <stdio.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define DEFAULT_SECONDS 2U
/* Batches of the big case last about this long; the median of their
   means is printed, so that another process taking the CPU for a moment
   (the machine is shared) does not move the figure */
#define BIG_BATCH_NS (10 * 1000 * 1000ULL)
#define SLOWEST_RUNS 5
#define BIG_SMALL_SIZE (25 * 1024)
#define BIG_LARGE_SIZE (25 * 1024 * 1024)

struct bench_message {
	const char *path;
	buffer_t *data;
};
ARRAY_DEFINE_TYPE(bench_message, struct bench_message);

static uint64_t clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

static buffer_t *read_file(const char *path)
{
	struct stat st;
	buffer_t *buf;
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		i_fatal("open(%s) failed: %m", path);
	if (fstat(fd, &st) < 0)
		i_fatal("fstat(%s) failed: %m", path);
	buf = buffer_create_dynamic(default_pool, st.st_size + 1);
	for (;;) {
		unsigned char block[IO_BLOCK_SIZE];

		ret = read(fd, block, sizeof(block));
		if (ret < 0)
			i_fatal("read(%s) failed: %m", path);
		if (ret == 0)
			break;
		buffer_append(buf, block, ret);
	}
	i_close_fd(&fd);
	return buf;
}

/* Analyzes one message as the plugin does: from a stream, into a report
   allocated from pool. Returns the report; a failure aborts, since a data
   stream cannot fail to read. */
static const struct bounce_report *
analyze(const char *name, const buffer_t *data, pool_t pool)
{
	const struct bounce_analyzer_settings set = { .max_read_size = 0 };
	struct bounce_report *report;
	struct istream *input;
	const char *error;

	input = i_stream_create_from_data(data->data, data->used);
	i_stream_set_name(input, name);
	if (bounce_analyze(input, &set, pool, &report, &error) < 0)
		i_panic("%s: bounce_analyze() failed: %s", name, error);
	i_stream_unref(&input);
	return report;
}

/* One pass over all messages; the count of each kind is added to kinds */
static void
analyze_all(const ARRAY_TYPE(bench_message) *messages, pool_t pool,
	    unsigned int kinds[BOUNCE_KIND_COUNT])
{
	const struct bench_message *msg;
	const struct bounce_report *report;

	array_foreach(messages, msg) {
		/* A fresh pool and data stack per message, as each delivery
		   has: what the analyzer allocates is part of its cost */
		T_BEGIN {
			report = analyze(msg->path, msg->data, pool);
			i_assert(report->kind < BOUNCE_KIND_COUNT);
			kinds[report->kind]++;
		} T_END;
		p_clear(pool);
	}
}

/* What lib-mail alone costs: the same messages through message-parser
   and message-decoder, every part decoded, nothing analysed. Printed as
   the "floor" the analyzer's rate can be compared with. */
static void parse_all(const ARRAY_TYPE(bench_message) *messages)
{
	const struct message_parser_settings parser_set = {
		.hdr_flags = MESSAGE_HEADER_PARSER_FLAG_CLEAN_ONELINE,
	};
	const struct bench_message *msg;
	struct message_parser_ctx *parser;
	struct message_decoder_context *decoder;
	struct message_block block, decoded;
	struct message_part *parts;
	struct istream *input;
	pool_t pool;

	array_foreach(messages, msg) {
		input = i_stream_create_from_data(msg->data->data,
						  msg->data->used);
		pool = pool_alloconly_create("bench-analyzer floor", 4096);
		parser = message_parser_init(pool, input, &parser_set);
		decoder = message_decoder_init(NULL, 0);
		while (message_parser_parse_next_block(parser, &block) > 0) {
			(void)message_decoder_decode_next_block(decoder,
								&block,
								&decoded);
		}
		message_decoder_deinit(&decoder);
		message_parser_deinit(&parser, &parts);
		pool_unref(&pool);
		i_stream_unref(&input);
	}
}

static void bench_floor(const ARRAY_TYPE(bench_message) *messages,
			unsigned int seconds)
{
	unsigned int count = array_count(messages), passes = 0;
	uint64_t start, ns, min_ns = (uint64_t)seconds * 1000000000U;

	parse_all(messages);
	start = clock_ns();
	do {
		parse_all(messages);
		passes++;
		ns = clock_ns() - start;
	} while (ns < min_ns);
	printf("floor: lib-mail parse and decode alone: %.0f msgs/s\n",
	       (double)passes * count * 1e9 / (double)ns);
}

static void
bench_files(const ARRAY_TYPE(bench_message) *messages, unsigned int seconds)
{
	unsigned int kinds[BOUNCE_KIND_COUNT];
	unsigned int count = array_count(messages), passes = 0, k;
	uint64_t start, ns, min_ns = (uint64_t)seconds * 1000000000U;
	pool_t pool;
	string_t *str;

	pool = pool_alloconly_create("bench-analyzer report", 16 * 1024);
	/* Caches, branch predictors and the data stack's blocks settle
	   before the clock starts; the kinds found are those of one pass */
	memset(kinds, 0, sizeof(kinds));
	analyze_all(messages, pool, kinds);
	str = t_str_new(128);
	for (k = 0; k < BOUNCE_KIND_COUNT; k++) {
		if (kinds[k] > 0) {
			str_printfa(str, " %s=%u", bounce_kind_to_str(k),
				    kinds[k]);
		}
	}
	printf("analyzer: kinds of the %u messages:%s\n", count, str_c(str));

	start = clock_ns();
	do {
		analyze_all(messages, pool, kinds);
		passes++;
		ns = clock_ns() - start;
	} while (ns < min_ns);
	pool_unref(&pool);

	printf("analyzer: %u msgs in %.3f s = %.0f msgs/s\n", passes * count,
	       (double)ns / 1e9, (double)passes * count * 1e9 / (double)ns);
	fflush(stdout);
}

/* A DSN as Postfix writes it: an explanation, the status part, and the
   whole original message, whose body is body_size bytes of base64-like
   lines (so the parser sees ordinary lines, not one huge one) */
static buffer_t *make_dsn(size_t body_size)
{
	static const char line[] =
		"QmFja3NjYXR0ZXIgaXMgbWFpbCB0aGF0IGJvdW5jZXMgdG8gYSBmb3JnZWQg"
		"c2VuZGVyLg==\n";
	string_t *msg = str_new(default_pool, body_size + 4096);
	size_t end;

	str_append(msg,
		"Return-Path: <>\n"
		"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
		"To: alice@example.org\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"Date: Wed, 25 Nov 2026 10:12:41 +0100\n"
		"Message-Id: <20261125091241.4F2A1C0123@mx.example.net>\n"
		"Auto-Submitted: auto-replied\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status;\n"
		"\tboundary=\"4F2A1C0123.1764062001/mx.example.net\"\n"
		"\n"
		"This is a MIME-encapsulated message.\n"
		"\n"
		"--4F2A1C0123.1764062001/mx.example.net\n"
		"Content-Description: Notification\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"\n"
		"I'm sorry to have to inform you that your message could not\n"
		"be delivered to one or more recipients.\n"
		"\n"
		"<bob@example.com>: host mx.example.com[192.0.2.25] said:\n"
		"    550 5.1.1 <bob@example.com>: Recipient address rejected:\n"
		"    User unknown in local recipient table\n"
		"\n"
		"--4F2A1C0123.1764062001/mx.example.net\n"
		"Content-Description: Delivery report\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; mx.example.net\n"
		"X-Postfix-Queue-ID: 4F2A1C0123\n"
		"Arrival-Date: Wed, 25 Nov 2026 10:12:38 +0100\n"
		"\n"
		"Final-Recipient: rfc822; bob@example.com\n"
		"Original-Recipient: rfc822;bob@example.com\n"
		"Action: failed\n"
		"Status: 5.1.1\n"
		"Remote-MTA: dns; mx.example.com\n"
		"Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>:\n"
		"    Recipient address rejected: User unknown in local\n"
		"    recipient table\n"
		"\n"
		"--4F2A1C0123.1764062001/mx.example.net\n"
		"Content-Description: Undelivered Message\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"From: alice@example.org\n"
		"To: bob@example.com\n"
		"Subject: the photos\n"
		"Date: Wed, 25 Nov 2026 10:12:30 +0100\n"
		"Message-Id: <photos-1@example.org>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n"
		"\n");
	end = str_len(msg) + body_size;
	while (str_len(msg) + sizeof(line) - 1 <= end)
		str_append(msg, line);
	while (str_len(msg) < end)
		str_append_c(msg, 'A');
	str_append(msg, "\n\n--4F2A1C0123.1764062001/mx.example.net--\n");
	return msg;
}

static int cmp_double(const double *a, const double *b)
{
	return *a < *b ? -1 : (*a > *b ? 1 : 0);
}

/* Returns the median over batches of the microseconds one analysis of
   msg takes, timing batches for at least the given seconds */
static double
bench_big_one(const char *name, const buffer_t *msg, unsigned int seconds)
{
	ARRAY(double) batch_us;
	const struct bounce_report *report;
	uint64_t start, batch_start, ns;
	unsigned int n;
	double us;
	pool_t pool;

	pool = pool_alloconly_create("bench-analyzer big", 16 * 1024);
	/* The one check that keeps the figure honest: the report is read
	   whole from a message this large too */
	T_BEGIN {
		report = analyze(name, msg, pool);
		if (report->kind != BOUNCE_KIND_DSN ||
		    array_count(&report->recipients) != 1)
			i_panic("%s: analysed as %s with %u recipients", name,
				bounce_kind_to_str(report->kind),
				array_count(&report->recipients));
	} T_END;
	p_clear(pool);

	i_array_init(&batch_us, 256);
	start = clock_ns();
	do {
		batch_start = clock_ns();
		n = 0;
		do {
			T_BEGIN {
				(void)analyze(name, msg, pool);
			} T_END;
			p_clear(pool);
			n++;
			ns = clock_ns() - batch_start;
		} while (ns < BIG_BATCH_NS);
		us = (double)ns / 1e3 / n;
		array_push_back(&batch_us, &us);
	} while (clock_ns() - start < (uint64_t)seconds * 1000000000U);
	pool_unref(&pool);

	array_sort(&batch_us, cmp_double);
	us = array_idx_elem(&batch_us, array_count(&batch_us) / 2);
	printf("big: %s (%zu bytes): %.1f us per analysis "
	       "(median of %u batches)\n", name, msg->used, us,
	       array_count(&batch_us));
	fflush(stdout);
	array_free(&batch_us);
	return us;
}

static void bench_big(unsigned int seconds)
{
	buffer_t *small = make_dsn(BIG_SMALL_SIZE);
	buffer_t *large = make_dsn(BIG_LARGE_SIZE);
	double small_us, large_us;

	small_us = bench_big_one("dsn-25KB", small, seconds);
	large_us = bench_big_one("dsn-25MB", large, seconds);
	printf("big: 25KB=%.0f us 25MB=%.0f us\n", small_us, large_us);
	buffer_free(&small);
	buffer_free(&large);
}

static void bench_slowest(const ARRAY_TYPE(bench_message) *messages)
{
	const struct bench_message *msg, *slowest = NULL;
	uint64_t start, ns, best, slowest_ns = 0;
	unsigned int run;
	pool_t pool;

	pool = pool_alloconly_create("bench-analyzer slowest", 16 * 1024);
	array_foreach(messages, msg) {
		best = UINT64_MAX;
		for (run = 0; run < SLOWEST_RUNS; run++) {
			start = clock_ns();
			T_BEGIN {
				(void)analyze(msg->path, msg->data, pool);
			} T_END;
			ns = clock_ns() - start;
			p_clear(pool);
			best = I_MIN(best, ns);
		}
		if (best >= slowest_ns) {
			slowest_ns = best;
			slowest = msg;
		}
	}
	pool_unref(&pool);
	i_assert(slowest != NULL);
	printf("slowest: %.3f ms for %s (%zu bytes; of %u files)\n",
	       (double)slowest_ns / 1e6, slowest->path, slowest->data->used,
	       array_count(messages));
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	ARRAY_TYPE(bench_message) messages;
	struct bench_message *msg;
	unsigned int seconds = DEFAULT_SECONDS;
	bool big = FALSE, slowest = FALSE;
	int i;

	lib_init();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			if (str_to_uint(argv[++i], &seconds) < 0 ||
			    seconds == 0)
				i_fatal("--seconds: not a positive number: %s",
					argv[i]);
		} else if (strcmp(argv[i], "--big") == 0) {
			big = TRUE;
		} else if (strcmp(argv[i], "--slowest") == 0) {
			slowest = TRUE;
		} else {
			break;
		}
	}
	if ((i == argc && !big) || (i < argc && argv[i][0] == '-') ||
	    (slowest && (big || i == argc)))
		i_fatal("Usage: %s [--seconds N] [--big] [FILE...] | "
			"--slowest FILE...", argv[0]);

	i_array_init(&messages, argc);
	for (; i < argc; i++) {
		msg = array_append_space(&messages);
		msg->path = argv[i];
		msg->data = read_file(argv[i]);
	}
	if (slowest)
		bench_slowest(&messages);
	else if (array_count(&messages) > 0) {
		bench_floor(&messages, seconds);
		bench_files(&messages, seconds);
	}
	if (big)
		bench_big(seconds);

	array_foreach_modifiable(&messages, msg)
		buffer_free(&msg->data);
	array_free(&messages);
	lib_deinit();
	return 0;
}
