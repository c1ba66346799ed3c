/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "smtp-address.h"
#include "smtp-parser.h"
#include "bounce-str.h"
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

BOUNCE_STR_TABLE_DEFINE(backscatter_verdict, enum backscatter_verdict,
			backscatter_verdict_names, BACKSCATTER_VERDICT_COUNT)

/* The window of expiry days a tag may carry today: from the days whose
   tags are still within their grace, to the last day any signer of ours
   could have given a tag signed today. That is the widest lifetime the
   settings allow, not the current one: a tag whose MAC is ours stays
   valid until it expires when the lifetime is shortened, or when a signer
   elsewhere has a longer one. The clock skew widens it both ways. */
static void
expiry_window(const struct backscatter_tag_settings *set, time_t now,
	      unsigned int *lo_r, unsigned int *hi_r)
{
	unsigned int earliest = backscatter_day_of(now - set->clock_skew_secs);
	unsigned int latest = backscatter_day_of(now + set->clock_skew_secs);

	*lo_r = earliest > set->grace_days ? earliest - set->grace_days : 0;
	*hi_r = latest + BACKSCATTER_TAG_MAX_DAYS;
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

/* prvs counts days modulo 1000, so a day beyond the current lifetime
   may also be a tag that expired years ago (Exim's vectors have them).
   Only a key too young to have made that old tag tells it was made with
   a longer lifetime than today's; otherwise BATV's reading, expired,
   stands. bs1's 89-year cycle has no such doubt. */
static unsigned int
prvs_disambiguate(const struct backscatter_key *key,
		  const struct backscatter_tag_settings *set, time_t now,
		  unsigned int day)
{
	unsigned int modulus = backscatter_schemes[BACKSCATTER_SCHEME_PRVS].day_modulus;
	unsigned int latest = backscatter_day_of(now + set->clock_skew_secs);

	if (day <= latest + set->lifetime_days || day < modulus ||
	    day - modulus < key->created_day)
		return day;
	return day - modulus;
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
   prvs covers the address as the signer saw it, and MTAs change case on
   the way back: try the address as received, then with the domain
   lower-cased (domains carry no case), then with the local part
   lower-cased too (Exim lower-cases local parts before its ACLs run,
   and our own prvs signer signs lower case). */
static bool
tag_mac_valid(const struct backscatter_key *key,
	      const struct backscatter_tag *tag)
{
	const struct smtp_address *untagged = &tag->untagged;
	const char *candidates[3];
	unsigned int i, j, count = 0;

	if (tag->scheme == BACKSCATTER_SCHEME_BS1) {
		return mac_matches(key, tag,
				   backscatter_canonical_address(untagged));
	}
	candidates[count++] = t_strconcat(untagged->localpart, "@",
					  untagged->domain, NULL);
	candidates[count++] = t_strconcat(untagged->localpart, "@",
					  t_str_lcase(untagged->domain), NULL);
	candidates[count++] = backscatter_canonical_address(untagged);
	for (i = 0; i < count; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(candidates[i], candidates[j]) == 0)
				break;
		}
		if (j == i && mac_matches(key, tag, candidates[i]))
			return TRUE;
	}
	return FALSE;
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

	unsigned int today = backscatter_day_of(now);
	unsigned int keep_days = BACKSCATTER_TAG_MAX_DAYS + set->grace_days;
	unsigned int i, count;
	const struct backscatter_key *keys;

	/* Only a key that serves the address's domain counts: another
	   tenant's key forges nothing here, even with a MAC that fits */
	key = backscatter_keyring_verifying_key(keyring, tag->scheme,
		tag->key_id, tag->untagged.domain, today, keep_days);
	if (key == NULL) {
		verdict(result, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_UNKNOWN_KEY);
		/* For the reason only: is the id another tenant's rather
		   than one this domain's keys never had, or had long ago? */
		keys = backscatter_keyring_keys(keyring, &count);
		for (i = 0; i < count; i++) {
			if (keys[i].scheme != tag->scheme ||
			    keys[i].id != tag->key_id)
				continue;
			if (backscatter_key_serves_domain(&keys[i],
						tag->untagged.domain)) {
				result->cause = BACKSCATTER_CAUSE_UNKNOWN_KEY;
				break;
			}
			result->cause = BACKSCATTER_CAUSE_WRONG_DOMAIN;
		}
		return;
	}
	if (!tag_mac_valid(key, tag)) {
		verdict(result, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_BAD_MAC);
		return;
	}

	expiry_window(set, now, &lo, &hi);
	day = full_expiry_day(tag, lo, hi);
	if (tag->scheme == BACKSCATTER_SCHEME_PRVS)
		day = prvs_disambiguate(key, set, now, day);
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
	case BACKSCATTER_CAUSE_NO_DOMAIN_KEYS:
		return t_strdup_printf("%sno key serves %s",
			result->tagged ? "" : "no tag, and ",
			str_sanitize(result->domain, 255));
	case BACKSCATTER_CAUSE_WRONG_DOMAIN:
		return t_strdup_printf("%s tag with key %u, which serves "
			"other domains than %s", scheme, tag->key_id,
			str_sanitize(tag->untagged.domain, 255));
	case BACKSCATTER_CAUSE_NOT_BOUND:
		/* not smtp_address_encode(): it panics on a UTF-8 local
		   part, and this is someone else's ORCPT */
		return t_strdup_printf("%s tag of the original recipient "
			"%s@%s, which nothing ties to this mailbox", scheme,
			str_sanitize(result->address->localpart, 64),
			str_sanitize(result->address->domain == NULL ? "" :
				     result->address->domain, 255));
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
	const char *error, *domain = address == NULL ? NULL :
		address->domain;
	int ret;

	i_zero(result_r);
	ret = backscatter_tag_parse(address, set->delimiters, pool,
				    &result_r->tag, &error);
	result_r->tagged = ret != 0;
	if (ret < 0)
		result_r->malformed = p_strdup(pool, error);
	/* Without keys nothing is known, not even that a tag that does not
	   parse is not ours: a missing or emptied key file must not turn
	   bounces into forged ones */
	if (keyring == NULL || backscatter_keyring_count(keyring) == 0) {
		verdict(result_r, BACKSCATTER_VERDICT_UNKNOWN,
			BACKSCATTER_CAUSE_NO_KEYS);
	} else if (!backscatter_keyring_serves_domain(keyring, domain)) {
		/* The same for a domain no key serves (a tenant without
		   a key yet): its mail leaves unsigned, so its bounces
		   must not turn bogus */
		verdict(result_r, BACKSCATTER_VERDICT_UNKNOWN,
			BACKSCATTER_CAUSE_NO_DOMAIN_KEYS);
		result_r->domain = domain == NULL ? "" :
			p_strdup(pool, t_str_lcase(domain));
	} else if (ret < 0) {
		verdict(result_r, BACKSCATTER_VERDICT_FORGED,
			BACKSCATTER_CAUSE_MALFORMED);
	} else if (ret == 0) {
		verdict(result_r, BACKSCATTER_VERDICT_UNSIGNED,
			BACKSCATTER_CAUSE_NO_TAG);
	} else {
		verify_tag(keyring, set, now, result_r);
	}
}

