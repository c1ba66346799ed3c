#ifndef BACKSCATTER_TAG_H
#define BACKSCATTER_TAG_H

/* Return-path tags: their syntax.

   Two schemes (docs/bs1-tag-format.md has the full specification):
   - bs1, the default: bs1=<kid:1><day:3><mac:13>, base32 (RFC 4648
     alphabet, lower case), MAC = the first 8 bytes of keyed BLAKE2b-128
     over "bs1=" kid day "=" canonical-address;
   - prvs, BATV's and Exim's: prvs=<K:1 digit><DDD:3 digits><6 hex>, MAC =
     the first 3 bytes of HMAC-SHA1 over K DDD address.

   Each can stand in two places of the address, its two forms:
   - subaddress: <local><delim><tag>@<domain>, the tag after the last
     delimiter (Postfix and Dovecot route it as they are);
   - prefix: <tag>=<local>@<domain>, BATV's meta-syntax.

   Nothing here decides anything about keys or time: see
   backscatter-verify.h for verdicts and backscatter-keys.h for keys. The
   MACs are computed in backscatter-mac.c. */

#include "smtp-address.h"

#define BACKSCATTER_LOCALPART_MAX_LENGTH 64
/* Key ids: one base32 digit for bs1, one decimal digit for prvs */
#define BACKSCATTER_BS1_KEY_ID_COUNT 32
#define BACKSCATTER_PRVS_KEY_ID_COUNT 10

enum backscatter_scheme {
	BACKSCATTER_SCHEME_BS1 = 0,
	BACKSCATTER_SCHEME_PRVS,

	BACKSCATTER_SCHEME_COUNT
};

enum backscatter_tag_form {
	BACKSCATTER_TAG_FORM_SUBADDRESS = 0,
	BACKSCATTER_TAG_FORM_PREFIX,
};

/* What distinguishes the schemes, as data */
struct backscatter_scheme_def {
	/* "bs1", "prvs": the BATV tag-type, matched case-insensitively */
	const char *name;
	/* Key ids are 0 .. key_id_count-1 */
	unsigned int key_id_count;
	/* The tag carries the expiry day modulo this */
	unsigned int day_modulus;
	/* Characters of the tag value: key id, day, MAC */
	unsigned int key_id_chars, day_chars, mac_chars;
};

extern const struct backscatter_scheme_def
	backscatter_schemes[BACKSCATTER_SCHEME_COUNT];

/* A tag found in an address. The strings point into the pool given to
   backscatter_tag_parse(). */
struct backscatter_tag {
	enum backscatter_scheme scheme;
	enum backscatter_tag_form form;
	unsigned int key_id;
	/* The expiry day modulo the scheme's day_modulus */
	unsigned int day;
	/* The tag value as written, lower-cased (kid, day and MAC) */
	const char *value;
	/* The MAC part of value */
	const char *mac;
	/* The address without the tag, as received */
	struct smtp_address untagged;
};

const char *backscatter_scheme_to_str(enum backscatter_scheme scheme);
bool backscatter_scheme_from_str(const char *name,
				 enum backscatter_scheme *scheme_r);
const char *backscatter_tag_form_to_str(enum backscatter_tag_form form);
bool backscatter_tag_form_from_str(const char *name,
				   enum backscatter_tag_form *form_r);

/* Looks for a tag of ours in the address. delimiters lists the characters
   that may separate a subaddress tag (backscatter_tag_delimiter).

   Returns 1 and the tag, 0 when the address carries no tag, or -1 when it
   carries something that claims to be a bs1 or prvs tag but is not a
   well-formed one (wrong length or alphabet, two tags, an empty local
   part, a local part longer than a signed one can be, no domain). */
int backscatter_tag_parse(const struct smtp_address *address,
			  const char *delimiters, pool_t pool,
			  struct backscatter_tag *tag_r,
			  const char **error_r);

/* The start of a tag value, the part the MAC covers besides the address:
   key id and expiry day (the full day number; reduced here) in the
   scheme's syntax, e.g. "a0mq" for bs1, "1261" for prvs. Data stack. */
const char *backscatter_tag_kid_day(enum backscatter_scheme scheme,
				    unsigned int key_id, unsigned int day);

/* Builds the tagged address in the given form from the tag value (kid,
   day and MAC). Data stack. Returns FALSE
   when the tagged local part would exceed 64 octets (RFC 5321), so that
   the address must stay unsigned. */
bool backscatter_tag_build(const struct smtp_address *address,
			   enum backscatter_scheme scheme,
			   enum backscatter_tag_form form, char delimiter,
			   const char *value,
			   const struct smtp_address **tagged_r);

#endif
