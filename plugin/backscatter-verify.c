/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "smtp-address.h"
#include "smtp-parser.h"
#include "backscatter-date.h"
#include "backscatter-mac.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"

#include <sodium.h>

static const char *const backscatter_verdict_names[] = {
	[BACKSCATTER_VERDICT_VALID] = "valid",
	[BACKSCATTER_VERDICT_EXPIRED] = "expired",
	[BACKSCATTER_VERDICT_FORGED] = "forged",
	[BACKSCATTER_VERDICT_UNSIGNED] = "unsigned",
	[BACKSCATTER_VERDICT_UNKNOWN] = "unknown",
};

const char *backscatter_verdict_to_str(enum backscatter_verdict verdict)
{
	i_assert(verdict < BACKSCATTER_VERDICT_COUNT);
	return backscatter_verdict_names[verdict];
}

bool backscatter_verdict_from_str(const char *name,
				  enum backscatter_verdict *verdict_r)
{
	unsigned int i;

	for (i = 0; i < BACKSCATTER_VERDICT_COUNT; i++) {
		if (strcasecmp(name, backscatter_verdict_names[i]) == 0) {
			*verdict_r = (enum backscatter_verdict)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* The window of expiry days a tag may carry today: from the days whose
   tags are still within their grace, to the last day we could have given
   a tag signed today. The clock skew widens it both ways. */
static void
expiry_window(const struct backscatter_tag_settings *set, time_t now,
	      unsigned int *lo_r, unsigned int *hi_r)
{
	unsigned int earliest = backscatter_day_of(now - set->clock_skew_secs);
	unsigned int latest = backscatter_day_of(now + set->clock_skew_secs);

	*lo_r = earliest > set->grace_days ? earliest - set->grace_days : 0;
	*hi_r = latest + set->lifetime_days;
}

/* Finds the full expiry day for the tag's reduced one, as the tag counts
   days modulo the scheme's day_modulus. */
static unsigned int
full_expiry_day(const struct backscatter_tag *tag, unsigned int lo,
		unsigned int hi)
{
	unsigned int modulus = backscatter_schemes[tag->scheme].day_modulus;
	/* the first candidate at or after lo */
	unsigned int day = lo + (tag->day + modulus - lo % modulus) % modulus;
	unsigned int past;

	if (day <= hi || day < modulus)
		return day;
	/* Outside the window: in the future, or one cycle in the past?
	   prvs counts 1000 days and cannot tell; BATV calls it expired.
	   bs1's 89-year cycle can: take the nearer one. */
	past = day - modulus;
	if (tag->scheme == BACKSCATTER_SCHEME_PRVS || day - hi > lo - past)
		return past;
	return day;
}

static bool
mac_matches(const struct backscatter_key *key,
	    const struct backscatter_tag *tag, const char *address)
{
	char mac[14];
	const char *kid_day;
	size_t mac_len;
	bool ret;

	kid_day = t_strndup(tag->value, strlen(tag->value) -
			    strlen(tag->mac));
	switch (tag->scheme) {
	case BACKSCATTER_SCHEME_BS1:
		backscatter_bs1_mac(key->material, kid_day, address, mac);
		break;
	case BACKSCATTER_SCHEME_PRVS:
		backscatter_prvs_mac_prepared(key->prvs_hmac, kid_day,
					      address, mac);
		break;
	case BACKSCATTER_SCHEME_COUNT:
		i_unreached();
	}
	mac_len = strlen(mac);
	i_assert(strlen(tag->mac) == mac_len);
	ret = sodium_memcmp(mac, tag->mac, mac_len) == 0;
	sodium_memzero(mac, sizeof(mac));
	return ret;
}

/* Does the MAC cover this address? bs1 covers the canonical address.
   prvs covers the address as the signer saw it: try it as received, then
   with the local part lower-cased, as Exim lower-cases local parts before
   its ACLs run. */
static bool
tag_mac_valid(const struct backscatter_key *key,
	      const struct backscatter_tag *tag)
{
	const struct smtp_address *untagged = &tag->untagged;
	const char *received, *lowered;

	if (tag->scheme == BACKSCATTER_SCHEME_BS1) {
		return mac_matches(key, tag,
				   backscatter_canonical_address(untagged));
	}
	received = t_strconcat(untagged->localpart, "@", untagged->domain,
			       NULL);
	lowered = t_strconcat(t_str_lcase(untagged->localpart), "@",
			      untagged->domain, NULL);
	return mac_matches(key, tag, received) ||
		(strcmp(received, lowered) != 0 &&
		 mac_matches(key, tag, lowered));
}

static void
verdict(struct backscatter_verification *result,
	enum backscatter_verdict verdict, enum backscatter_verify_cause cause)
{
	result->verdict = verdict;
	result->cause = cause;
}

static void
verify_tag(const struct backscatter_keyring *keyring,
	   const struct backscatter_tag_settings *set, time_t now,
	   struct backscatter_verification *result)
{
	const struct backscatter_tag *tag = &result->tag;
	const struct backscatter_key *key;
	unsigned int lo, hi, day;

	key = backscatter_keyring_verifying_key(keyring, tag->scheme,
		tag->key_id, backscatter_day_of(now),
		set->lifetime_days + set->grace_days);
	if (key == NULL) {
		verdict(result, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_UNKNOWN_KEY);
		return;
	}
	if (!tag_mac_valid(key, tag)) {
		verdict(result, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_BAD_MAC);
		return;
	}

	expiry_window(set, now, &lo, &hi);
	day = full_expiry_day(tag, lo, hi);
	result->expiry_day = day;
	if (day >= lo && day <= hi) {
		verdict(result, BACKSCATTER_VERDICT_VALID,
			BACKSCATTER_CAUSE_VALID);
	} else if (day > hi) {
		verdict(result, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_TOO_FAR_AHEAD);
		result->expiry_day = 0;
	} else {
		verdict(result, BACKSCATTER_VERDICT_EXPIRED,
			BACKSCATTER_CAUSE_EXPIRED);
	}
}

const char *
backscatter_verification_reason(const struct backscatter_verification *result)
{
	const struct backscatter_tag *tag = &result->tag;
	const char *scheme = backscatter_scheme_to_str(tag->scheme);

	switch (result->cause) {
	case BACKSCATTER_CAUSE_NO_TAG:
		return "no tag";
	case BACKSCATTER_CAUSE_NO_KEYS:
		return result->tagged ? "no keys loaded" :
			"no tag, and no keys loaded";
	case BACKSCATTER_CAUSE_MALFORMED:
		return t_strconcat("malformed tag: ", result->malformed, NULL);
	case BACKSCATTER_CAUSE_UNKNOWN_KEY:
		return t_strdup_printf("%s tag with unknown key id %u",
				       scheme, tag->key_id);
	case BACKSCATTER_CAUSE_BAD_MAC:
		return t_strdup_printf("%s tag with a bad MAC (key %u)",
				       scheme, tag->key_id);
	case BACKSCATTER_CAUSE_TOO_FAR_AHEAD:
		return t_strdup_printf("%s tag expiring later than any we sign",
				       scheme);
	case BACKSCATTER_CAUSE_EXPIRED:
		return t_strdup_printf("%s tag, key %u, expired %s", scheme,
			tag->key_id, backscatter_day_to_str(result->expiry_day));
	case BACKSCATTER_CAUSE_VALID:
		return t_strdup_printf("%s tag, key %u, expires %s", scheme,
			tag->key_id, backscatter_day_to_str(result->expiry_day));
	}
	i_unreached();
}

void backscatter_verify(const struct backscatter_keyring *keyring,
			const struct backscatter_tag_settings *set,
			const struct smtp_address *address, time_t now,
			pool_t pool,
			struct backscatter_verification *result_r)
{
	const char *error;
	int ret;

	i_zero(result_r);
	ret = backscatter_tag_parse(address, set->delimiters, pool,
				    &result_r->tag, &error);
	result_r->tagged = ret != 0;
	if (ret < 0) {
		verdict(result_r, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_MALFORMED);
		result_r->malformed = p_strdup(pool, error);
	} else if (keyring == NULL) {
		verdict(result_r, BACKSCATTER_VERDICT_UNKNOWN,
			BACKSCATTER_CAUSE_NO_KEYS);
	} else if (ret == 0) {
		verdict(result_r, BACKSCATTER_VERDICT_UNSIGNED,
			BACKSCATTER_CAUSE_NO_TAG);
	} else {
		verify_tag(keyring, set, now, result_r);
	}
}

/* A local part we can tag: a dot-atom (RFC 5321; with UTF-8 as RFC 6531
   allows), so that the tagged address needs no quoting either */
static bool localpart_is_dot_atom(const char *localpart)
{
	const char *p;

	if (*localpart == '\0' || *localpart == '.')
		return FALSE;
	for (p = localpart; *p != '\0'; p++) {
		if (*p == '.') {
			if (p[1] == '.' || p[1] == '\0')
				return FALSE;
		} else if ((unsigned char)*p < 0x80 &&
			   !smtp_char_is_atext((unsigned char)*p)) {
			return FALSE;
		}
	}
	return TRUE;
}

int backscatter_sign(const struct backscatter_keyring *keyring,
		     const struct backscatter_tag_settings *set,
		     enum backscatter_scheme scheme,
		     enum backscatter_tag_form form,
		     const struct smtp_address *address, time_t now,
		     const struct smtp_address **tagged_r,
		     const char **reason_r)
{
	const struct backscatter_key *key;
	struct backscatter_tag tag;
	struct smtp_address signed_address;
	const char *kid_day, *error;
	unsigned int today = backscatter_day_of(now);
	char mac[14];
	int ret;

	if (address == NULL || address->localpart == NULL ||
	    address->domain == NULL || *address->domain == '\0') {
		*reason_r = "null or incomplete address";
		return 0;
	}
	ret = backscatter_tag_parse(address, set->delimiters,
				    pool_datastack_create(), &tag, &error);
	if (ret != 0) {
		*reason_r = "already tagged";
		return 0;
	}
	if (!localpart_is_dot_atom(address->localpart)) {
		*reason_r = "local part needs quoting";
		return 0;
	}
	key = keyring == NULL ? NULL :
		backscatter_keyring_signing_key(keyring, scheme, today);
	if (key == NULL) {
		*reason_r = t_strdup_printf("no active %s key to sign with",
					    backscatter_scheme_to_str(scheme));
		return -1;
	}

	kid_day = backscatter_tag_kid_day(scheme, key->id,
					  today + set->lifetime_days);
	i_zero(&signed_address);
	switch (scheme) {
	case BACKSCATTER_SCHEME_BS1:
		signed_address = *address;
		backscatter_bs1_mac(key->material, kid_day,
				    backscatter_canonical_address(address),
				    mac);
		break;
	case BACKSCATTER_SCHEME_PRVS:
		/* Signed lower-cased, so that the tag survives MTAs that
		   lower-case local parts (Exim does by default) */
		signed_address.localpart = t_str_lcase(address->localpart);
		signed_address.domain = t_str_lcase(address->domain);
		backscatter_prvs_mac_prepared(key->prvs_hmac, kid_day,
			t_strconcat(signed_address.localpart, "@",
				    signed_address.domain, NULL), mac);
		break;
	case BACKSCATTER_SCHEME_COUNT:
		i_unreached();
	}
	if (!backscatter_tag_build(&signed_address, scheme, form,
				   set->delimiters[0],
				   t_strconcat(kid_day, mac, NULL),
				   tagged_r)) {
		*reason_r = "tagged local part would exceed 64 octets";
		return 0;
	}
	return 1;
}
