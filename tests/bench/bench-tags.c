/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Benchmark of return-path tags: nanoseconds per backscatter_sign() and
   per backscatter_verify(), for bs1 and prvs. It only prints figures and
   judges none of them; but every signature and every verdict is checked,
   and a wrong one aborts, so that a broken path (fast because it fails
   early) cannot pass for a fast one.

   Build, from the top of the source tree after make -C build:

     gcc -std=gnu99 -O2 -g -Wall -W -Wmissing-prototypes \
         -DHAVE_CONFIG_H -I/usr/include/dovecot -Ilib-bounce -Ilib-backscatter \
         -o build/bench-tags tests/bench/bench-tags.c \
         build/lib-backscatter/.libs/libbackscatter.a \
         -L/usr/lib/dovecot -ldovecot -Wl,-rpath,/usr/lib/dovecot -lsodium

   (or, without the build tree, the engine's tag and key sources in place
   of the library: lib-backscatter/backscatter-{date,keys,mac,tag,verify}.c, as
   tests/fuzz/run builds them). In automake terms: a noinst_PROGRAMS entry
   with LDADD = $(top_builddir)/lib-backscatter/libbackscatter.la $(LIBDOVECOT)
   $(SODIUM_LIBS), not in TESTS: timings say nothing about correctness.

   Run: build/bench-tags [OPERATIONS]; OPERATIONS defaults to 1000000
   per figure (a smaller count is for smoke tests only). It also times
   the bare MAC over the same bytes a tag's MAC covers: one keyed BLAKE2b
   (libsodium's crypto_generichash) for bs1, one HMAC-SHA1 (Dovecot's
   hmac with its key) for prvs; the rest of an operation's time is ours.
   The last two lines are for scripts:

     tags: sign_bs1=N ns verify_bs1=N ns sign_prvs=N ns verify_prvs=N ns
     tags: sign_bs1=N.Nx verify_bs1=N.Nx sign_prvs=N.Nx verify_prvs=N.Nx
       (of the MAC)

   (the second on one line: each operation's time over its MAC's). */

#include "lib.h"
#include "smtp-address.h"
#include "hmac.h"
#include "sha1.h"
#include "backscatter-keys.h"
#include "backscatter-mac.h"
#include "backscatter-tag.h"
#include "backscatter-verify.h"

#include <sodium.h>
#include <stdio.h>
#include <time.h>

#define DEFAULT_OPERATIONS 1000000U
/* Distinct addresses cycled through, so that neither the engine nor the
   CPU sees the same input twice in a row */
#define ADDRESS_COUNT 1024U
/* Operations per data stack frame: bounded memory, and t_push()/t_pop()
   costs too little per operation to blur the figures */
#define BATCH 64U

#define DAY0 20423	/* 2025-12-01 */
#define DAY0_START ((time_t)DAY0 * 24 * 60 * 60)
#define SECS_PER_DAY (24U * 60U * 60U)

static const char bench_keys[] =
	"bs1  0 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	"prvs 1 2020-01-01 - correct horse battery staple\n";
/* The same keys as bytes, for the bare MACs */
static const unsigned char bench_bs1_key[BACKSCATTER_BS1_KEY_SIZE] = {
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};
static const char bench_prvs_secret[] = "correct horse battery staple";

/* The defaults of the plugin's settings */
static const struct backscatter_tag_settings bench_set = {
	.delimiters = "+",
	.lifetime_days = 7,
	.grace_days = 1,
	.clock_skew_secs = 3600,
};

/* Each scheme in the form it is normally used in: bs1 as a subaddress,
   prvs as BATV's prefix */
static const enum backscatter_tag_form
bench_forms[BACKSCATTER_SCHEME_COUNT] = {
	[BACKSCATTER_SCHEME_BS1] = BACKSCATTER_TAG_FORM_SUBADDRESS,
	[BACKSCATTER_SCHEME_PRVS] = BACKSCATTER_TAG_FORM_PREFIX,
};

static struct backscatter_keyring *keyring;
static const struct smtp_address *addresses[ADDRESS_COUNT];
static const struct smtp_address
	*tagged_addresses[BACKSCATTER_SCHEME_COUNT][ADDRESS_COUNT];
/* What each scheme's MAC covers for each address */
static const char *mac_inputs[BACKSCATTER_SCHEME_COUNT][ADDRESS_COUNT];

