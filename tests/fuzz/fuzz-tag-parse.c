/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* libFuzzer target: arbitrary bytes as a bounce recipient, read the three
   ways an address reaches the engine (split at the last '@' as the tests
   and the CLI do, and through lib-smtp's mailbox and path parsers), then
   backscatter_tag_parse() and backscatter_verify() against a fixed keyring
   at a fixed time. Built and run by tests/fuzz/run.

   Besides "no crash, no leak, no undefined behaviour", it checks what
   must hold for every input, and panics (a crash to libFuzzer) if not:
   - the verdict agrees with the parse: malformed is forged, no tag is
     unsigned, a tag is judged; without keys, everything is unknown;
   - a parsed tag is well-formed: its value and MAC have the scheme's
     lengths and the untagged address is complete;
   - an address without a tag that backscatter_sign() agrees to sign, in
     either scheme and form, verifies as valid right away, and untags to
     the address it was made from. */

#include "lib.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* bs1 keys of tests/data/bs1-vectors.tsv, prvs keys of Exim's vectors;
   bs1 key 2 is retired but still verifies, for that branch */
static const char fuzz_keys[] =
	"bs1 0 2020-01-01 - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	"bs1 1 2020-01-01 - Zwqlm+/EORyLgiZ1ebjo6iuYnzds3WelB30G0icsvqc=\n"
	"bs1 2 2020-01-01 2025-11-25 "
	"//////////////////////////////////////////8=\n"
	"prvs 0 2020-01-01 - otherkey\n"
	"prvs 1 2020-01-01 - secret\n";

/* 2025-11-28 12:00 UTC: some bs1 vectors (expiring 2025-12-01 and -02)
   are valid then, the rest expired or too far ahead */
#define FUZZ_DAY 20420
#define FUZZ_NOW ((time_t)FUZZ_DAY * BACKSCATTER_SECS_PER_DAY + 12 * 60 * 60)

/* Two delimiters, so that the choice between them is exercised too */
static const struct backscatter_tag_settings fuzz_set = {
	.delimiters = "+-",
	.lifetime_days = 7,
	.grace_days = 1,
	.clock_skew_secs = 3600,
};

static struct backscatter_keyring *keyring;

static const char *address_str(const struct smtp_address *address)
{
	return t_strdup_printf("%s@%s", address->localpart,
			       address->domain == NULL ? "(null)" :
			       address->domain);
}

static void check_tag(const struct smtp_address *address,
		      const struct backscatter_tag *tag)
{
	const struct backscatter_scheme_def *def;

	if (tag->scheme >= BACKSCATTER_SCHEME_COUNT)
		i_panic("%s: unknown scheme", address_str(address));
	def = &backscatter_schemes[tag->scheme];
	if (strlen(tag->value) != def->key_id_chars + def->day_chars +
				  def->mac_chars ||
	    tag->mac != tag->value + def->key_id_chars + def->day_chars ||
	    tag->key_id >= def->key_id_count ||
	    tag->day >= def->day_modulus)
		i_panic("%s: inconsistent tag", address_str(address));
	if (tag->untagged.localpart == NULL ||
	    *tag->untagged.localpart == '\0' ||
	    tag->untagged.domain == NULL || *tag->untagged.domain == '\0' ||
	    strlen(tag->untagged.localpart) >= strlen(address->localpart))
		i_panic("%s: inconsistent untagged address",
			address_str(address));
}

/* Signs the untagged address every way there is and verifies the result */
static void check_round_trip(const struct smtp_address *address)
{
	struct backscatter_verification result;
	const struct smtp_address *tagged;
	const char *reason;
	unsigned int s, f;
	int ret;

	for (s = 0; s < BACKSCATTER_SCHEME_COUNT; s++) {
		for (f = BACKSCATTER_TAG_FORM_SUBADDRESS;
		     f <= BACKSCATTER_TAG_FORM_PREFIX; f++) {
			ret = backscatter_sign(keyring, &fuzz_set, s, f,
					       address, FUZZ_NOW, &tagged,
					       &reason);
			if (ret < 0) {
				i_panic("%s: no signing key: %s",
					address_str(address), reason);
			}
			if (ret == 0)
				continue;
			backscatter_verify(keyring, &fuzz_set, tagged,
					   FUZZ_NOW, pool_datastack_create(),
					   &result);
			/* prvs signs the address lower-cased; bs1 keeps it,
			   and the MAC covers it lower-cased */
			if (result.verdict != BACKSCATTER_VERDICT_VALID ||
			    result.tag.scheme != s || result.tag.form != f ||
			    result.expiry_day !=
			    FUZZ_DAY + fuzz_set.lifetime_days ||
			    strcasecmp(result.tag.untagged.localpart,
				       address->localpart) != 0 ||
			    strcasecmp(result.tag.untagged.domain,
				       address->domain) != 0) {
				i_panic("%s signed as %s: %s (%s)",
					address_str(address),
					address_str(tagged),
					backscatter_verdict_to_str(
						result.verdict),
					backscatter_verification_reason(
						&result));
			}
		}
	}
}

static void fuzz_address(const struct smtp_address *address)
{
	struct backscatter_verification result;
	struct backscatter_tag tag;
	const char *error = NULL;
	int ret;

	ret = backscatter_tag_parse(address, fuzz_set.delimiters,
				    pool_datastack_create(), &tag, &error);
	if (ret < 0 && error == NULL)
		i_panic("tag parse failed without an error");
	if (ret > 0)
		check_tag(address, &tag);

	backscatter_verify(keyring, &fuzz_set, address, FUZZ_NOW,
			   pool_datastack_create(), &result);
	if (backscatter_verification_reason(&result) == NULL ||
	    (ret < 0 && (result.verdict != BACKSCATTER_VERDICT_FORGED ||
			 !result.tagged)) ||
	    (ret == 0 && (result.verdict != BACKSCATTER_VERDICT_UNSIGNED ||
			  result.tagged)) ||
	    (ret > 0 && (result.verdict == BACKSCATTER_VERDICT_UNSIGNED ||
			 result.verdict == BACKSCATTER_VERDICT_UNKNOWN ||
			 !result.tagged)))
		i_panic("parse returned %d, but the verdict is %s (%s)", ret,
			backscatter_verdict_to_str(result.verdict),
			backscatter_verification_reason(&result));
	/* at noon, the clock skew of an hour moves no day */
	if (result.verdict == BACKSCATTER_VERDICT_VALID &&
	    (result.expiry_day < FUZZ_DAY - fuzz_set.grace_days ||
	     result.expiry_day > FUZZ_DAY + fuzz_set.lifetime_days))
		i_panic("valid, but expires on day %u", result.expiry_day);

	backscatter_verify(NULL, &fuzz_set, address, FUZZ_NOW,
			   pool_datastack_create(), &result);
	if (ret >= 0 && result.verdict != BACKSCATTER_VERDICT_UNKNOWN)
		i_panic("no keys, but the verdict is %s",
			backscatter_verdict_to_str(result.verdict));

	if (ret == 0 && address != NULL)
		check_round_trip(address);
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	const char *error;

	lib_init();
	/* libFuzzer ends with exit(), which lib would turn into abort() */
	lib_set_clean_exit(TRUE);
	if (backscatter_keyring_parse("fuzz-keys", fuzz_keys,
				      strlen(fuzz_keys), &keyring,
				      &error) < 0)
		i_panic("%s", error);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		/* Addresses are C strings: a NUL ends the input */
		const char *input = t_strndup(data, size);
		const char *at = strrchr(input, '@');
		struct smtp_address *address;
		const char *error;

		/* as the tests and the command line split it */
		fuzz_address(at == NULL ?
			smtp_address_create(pool_datastack_create(), input,
					    NULL) :
			smtp_address_create(pool_datastack_create(),
					    t_strdup_until(input, at),
					    at + 1));
		/* as LMTP and Sieve have it: parsed by lib-smtp */
		if (smtp_address_parse_mailbox(pool_datastack_create(), input,
				SMTP_ADDRESS_PARSE_FLAG_ALLOW_LOCALPART |
				SMTP_ADDRESS_PARSE_FLAG_ALLOW_BAD_LOCALPART,
				&address, &error) == 0)
			fuzz_address(address);
		if (smtp_address_parse_path(pool_datastack_create(), input,
				SMTP_ADDRESS_PARSE_FLAG_ALLOW_EMPTY |
				SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL,
				&address, &error) == 0)
			fuzz_address(address);
	} T_END;
	return 0;
}