/*
 * Which tag counts for a delivery
 */

const char *
backscatter_address_mailbox(const struct smtp_address *address,
			    const char *delimiters)
{
	const char *localpart = address->localpart == NULL ? "" :
		address->localpart;
	size_t len = strcspn(localpart, delimiters);

	return t_strconcat(t_str_lcase(t_strndup(localpart, len)), "@",
			   address->domain == NULL ? "" :
			   t_str_lcase(address->domain), NULL);
}

/* valid > expired > forged: what a genuine tag may have become */
static unsigned int verdict_rank(enum backscatter_verdict verdict)
{
	switch (verdict) {
	case BACKSCATTER_VERDICT_VALID:
		return 3;
	case BACKSCATTER_VERDICT_EXPIRED:
		return 2;
	case BACKSCATTER_VERDICT_FORGED:
		return 1;
	default:
		return 0;
	}
}

static bool
same_tag(const struct backscatter_verification *a,
	 const struct backscatter_verification *b)
{
	return a->tag.value != NULL && b->tag.value != NULL &&
		a->tag.scheme == b->tag.scheme &&
		strcmp(a->tag.value, b->tag.value) == 0;
}

/* The mailbox an address names, with its tag (when it has a well-formed
   one) and any detail taken away */
static const char *
verification_mailbox(const struct backscatter_verification *result,
		     const struct smtp_address *address,
		     const char *delimiters)
{
	if (result->tagged && result->tag.untagged.domain != NULL)
		address = &result->tag.untagged;
	return backscatter_address_mailbox(address, delimiters);
}