typedef void bench_batch_func_t(enum backscatter_scheme scheme,
				unsigned int first, unsigned int count);

/* A second of DAY0 for operation i: the time moves, the expiry day a tag
   gets does not, so every tag signed here verifies at any of them */
static time_t op_time(unsigned int i)
{
	return DAY0_START + (time_t)((i * 7919U) % SECS_PER_DAY);
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

static void sign_batch(enum backscatter_scheme scheme, unsigned int first,
		       unsigned int count)
{
	const struct smtp_address *tagged;
	const char *reason;
	unsigned int i;
	int ret;

	T_BEGIN {
		for (i = first; i < first + count; i++) {
			ret = backscatter_sign(keyring, &bench_set, scheme,
				bench_forms[scheme],
				addresses[i % ADDRESS_COUNT], op_time(i),
				&tagged, &reason);
			if (ret != 1) {
				i_panic("sign %s failed (%d): %s",
					backscatter_scheme_to_str(scheme),
					ret, reason);
			}
		}
	} T_END;
}

static void verify_batch(enum backscatter_scheme scheme, unsigned int first,
			 unsigned int count)
{
	const unsigned int expiry_day = DAY0 + bench_set.lifetime_days;
	struct backscatter_verification result;
	unsigned int i;

	T_BEGIN {
		for (i = first; i < first + count; i++) {
			backscatter_verify(keyring, &bench_set,
				tagged_addresses[scheme][i % ADDRESS_COUNT],
				op_time(i), pool_datastack_create(), &result);
			if (result.verdict != BACKSCATTER_VERDICT_VALID ||
			    result.tag.scheme != scheme ||
			    result.expiry_day != expiry_day) {
				i_panic("verify %s: %s (%s)",
					backscatter_scheme_to_str(scheme),
					backscatter_verdict_to_str(
						result.verdict),
					backscatter_verification_reason(&result));
			}
		}
	} T_END;
}

/* The bare MAC, as the engine would compute it if nothing else cost */
static void mac_batch(enum backscatter_scheme scheme, unsigned int first,
		      unsigned int count)
{
	unsigned char digest[SHA1_RESULTLEN];
	struct hmac_context hmac;
	const char *input;
	unsigned int i;

	for (i = first; i < first + count; i++) {
		input = mac_inputs[scheme][i % ADDRESS_COUNT];
		if (scheme == BACKSCATTER_SCHEME_BS1) {
			if (crypto_generichash(digest, 16,
					       (const void *)input,
					       strlen(input), bench_bs1_key,
					       sizeof(bench_bs1_key)) != 0)
				i_unreached();
		} else {
			hmac_init(&hmac, (const void *)bench_prvs_secret,
				  sizeof(bench_prvs_secret) - 1,
				  &hash_method_sha1);
			hmac_update(&hmac, input, strlen(input));
			hmac_final(&hmac, digest);
		}
	}
}

/* Runs count operations in batches; returns the nanoseconds taken */
static uint64_t
run_batches(bench_batch_func_t *batch, enum backscatter_scheme scheme,
	    unsigned int count)
{
	uint64_t start = clock_ns();
	unsigned int i;

	for (i = 0; i < count; i += BATCH)
		batch(scheme, i, I_MIN(BATCH, count - i));
	return clock_ns() - start;
}

/* Returns nanoseconds per operation */
static double
bench(const char *what, bench_batch_func_t *batch,
      enum backscatter_scheme scheme, unsigned int operations)
{
	uint64_t ns;
	double per_op;

	/* Caches, branch predictors and the data stack's blocks settle
	   before the clock starts */
	(void)run_batches(batch, scheme, I_MAX(operations / 10, BATCH));
	ns = run_batches(batch, scheme, operations);
	per_op = (double)ns / operations;
	printf("%s %s (%s): %u operations in %.3f s, %.0f ns/op\n", what,
	       backscatter_scheme_to_str(scheme),
	       backscatter_tag_form_to_str(bench_forms[scheme]), operations,
	       (double)ns / 1e9, per_op);
	fflush(stdout);
	return per_op;
}

static void bench_init(pool_t pool)
{
	const struct smtp_address *tagged;
	const char *error, *reason, *local;
	unsigned int i, s;

	if (backscatter_keyring_parse("bench-keys", bench_keys,
				      strlen(bench_keys), &keyring,
				      &error) < 0)
		i_fatal("%s", error);

	for (i = 0; i < ADDRESS_COUNT; i++) {
		/* lengths and case vary; all stay short enough to sign */
		local = i % 3 == 0 ?
			p_strdup_printf(pool, "user%u", i) :
			p_strdup_printf(pool, "First.Last-%u%s", i,
					i % 3 == 1 ? "+list" : "");
		addresses[i] = smtp_address_create(pool, local,
			p_strdup_printf(pool, "mail%u.Example.org", i % 17));
	}

	/* The tags to verify, made once; each is checked here already,
	   so that the timed loop starts from tags known to be good */
	for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
		for (i = 0; i < ADDRESS_COUNT; i++) T_BEGIN {
			if (backscatter_sign(keyring, &bench_set, s,
					     bench_forms[s], addresses[i],
					     DAY0_START, &tagged,
					     &reason) != 1)
				i_fatal("sign: %s", reason);
			tagged_addresses[s][i] =
				smtp_address_clone(pool, tagged);
		} T_END;
		verify_batch(s, 0, ADDRESS_COUNT);
	}

	/* bs1 covers "bs1=", the key id and day, '=' and the canonical
	   address; prvs the key id and day and the address */
	for (i = 0; i < ADDRESS_COUNT; i++) T_BEGIN {
		const char *canonical =
			backscatter_canonical_address(addresses[i]);

		mac_inputs[BACKSCATTER_SCHEME_BS1][i] =
			p_strconcat(pool, "bs1=",
				backscatter_tag_kid_day(BACKSCATTER_SCHEME_BS1,
					0, DAY0 + bench_set.lifetime_days),
				"=", canonical, NULL);
		mac_inputs[BACKSCATTER_SCHEME_PRVS][i] =
			p_strconcat(pool,
				backscatter_tag_kid_day(BACKSCATTER_SCHEME_PRVS,
					1, DAY0 + bench_set.lifetime_days),
				canonical, NULL);
	} T_END;
}

