/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#ifndef FUZZ_REQUEST_COMMON_H
#define FUZZ_REQUEST_COMMON_H

/* What the two request-parser targets (fuzz-socketmap.c, fuzz-policy.c)
   share: the protocol cores' struct backscatter_daemon, with settings
   and a keyring fixed at start, and the way a server feeds what it reads
   to a core.

   A server reads whatever the kernel gives it, so one input is fed twice:
   whole, and cut in pieces at points the input itself chooses. Both
   must give the same replies and the same end (0, or -1 after a protocol
   error) — the property that a request split across reads is answered
   as if it came in one. */

#include "str.h"
#include "str-sanitize.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-daemon.h"

/* 2025-11-28 12:00 UTC: a fixed time, well past the enforcement date
   fuzz_request_init() may set */
#define FUZZ_REQUEST_NOW \
	((time_t)20420 * BACKSCATTER_SECS_PER_DAY + 12 * 60 * 60)

/* A protocol core: backscatter_socketmap_input(),
   backscatter_policy_input() */
typedef int fuzz_request_input_t(const struct backscatter_daemon *daemon,
				 const unsigned char *data, size_t size,
				 time_t now, string_t *reply, size_t *used_r);

/* Feeds data to input() the way a server's read loop does, in pieces of
   at most piece_size octets (0: all at once), keeping what it did not
   consume for the next read, at FUZZ_REQUEST_NOW. Returns input()'s last
   result; *reply_r gets all replies, *rest_r the octets never
   consumed. */
static inline int
fuzz_request_feed(fuzz_request_input_t *input,
		  const struct backscatter_daemon *daemon,
		  const unsigned char *data, size_t size, size_t piece_size,
		  string_t *reply, size_t *rest_r)
{
	buffer_t *pending = t_buffer_create(size + 1);
	size_t offset = 0, used;
	int ret = 0;

	while (offset < size && ret == 0) {
		size_t n = piece_size == 0 ? size - offset :
			I_MIN(piece_size, size - offset);

		buffer_append(pending, data + offset, n);
		offset += n;
		ret = input(daemon, pending->data, pending->used,
			    FUZZ_REQUEST_NOW, reply, &used);
		i_assert(used <= pending->used);
		buffer_delete(pending, 0, used);
	}
	*rest_r = pending->used;
	return ret;
}

/* The same input whole and in pieces of 1 + data[0] % 16 octets: the
   replies and the end must agree. Returns the whole run's replies. */
static inline string_t *
fuzz_request_check_split(fuzz_request_input_t *input,
			 const struct backscatter_daemon *daemon,
			 const unsigned char *data, size_t size)
{
	string_t *whole = t_str_new(256), *split = t_str_new(256);
	size_t whole_rest, split_rest;
	int whole_ret, split_ret;

	whole_ret = fuzz_request_feed(input, daemon, data, size, 0, whole,
				      &whole_rest);
	split_ret = fuzz_request_feed(input, daemon, data, size,
				      size == 0 ? 1 : 1 + data[0] % 16,
				      split, &split_rest);
	/* After a protocol error the server closes: only what came before
	   it must agree, and both must have stopped there */
	if (whole_ret != split_ret || !str_equals(whole, split) ||
	    (whole_ret == 0 && whole_rest != split_rest))
		i_panic("whole and split reads disagree: %d/%d, "
			"%zu/%zu octets left, replies '%s' / '%s'",
			whole_ret, split_ret, whole_rest, split_rest,
			str_sanitize(str_c(whole), 200),
			str_sanitize(str_c(split), 200));
	return whole;
}

static void ATTR_FORMAT(2, 0)
fuzz_request_log_nothing(const struct failure_context *ctx ATTR_UNUSED,
			 const char *format ATTR_UNUSED,
			 va_list args ATTR_UNUSED)
{
}

/* lib and the services' common state: settings signing example.com
   (tweaked by set_override(), when not NULL, before they are checked),
   a bs1 and a prvs key, and an event. Log lines are dropped: the cores
   log each request, and millions of lines test nothing. */
static inline void
fuzz_request_init(void (*set_override)(struct backscatter_settings *set),
		  struct backscatter_daemon *daemon_r)
{
	static const char keys[] =
		"bs1 0 2020-01-01 - "
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
		"prvs 1 2020-01-01 - secret\n";
	struct backscatter_settings *set;
	struct backscatter_keyring *keyring;
	pool_t pool;
	const char *error;

	lib_init();
	/* libFuzzer ends with exit(), which lib would turn into abort() */
	lib_set_clean_exit(TRUE);
	i_set_info_handler(fuzz_request_log_nothing);
	i_set_error_handler(fuzz_request_log_nothing);
	pool = pool_alloconly_create("fuzz request", 4096);
	set = p_new(pool, struct backscatter_settings, 1);
	*set = backscatter_default_settings;
	set->sign_domains = "example.com";
	if (set_override != NULL)
		set_override(set);
	if (!backscatter_settings_check(set, pool, &error))
		i_panic("%s", error);
	if (backscatter_keyring_parse("fuzz-keys", keys, strlen(keys),
				      &keyring, &error) < 0)
		i_panic("%s", error);

	i_zero(daemon_r);
	daemon_r->set = set;
	daemon_r->keyring = keyring;
	daemon_r->event = event_create(NULL);
}

#endif
