/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* libFuzzer target: arbitrary bytes as a message, through
   bounce_analyze(), the way the plugin reads a delivery. Built and run by
   tests/fuzz/run, seeded with the test messages and the bounce corpus.

   Besides "no crash, no leak, no undefined behaviour", it checks what the
   analyzer's contract (bounce-analyzer.h, bounce-report.h) promises for
   every input, and panics (a crash to libFuzzer) if not:
   - the analysis succeeds: a data stream never fails to read;
   - the report is bounded: at most BOUNCE_REPORT_MAX_RECIPIENTS
     recipients and BOUNCE_REPORT_MAX_RECEIVED Received fields, and every
     string NUL-terminated within FUZZ_MAX_STRING bytes;
   - kinds and reasons are known ones; the fields documented as
     lower-cased are; a status is an RFC 3463 code and a reply code an
     SMTP one; kind none names no decoder;
   - the analysis is deterministic: the same input gives the same report;
   - nothing past max_read_size is read: with a limit of FUZZ_SMALL_LIMIT
     bytes, the message is given in a buffer of exactly that size (ASan
     catches any read beyond it), and the report is the one of the first
     FUZZ_SMALL_LIMIT bytes alone; truncated is set only when there was
     more.

   It also times each analysis (with the plugin's limit), since a message
   must not cost much more than any other: libFuzzer's -timeout counts
   whole seconds only. An input that takes longer than FUZZ_SLOW_MS
   (default 10) milliseconds, timed again to rule out a moment of
   another process on the CPU, is reported on stderr ("slow input: ...")
   and, when the slowest so far, saved as FUZZ_SLOW_DIR/slowest. At exit
   it prints "slowest analysis: X ms ...". The build is instrumented
   (ASan, UBSan, coverage) and runs several times slower than the
   plugin: a slow input here is one to time again with bench-analyzer,
   not yet a verdict. */

#include "lib.h"
#include "str.h"
#include "array.h"
#include "istream.h"
#include "bounce-analyzer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoding a field to UTF-8 may expand it: an encoded word's byte that is
   no valid character becomes U+FFFD, three bytes for one. Four times the
   limit leaves room for that and catches a field that is not cut at all
   (the message holds up to max_read_size bytes of it). */
#define FUZZ_MAX_STRING (BOUNCE_REPORT_MAX_FIELD_LENGTH * 4)
/* The plugin's default limit, and a limit small enough for the fuzzer to
   cross it all the time */
#define FUZZ_LIMIT BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE
#define FUZZ_SMALL_LIMIT 1024
/* The default of FUZZ_SLOW_MS, and how often a slow input is timed again
   (the fastest time counts) */
#define FUZZ_SLOW_MS_DEFAULT 10
#define FUZZ_SLOW_RETRIES 3

static uint64_t slow_ns;
static const char *slow_path;
static uint64_t slowest_ns;
static unsigned int analyses, slow_count;

static void check_string(const char *name, const char *value)
{
	if (value != NULL && strnlen(value, FUZZ_MAX_STRING + 1) >
	    FUZZ_MAX_STRING)
		i_panic("%s: longer than %u bytes", name, FUZZ_MAX_STRING);
}

static void check_lcase(const char *name, const char *value)
{
	check_string(name, value);
	for (; value != NULL && *value != '\0'; value++) {
		if (*value >= 'A' && *value <= 'Z')
			i_panic("%s: not lower-cased", name);
	}
}

/* RFC 3463: class "." subject "." detail; class 2, 4 or 5, subject and
   detail 1-3 digits */
static bool status_is_valid(const char *status)
{
	unsigned int part, digits;

	if (status[0] != '2' && status[0] != '4' && status[0] != '5')
		return FALSE;
	status++;
	for (part = 0; part < 2; part++) {
		if (*status++ != '.')
			return FALSE;
		for (digits = 0; i_isdigit(*status); digits++)
			status++;
		if (digits < 1 || digits > 3)
			return FALSE;
	}
	return *status == '\0';
}

static void check_recipient(const struct bounce_recipient *rcpt)
{
	check_string("final_recipient", rcpt->final_recipient);
	check_string("original_recipient", rcpt->original_recipient);
	check_lcase("action", rcpt->action);
	check_string("status", bounce_status_str(&rcpt->status));
	check_string("remote_mta", rcpt->remote_mta);
	check_string("diagnostic_code", rcpt->diagnostic_code);
	check_string("last_attempt_date", rcpt->last_attempt_date);
	check_string("will_retry_until", rcpt->will_retry_until);
	check_string("reply_code", rcpt->reply_code);

	if (rcpt->status.class != 0 && !status_is_valid(rcpt->status.str))
		i_panic("status: not an RFC 3463 code: %s", rcpt->status.str);
	/* RFC 5321 4.2: three digits, the first 2 to 5 */
	if (rcpt->reply_code != NULL &&
	    (strlen(rcpt->reply_code) != 3 ||
	     rcpt->reply_code[0] < '2' || rcpt->reply_code[0] > '5' ||
	     !i_isdigit(rcpt->reply_code[1]) ||
	     !i_isdigit(rcpt->reply_code[2])))
		i_panic("reply_code: not an SMTP reply code: %s",
			rcpt->reply_code);
	if ((unsigned int)rcpt->reason >= BOUNCE_REASON_COUNT)
		i_panic("reason: %u is none", (unsigned int)rcpt->reason);
}

static void check_report(const struct bounce_report *report)
{
	const struct bounce_recipient *rcpt;
	const char *const *received;

	if ((unsigned int)report->kind >= BOUNCE_KIND_COUNT)
		i_panic("kind: %u is none", (unsigned int)report->kind);
	if (report->kind == BOUNCE_KIND_NONE && report->decoder != NULL)
		i_panic("kind none, but decoder %s", report->decoder);

	check_string("reporting_mta", report->reporting_mta);
	check_string("received_from_mta", report->received_from_mta);
	check_string("arrival_date", report->arrival_date);
	check_string("original_envelope_id", report->original_envelope_id);
	check_lcase("feedback_type", report->feedback_type);
	check_string("decoder", report->decoder);
	check_lcase("content_type", report->content_type);
	check_lcase("report_type", report->report_type);

	if (array_is_created(&report->recipients)) {
		if (array_count(&report->recipients) >
		    BOUNCE_REPORT_MAX_RECIPIENTS)
			i_panic("%u recipients",
				array_count(&report->recipients));
		array_foreach(&report->recipients, rcpt)
			check_recipient(rcpt);
	}

	check_string("original.message_id", report->original.message_id);
	check_string("original.from", report->original.from);
	check_string("original.to", report->original.to);
	check_string("original.subject", report->original.subject);
	check_string("original.date", report->original.date);
	check_string("original.return_path", report->original.return_path);
	if (array_is_created(&report->original.received)) {
		if (array_count(&report->original.received) >
		    BOUNCE_REPORT_MAX_RECEIVED)
			i_panic("%u Received fields",
				array_count(&report->original.received));
		array_foreach(&report->original.received, received)
			check_string("original.received", *received);
	}
}

static void str_append_field(string_t *str, const char *value)
{
	if (value == NULL)
		str_append(str, "-|");
	else
		str_printfa(str, "%zu:%s|", strlen(value), value);
}

/* Everything the report says, apart from truncated, as one string: two
   reports say the same when their strings are equal */
static const char *report_to_str(const struct bounce_report *report)
{
	const struct bounce_recipient *rcpt;
	const char *const *received;
	string_t *str = t_str_new(1024);

	str_printfa(str, "%u|%d%d|", (unsigned int)report->kind,
		    report->status_part_found ? 1 : 0,
		    report->original_found ? 1 : 0);
	str_append_field(str, report->reporting_mta);
	str_append_field(str, report->received_from_mta);
	str_append_field(str, report->arrival_date);
	str_append_field(str, report->original_envelope_id);
	str_append_field(str, report->feedback_type);
	str_append_field(str, report->decoder);
	str_append_field(str, report->content_type);
	str_append_field(str, report->report_type);
	if (array_is_created(&report->recipients)) {
		array_foreach(&report->recipients, rcpt) {
			str_printfa(str, "\n%u|%d%d|",
				    (unsigned int)rcpt->reason,
				    rcpt->permanent ? 1 : 0,
				    rcpt->hard ? 1 : 0);
			str_append_field(str, rcpt->final_recipient);
			str_append_field(str, rcpt->original_recipient);
			str_append_field(str, rcpt->action);
			str_append_field(str, bounce_status_str(&rcpt->status));
			str_append_field(str, rcpt->remote_mta);
			str_append_field(str, rcpt->diagnostic_code);
			str_append_field(str, rcpt->last_attempt_date);
			str_append_field(str, rcpt->will_retry_until);
			str_append_field(str, rcpt->reply_code);
		}
	}
	str_append_c(str, '\n');
	str_append_field(str, report->original.message_id);
	str_append_field(str, report->original.from);
	str_append_field(str, report->original.to);
	str_append_field(str, report->original.subject);
	str_append_field(str, report->original.date);
	str_append_field(str, report->original.return_path);
	if (array_is_created(&report->original.received)) {
		array_foreach(&report->original.received, received)
			str_append_field(str, *received);
	}
	return str_c(str);
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

/* Analyzes size bytes at data, of which the stream claims stream_size:
   more than size only to let ASan catch a read past the limit. The time
   bounce_analyze() took goes to *ns_r. */
static const struct bounce_report *
analyze(const void *data, size_t stream_size, uoff_t max_read_size,
	pool_t pool, uint64_t *ns_r)
{
	const struct bounce_analyzer_settings set = {
		.max_read_size = max_read_size,
	};
	struct bounce_report *report;
	struct istream *input;
	const char *error;
	uint64_t start;
	int ret;

	input = i_stream_create_from_data(data, stream_size);
	start = clock_ns();
	ret = bounce_analyze(input, &set, pool, &report, &error);
	*ns_r = clock_ns() - start;
	if (ret != 0)
		i_panic("bounce_analyze() failed on a data stream: %s", error);
	if (input->v_offset != 0)
		i_panic("the input's offset moved to %"PRIuUOFF_T,
			input->v_offset);
	i_stream_unref(&input);
	check_report(report);
	if (report->truncated && stream_size <= max_read_size)
		i_panic("truncated, but the message is %zu bytes",
			stream_size);
	return report;
}

/* Records how long the input took; a slow one is timed again, and
   reported (and saved) only if it stays slow */
static void
note_time(const uint8_t *data, size_t size, uint64_t ns, pool_t pool)
{
	unsigned int i;
	uint64_t again;
	FILE *f;

	analyses++;
	for (i = 0; i < FUZZ_SLOW_RETRIES && ns > slow_ns; i++) {
		(void)analyze(data, size, FUZZ_LIMIT, pool, &again);
		ns = I_MIN(ns, again);
	}
	if (ns > slow_ns) {
		slow_count++;
		fprintf(stderr, "slow input: %.3f ms for %zu bytes "
			"(over %.0f ms)\n", ns / 1e6, size, slow_ns / 1e6);
	}
	if (ns <= slowest_ns)
		return;
	slowest_ns = ns;
	if (ns > slow_ns && slow_path != NULL) {
		f = fopen(slow_path, "w");
		if (f == NULL || fwrite(data, 1, size, f) != size ||
		    fclose(f) != 0)
			i_fatal("writing %s failed: %m", slow_path);
		fprintf(stderr, "slow input: saved as %s\n", slow_path);
	}
}

static void print_slowest(void)
{
	fprintf(stderr, "slowest analysis: %.3f ms (of %u inputs, "
		"%u over %.0f ms)\n", slowest_ns / 1e6, analyses,
		slow_count, slow_ns / 1e6);
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	const char *value;
	unsigned int ms = FUZZ_SLOW_MS_DEFAULT;

	lib_init();
	value = getenv("FUZZ_SLOW_MS");
	if (value != NULL && str_to_uint(value, &ms) < 0)
		i_fatal("FUZZ_SLOW_MS: not a number: %s", value);
	slow_ns = (uint64_t)ms * 1000000U;
	value = getenv("FUZZ_SLOW_DIR");
	if (value != NULL)
		slow_path = i_strconcat(value, "/slowest", NULL);
	/* libFuzzer ends a run with exit() */
	if (atexit(print_slowest) != 0)
		i_fatal("atexit() failed");
	/* libFuzzer ends with exit(), which lib would turn into abort() */
	lib_set_clean_exit(TRUE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool_t pool = pool_alloconly_create("fuzz bounce report", 4096);

	T_BEGIN {
		const struct bounce_report *report;
		const char *first, *again;
		size_t small_size = I_MIN(size, FUZZ_SMALL_LIMIT);
		/* Exactly the bytes the small limit allows, on the heap
		   where ASan sees the end of the allocation */
		unsigned char *small = malloc(I_MAX(small_size, 1));
		uint64_t ns, unused;

		i_assert(small != NULL);
		memcpy(small, data, small_size);

		report = analyze(data, size, FUZZ_LIMIT, pool, &ns);
		first = report_to_str(report);
		note_time(data, size, ns, pool);
		report = analyze(data, size, FUZZ_LIMIT, pool, &unused);
		again = report_to_str(report);
		if (strcmp(first, again) != 0) {
			i_panic("not deterministic:\n%s\n--- then:\n%s",
				first, again);
		}

		/* The stream claims the whole input, but only the first
		   FUZZ_SMALL_LIMIT bytes exist */
		report = analyze(small, size, FUZZ_SMALL_LIMIT, pool, &unused);
		first = report_to_str(report);
		report = analyze(small, small_size, FUZZ_SMALL_LIMIT, pool,
				 &unused);
		again = report_to_str(report);
		if (strcmp(first, again) != 0) {
			i_panic("read past max_read_size=%u:\n%s\n"
				"--- the first %zu bytes alone:\n%s",
				FUZZ_SMALL_LIMIT, first, small_size, again);
		}
		free(small);
	} T_END;
	pool_unref(&pool);
	return 0;
}