int main(int argc, char *argv[])
{
	unsigned int operations = DEFAULT_OPERATIONS;
	double sign_ns[BACKSCATTER_SCHEME_COUNT];
	double verify_ns[BACKSCATTER_SCHEME_COUNT];
	double mac_ns[BACKSCATTER_SCHEME_COUNT];
	unsigned int s;
	pool_t pool;

	lib_init();
	if (argc > 2 || (argc == 2 && (str_to_uint(argv[1], &operations) < 0 ||
				       operations == 0)))
		i_fatal("Usage: %s [OPERATIONS]", argv[0]);

	pool = pool_alloconly_create("bench-tags", 256 * 1024);
	bench_init(pool);
	for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
		sign_ns[s] = bench("sign", sign_batch, s, operations);
		verify_ns[s] = bench("verify", verify_batch, s, operations);
		mac_ns[s] = bench("mac", mac_batch, s, operations);
	}
	printf("tags: sign_bs1=%.0f ns verify_bs1=%.0f ns "
	       "sign_prvs=%.0f ns verify_prvs=%.0f ns\n",
	       sign_ns[BACKSCATTER_SCHEME_BS1],
	       verify_ns[BACKSCATTER_SCHEME_BS1],
	       sign_ns[BACKSCATTER_SCHEME_PRVS],
	       verify_ns[BACKSCATTER_SCHEME_PRVS]);
	printf("tags: sign_bs1=%.1fx verify_bs1=%.1fx "
	       "sign_prvs=%.1fx verify_prvs=%.1fx (of the MAC)\n",
	       sign_ns[BACKSCATTER_SCHEME_BS1] / mac_ns[BACKSCATTER_SCHEME_BS1],
	       verify_ns[BACKSCATTER_SCHEME_BS1] /
	       mac_ns[BACKSCATTER_SCHEME_BS1],
	       sign_ns[BACKSCATTER_SCHEME_PRVS] /
	       mac_ns[BACKSCATTER_SCHEME_PRVS],
	       verify_ns[BACKSCATTER_SCHEME_PRVS] /
	       mac_ns[BACKSCATTER_SCHEME_PRVS]);

	backscatter_keyring_free(&keyring);
	pool_unref(&pool);
	lib_deinit();
	return 0;
}