/* Does the ORCPT belong to the mailbox delivered to? 1 when it names the
   same mailbox or the owner lookup says so, 0 when the lookup names
   another user, -1 when nothing tells */
static int
orcpt_owned(const struct backscatter_recipient *rcpt,
	    const struct backscatter_verification *delivered_result,
	    const struct backscatter_verification *orcpt_result,
	    const char *delimiters)
{
	const struct smtp_address *untagged = &orcpt_result->tag.untagged;

	if (strcmp(verification_mailbox(orcpt_result, rcpt->orcpt,
					delimiters),
		   verification_mailbox(delivered_result, rcpt->delivered,
					delimiters)) == 0)
		return 1;
	if (rcpt->owner_lookup == NULL || untagged->domain == NULL)
		return -1;
	return rcpt->owner_lookup(untagged, rcpt->owner_context);
}

static void
verdict_not_bound(struct backscatter_verification *result,
		  const struct backscatter_verification *orcpt_result)
{
	*result = *orcpt_result;
	verdict(result, BACKSCATTER_VERDICT_UNKNOWN,
		BACKSCATTER_CAUSE_NOT_BOUND);
	result->expiry_day = 0;
}

void backscatter_verify_recipient(const struct backscatter_keyring *keyring,
				  const struct backscatter_tag_settings *set,
				  const struct backscatter_recipient *rcpt,
				  time_t now, pool_t pool,
				  struct backscatter_verification *result_r)
{
	struct backscatter_verification orcpt_result;

	backscatter_verify(keyring, set, rcpt->delivered, now, pool, result_r);
	result_r->address = smtp_address_clone(pool, rcpt->delivered);
	if (rcpt->orcpt == NULL ||
	    result_r->cause == BACKSCATTER_CAUSE_NO_KEYS)
		return;
	backscatter_verify(keyring, set, rcpt->orcpt, now, pool,
			   &orcpt_result);
	orcpt_result.address = smtp_address_clone(pool, rcpt->orcpt);
	if (!orcpt_result.tagged)
		return;

	if (result_r->tagged) {
		/* The same tag on another local part: an MTA propagated the
		   extension through an alias (info+T became alice+T). A
		   valid tag of the delivered address needs no help; another
		   user's tag moved onto this one proves nothing. */
		struct backscatter_verification delivered_result = *result_r;

		if (!same_tag(result_r, &orcpt_result) ||
		    result_r->verdict == BACKSCATTER_VERDICT_VALID)
			return;
		if (orcpt_owned(rcpt, &delivered_result, &orcpt_result,
				set->delimiters) == 0)
			verdict_not_bound(result_r, &orcpt_result);
		else if (verdict_rank(orcpt_result.verdict) >
			 verdict_rank(result_r->verdict))
			*result_r = orcpt_result;
		return;
	}
	/* An untagged delivery: the ORCPT's tag counts only for an address
	   of this mailbox, as ORCPT is written by whoever sent the bounce */
	if (orcpt_owned(rcpt, result_r, &orcpt_result, set->delimiters) == 1)
		*result_r = orcpt_result;
	else
		verdict_not_bound(result_r, &orcpt_result);
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
		backscatter_keyring_signing_key(keyring, scheme,
						address->domain, today);
	if (key == NULL) {
		*reason_r = t_strdup_printf("no active %s key serves %s",
			backscatter_scheme_to_str(scheme),
			str_sanitize(address->domain, 255));
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
