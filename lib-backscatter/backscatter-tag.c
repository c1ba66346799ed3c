/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "smtp-address.h"
#include "bounce-str.h"
#include "backscatter-tag.h"

#include <ctype.h>

/* RFC 4648 base32, lower case: key ids and days are written as base32
   digits, the MAC as base32 of its bytes */
static const char base32_digits[] = "abcdefghijklmnopqrstuvwxyz234567";

const struct backscatter_scheme_def
backscatter_schemes[BACKSCATTER_SCHEME_COUNT] = {
	[BACKSCATTER_SCHEME_BS1] = {
		.name = "bs1",
		.key_id_count = BACKSCATTER_BS1_KEY_ID_COUNT,
		.day_modulus = 32768,
		.key_id_chars = 1, .day_chars = 3, .mac_chars = 13,
	},
	[BACKSCATTER_SCHEME_PRVS] = {
		.name = "prvs",
		.key_id_count = BACKSCATTER_PRVS_KEY_ID_COUNT,
		.day_modulus = 1000,
		.key_id_chars = 1, .day_chars = 3, .mac_chars = 6,
	},
};

static const char *const backscatter_tag_form_names[] = {
	[BACKSCATTER_TAG_FORM_SUBADDRESS] = "subaddress",
	[BACKSCATTER_TAG_FORM_PREFIX] = "prefix",
};

const char *backscatter_scheme_to_str(enum backscatter_scheme scheme)
{
	i_assert(scheme < BACKSCATTER_SCHEME_COUNT);
	return backscatter_schemes[scheme].name;
}

bool backscatter_scheme_from_str(const char *name,
				 enum backscatter_scheme *scheme_r)
{
	unsigned int i;

	for (i = 0; i < BACKSCATTER_SCHEME_COUNT; i++) {
		if (strcasecmp(name, backscatter_schemes[i].name) == 0) {
			*scheme_r = (enum backscatter_scheme)i;
			return TRUE;
		}
	}
	return FALSE;
}

BOUNCE_STR_TABLE_DEFINE(backscatter_tag_form, enum backscatter_tag_form,
			backscatter_tag_form_names,
			N_ELEMENTS(backscatter_tag_form_names))

/*
 * Tag values
 */

static int base32_digit_value(char c)
{
	/* RFC 4648: A-Z are 0-25, 2-7 are 26-31, in either case */
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Reads n digits of the scheme's number syntax (base32 for bs1, decimal
   for prvs). Returns FALSE on a character outside the alphabet. */
static bool
parse_number(enum backscatter_scheme scheme, const char *p, unsigned int n,
	     unsigned int *value_r)
{
	unsigned int i, value = 0;
	int digit;

	for (i = 0; i < n; i++) {
		if (scheme == BACKSCATTER_SCHEME_BS1) {
			if ((digit = base32_digit_value(p[i])) < 0)
				return FALSE;
			value = value * 32 + (unsigned int)digit;
		} else {
			if (!i_isdigit(p[i]))
				return FALSE;
			value = value * 10 + (unsigned int)(p[i] - '0');
		}
	}
	*value_r = value;
	return TRUE;
}

static bool mac_chars_valid(enum backscatter_scheme scheme, const char *p,
			    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (scheme == BACKSCATTER_SCHEME_BS1 ?
		    base32_digit_value(p[i]) < 0 : !i_isxdigit(p[i]))
			return FALSE;
	}
	return TRUE;
}

/* Parses a tag value (what follows "bs1=" or "prvs="), whose length is
   already known to be right */
static int
parse_tag_value(enum backscatter_scheme scheme, const char *value,
		pool_t pool, struct backscatter_tag *tag_r,
		const char **error_r)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];
	const char *p = value;

	if (!parse_number(scheme, p, def->key_id_chars, &tag_r->key_id)) {
		*error_r = "invalid key id";
		return -1;
	}
	p += def->key_id_chars;
	if (!parse_number(scheme, p, def->day_chars, &tag_r->day)) {
		*error_r = "invalid day";
		return -1;
	}
	p += def->day_chars;
	if (!mac_chars_valid(scheme, p, def->mac_chars)) {
		*error_r = "invalid MAC characters";
		return -1;
	}
	tag_r->scheme = scheme;
	tag_r->value = p_strdup(pool, t_str_lcase(value));
	tag_r->mac = tag_r->value + def->key_id_chars + def->day_chars;
	return 1;
}

const char *backscatter_tag_kid_day(enum backscatter_scheme scheme,
				    unsigned int key_id, unsigned int day)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];

	char value[5];

	i_assert(key_id < def->key_id_count);
	day %= def->day_modulus;
	if (scheme == BACKSCATTER_SCHEME_PRVS) {
		value[0] = (char)('0' + key_id);
		value[1] = (char)('0' + day / 100);
		value[2] = (char)('0' + day / 10 % 10);
		value[3] = (char)('0' + day % 10);
	} else {
		value[0] = base32_digits[key_id];
		value[1] = base32_digits[(day >> 10) & 31];
		value[2] = base32_digits[(day >> 5) & 31];
		value[3] = base32_digits[day & 31];
	}
	value[4] = '\0';
	return t_strdup(value);
}

/*
 * Finding tags in addresses
 */

/* The tag-type that starts s ("bs1=", "prvs="), if any */
static bool
tag_type_at(const char *s, enum backscatter_scheme *scheme_r,
	    size_t *len_r)
{
	unsigned int i;

	for (i = 0; i < BACKSCATTER_SCHEME_COUNT; i++) {
		const char *name = backscatter_schemes[i].name;
		size_t len = strlen(name);

		if (strncasecmp(s, name, len) == 0 && s[len] == '=') {
			*scheme_r = (enum backscatter_scheme)i;
			*len_r = len + 1;
			return TRUE;
		}
	}
	return FALSE;
}

