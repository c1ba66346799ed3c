/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* libFuzzer target: arbitrary bytes as a key file, through
   backscatter_keyring_parse(); a keyring it accepts is then used as the
   plugin uses it, and freed. Built and run by tests/fuzz/run.

   Besides "no crash, no leak, no undefined behaviour", it checks what
   must hold for every input, and panics (a crash to libFuzzer) if not:
   - a refused file comes with an error that names it;
   - on a few days from 1970 to 9999, for example.com and for the first
     domain of each key limited to domains, the signing key of a scheme
     is one of that scheme, active that day, serving that domain, with
     key material of a size the scheme allows, and is the key that
     verifies its id for that domain that day;
   - what that key signs verifies as valid the same day. */

#include "lib.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz-keys"

/* 1970-01-01, 2000-01-01, 2025-11-28 and 9999-12-31: the ends of what a
   key file can name, and days in between */
static const unsigned int fuzz_days[] = { 0, 10957, 20420, 2932896 };

static const struct backscatter_tag_settings fuzz_set = {
	.delimiters = "+",
	.lifetime_days = 7,
	.grace_days = 1,
	.clock_skew_secs = 3600,
};

static void
check_signing_key(const struct backscatter_keyring *keyring,
		  enum backscatter_scheme scheme, const char *domain,
		  unsigned int today)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];
	const time_t now = (time_t)today * BACKSCATTER_SECS_PER_DAY +
		12 * 60 * 60;
	const struct backscatter_key *key;
	struct backscatter_verification result;
	const struct smtp_address *tagged;
	const char *reason;
	int ret;

	key = backscatter_keyring_signing_key(keyring, scheme, domain, today);
	if (key == NULL)
		return;
	if (key->scheme != scheme || key->id >= def->key_id_count ||
	    !backscatter_key_serves_domain(key, domain) ||
	    key->created_day > today ||
	    (key->retired_day != 0 && key->retired_day <= today) ||
	    key->material == NULL || key->material_size == 0 ||
	    (scheme == BACKSCATTER_SCHEME_BS1 ?
	     key->material_size != BACKSCATTER_BS1_KEY_SIZE :
	     key->material_size > BACKSCATTER_PRVS_SECRET_MAX_SIZE))
		i_panic("day %u: %s signing key %u (line %u) is not fit",
			today, def->name, key->id, key->line);
	if (backscatter_keyring_verifying_key(keyring, scheme, key->id,
		domain, today,
		fuzz_set.lifetime_days + fuzz_set.grace_days) != key)
		i_panic("day %u: %s signing key %u does not verify", today,
			def->name, key->id);

	ret = backscatter_sign(keyring, &fuzz_set, scheme,
			       BACKSCATTER_TAG_FORM_SUBADDRESS,
			       smtp_address_create(pool_datastack_create(),
						   "alice", domain),
			       now, &tagged, &reason);
	if (ret != 1)
		i_panic("day %u: %s sign failed: %s", today, def->name, reason);
	backscatter_verify(keyring, &fuzz_set, tagged, now,
			   pool_datastack_create(), &result);
	if (result.verdict != BACKSCATTER_VERDICT_VALID)
		i_panic("day %u: %s tag %s@%s is %s: %s", today, def->name,
			tagged->localpart, tagged->domain,
			backscatter_verdict_to_str(result.verdict),
			backscatter_verification_reason(&result));
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	lib_init();
	/* libFuzzer ends with exit(), which lib would turn into abort() */
	lib_set_clean_exit(TRUE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		struct backscatter_keyring *keyring = NULL;
		const char *error = NULL;
		const struct backscatter_key *keys;
		unsigned int s, i, k, count;

		if (backscatter_keyring_parse(FUZZ_NAME, data, size, &keyring,
					      &error) < 0) {
			if (error == NULL ||
			    strncmp(error, FUZZ_NAME, strlen(FUZZ_NAME)) != 0)
				i_panic("refused without naming the file: %s",
					error == NULL ? "(no error)" : error);
			if (keyring != NULL)
				i_panic("refused, but a keyring was returned");
		} else {
			if (keyring == NULL)
				i_panic("accepted, but no keyring");
			(void)backscatter_keyring_count(keyring);
			keys = backscatter_keyring_keys(keyring, &count);
			for (i = 0; i < N_ELEMENTS(fuzz_days); i++) {
				for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
					check_signing_key(keyring, s,
						"example.com", fuzz_days[i]);
					/* a few tenants' domains */
					for (k = 0; k < count && k < 4; k++) {
						if (keys[k].domains == NULL)
							continue;
						check_signing_key(keyring, s,
							keys[k].domains[0],
							fuzz_days[i]);
					}
				}
			}
			backscatter_keyring_free(&keyring);
			if (keyring != NULL)
				i_panic("keyring_free left the pointer set");
		}
	} T_END;
	return 0;
}