/* The last "<delim><tag-type>=" in the local part, if any */
static const char *
find_subaddress_tag(const char *localpart, const char *delimiters,
		    enum backscatter_scheme *scheme_r, size_t *type_len_r)
{
	const char *p, *found = NULL;
	enum backscatter_scheme scheme;
	size_t len;

	for (p = localpart; *p != '\0'; p++) {
		if (strchr(delimiters, *p) != NULL &&
		    tag_type_at(p + 1, &scheme, &len)) {
			found = p;
			*scheme_r = scheme;
			*type_len_r = len;
		}
	}
	return found;
}

static unsigned int tag_value_length(enum backscatter_scheme scheme)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];

	return def->key_id_chars + def->day_chars + def->mac_chars;
}

static int
parse_prefix_form(const struct smtp_address *address,
		  enum backscatter_scheme scheme, size_t type_len,
		  pool_t pool, struct backscatter_tag *tag_r,
		  const char **error_r)
{
	const char *value = address->localpart + type_len;
	const char *end = strchr(value, '=');
	const char *local;
	enum backscatter_scheme other_scheme;
	size_t other_len;

	if (end == NULL) {
		*error_r = "no '=' after the tag value";
		return -1;
	}
	if ((size_t)(end - value) != tag_value_length(scheme)) {
		*error_r = "tag value has the wrong length";
		return -1;
	}
	local = end + 1;
	if (*local == '\0') {
		*error_r = "empty local part after the tag";
		return -1;
	}
	if (tag_type_at(local, &other_scheme, &other_len)) {
		*error_r = "more than one tag";
		return -1;
	}
	tag_r->form = BACKSCATTER_TAG_FORM_PREFIX;
	tag_r->untagged.localpart = p_strdup(pool, local);
	return parse_tag_value(scheme, t_strdup_until(value, end),
			       pool, tag_r, error_r);
}

static int
parse_subaddress_form(const struct smtp_address *address,
		      const char *delimiters, const char *tag_start,
		      enum backscatter_scheme scheme, size_t type_len,
		      pool_t pool, struct backscatter_tag *tag_r,
		      const char **error_r)
{
	const char *value = tag_start + 1 + type_len;
	const char *local;
	enum backscatter_scheme other_scheme;
	size_t other_len;

	if (strlen(value) != tag_value_length(scheme)) {
		*error_r = "tag value has the wrong length";
		return -1;
	}
	if (tag_start == address->localpart) {
		*error_r = "empty local part before the tag";
		return -1;
	}
	local = t_strdup_until(address->localpart, tag_start);
	if (find_subaddress_tag(local, delimiters, &other_scheme,
				&other_len) != NULL) {
		*error_r = "more than one tag";
		return -1;
	}
	tag_r->form = BACKSCATTER_TAG_FORM_SUBADDRESS;
	tag_r->untagged.localpart = p_strdup(pool, local);
	return parse_tag_value(scheme, value, pool, tag_r, error_r);
}

int backscatter_tag_parse(const struct smtp_address *address,
			  const char *delimiters, pool_t pool,
			  struct backscatter_tag *tag_r,
			  const char **error_r)
{
	enum backscatter_scheme prefix_scheme = BACKSCATTER_SCHEME_BS1;
	enum backscatter_scheme sub_scheme = BACKSCATTER_SCHEME_BS1;
	size_t prefix_len = 0, sub_len = 0;
	const char *sub_tag;
	bool prefixed;
	int ret;

	i_zero(tag_r);
	if (address == NULL || address->localpart == NULL)
		return 0;

	prefixed = tag_type_at(address->localpart, &prefix_scheme,
			       &prefix_len);
	sub_tag = find_subaddress_tag(address->localpart, delimiters,
				      &sub_scheme, &sub_len);
	if (!prefixed && sub_tag == NULL)
		return 0;

	if (prefixed && sub_tag != NULL) {
		*error_r = "more than one tag";
		return -1;
	}
	if (strlen(address->localpart) > BACKSCATTER_LOCALPART_MAX_LENGTH) {
		*error_r = "local part longer than a tagged one can be";
		return -1;
	}
	if (address->domain == NULL || *address->domain == '\0') {
		*error_r = "no domain";
		return -1;
	}

	if (prefixed) {
		ret = parse_prefix_form(address, prefix_scheme, prefix_len,
					pool, tag_r, error_r);
	} else {
		ret = parse_subaddress_form(address, delimiters, sub_tag,
					    sub_scheme, sub_len, pool, tag_r,
					    error_r);
	}
	if (ret < 0)
		return -1;
	tag_r->untagged.domain = p_strdup(pool, address->domain);
	return 1;
}

bool backscatter_tag_build(const struct smtp_address *address,
			   enum backscatter_scheme scheme,
			   enum backscatter_tag_form form, char delimiter,
			   const char *value,
			   const struct smtp_address **tagged_r)
{
	const char *name = backscatter_schemes[scheme].name;
	const char delim[2] = { delimiter, '\0' };
	const char *localpart;

	if (form == BACKSCATTER_TAG_FORM_PREFIX) {
		localpart = t_strconcat(name, "=", value, "=",
					address->localpart, NULL);
	} else {
		localpart = t_strconcat(address->localpart, delim, name, "=",
					value, NULL);
	}
	if (strlen(localpart) > BACKSCATTER_LOCALPART_MAX_LENGTH)
		return FALSE;
	*tagged_r = smtp_address_create(pool_datastack_create(), localpart,
					 address->domain);
	return TRUE;
}
