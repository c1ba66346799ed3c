/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "base64.h"
#include "hmac.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"

#include <ctype.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

/* What is secret -- the key material and the prvs HMAC states prepared
   from it -- lives in libsodium's guarded memory: locked where the
   limits allow, excluded from core dumps, wiped when freed. The rest
   (the key list, its dates and domains, which only points into it) is
   ordinary memory. */
struct keyring_secrets {
	/* All key material, in one place: after the HMAC states */
	unsigned char *material;
	size_t material_size, material_used;
	unsigned int prvs_hmac_count, prvs_hmac_used;
	/* One per prvs line of the file: ids repeat across domains */
	struct hmac_context prvs_hmac[];
};

struct backscatter_keyring {
	pool_t pool;
	ARRAY(struct backscatter_key) keys;
	struct keyring_secrets *secrets;
};

/* The optional field before the key that limits it to domains */
#define BACKSCATTER_KEY_DOMAINS_FIELD "domains="

struct key_line_parser {
	const char *name;
	unsigned int line;
	char *p;
};

void backscatter_keyring_free(struct backscatter_keyring **_keyring)
{
	struct backscatter_keyring *keyring = *_keyring;

	if (keyring == NULL)
		return;
	*_keyring = NULL;
	/* sodium_free() wipes before it frees */
	sodium_free(keyring->secrets);
	pool_unref(&keyring->pool);
	i_free(keyring);
}

unsigned int
backscatter_keyring_count(const struct backscatter_keyring *keyring)
{
	return array_count(&keyring->keys);
}

/* Returns the next whitespace-separated field of the line, or NULL */
static const char *next_field(struct key_line_parser *parser)
{
	char *start;

	while (*parser->p == ' ' || *parser->p == '\t')
		parser->p++;
	if (*parser->p == '\0')
		return NULL;
	start = parser->p;
	while (*parser->p != '\0' && *parser->p != ' ' && *parser->p != '\t')
		parser->p++;
	if (*parser->p != '\0')
		*parser->p++ = '\0';
	return start;
}

/* The rest of the line, without surrounding whitespace: a prvs secret
   may contain spaces */
static char *rest_of_line(struct key_line_parser *parser)
{
	char *start = parser->p, *end;

	while (*start == ' ' || *start == '\t')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return start;
}

static int line_error(struct key_line_parser *parser, const char **error_r,
		      const char *fmt, ...) ATTR_FORMAT(3, 4);
static int line_error(struct key_line_parser *parser, const char **error_r,
		      const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	*error_r = t_strdup_printf("%s line %u: %s", parser->name,
				   parser->line, t_strdup_vprintf(fmt, args));
	va_end(args);
	return -1;
}

static unsigned char *
keyring_store_secret(struct backscatter_keyring *keyring, size_t size)
{
	struct keyring_secrets *secrets = keyring->secrets;
	unsigned char *secret;

	i_assert(secrets->material_used + size <= secrets->material_size);
	secret = secrets->material + secrets->material_used;
	secrets->material_used += size;
	return secret;
}

static int
parse_material(struct backscatter_keyring *keyring,
	       struct key_line_parser *parser, struct backscatter_key *key,
	       char *material, const char **error_r)
{
	size_t len = strlen(material);
	unsigned char decoded[BACKSCATTER_BS1_KEY_SIZE + 3];
	struct hmac_context *hmac;
	buffer_t buf;
	int ret = 0;

	if (len == 0)
		return line_error(parser, error_r, "key is missing");

	switch (key->scheme) {
	case BACKSCATTER_SCHEME_BS1:
		/* base64 of exactly 32 bytes is 44 characters */
		buffer_create_from_data(&buf, decoded, sizeof(decoded));
		if (len != 44 ||
		    base64_scheme_decode(&base64_scheme, 0, material, len,
					 &buf) < 0 ||
		    buf.used != BACKSCATTER_BS1_KEY_SIZE) {
			ret = line_error(parser, error_r,
				"bs1 key is not the base64 of %u bytes",
				BACKSCATTER_BS1_KEY_SIZE);
			break;
		}
		key->material_size = BACKSCATTER_BS1_KEY_SIZE;
		key->material = keyring_store_secret(keyring,
						     key->material_size);
		memcpy((void *)key->material, decoded, key->material_size);
		break;
	case BACKSCATTER_SCHEME_PRVS:
		/* Exim refuses longer HMAC keys */
		if (len > BACKSCATTER_PRVS_SECRET_MAX_SIZE) {
			ret = line_error(parser, error_r,
				"prvs secret is longer than %u bytes",
				BACKSCATTER_PRVS_SECRET_MAX_SIZE);
			break;
		}
		key->material_size = len;
		key->material = keyring_store_secret(keyring, len);
		memcpy((void *)key->material, material, len);
		i_assert(keyring->secrets->prvs_hmac_used <
			 keyring->secrets->prvs_hmac_count);
		hmac = &keyring->secrets->prvs_hmac[
			keyring->secrets->prvs_hmac_used++];
		backscatter_prvs_mac_prepare(key->material, len, hmac);
		key->prvs_hmac = hmac;
		break;
	case BACKSCATTER_SCHEME_COUNT:
		i_unreached();
	}
	sodium_memzero(decoded, sizeof(decoded));
	return ret;
}

static int
parse_day_field(struct key_line_parser *parser, const char *field,
		const char *what, bool dash_allowed, unsigned int *day_r,
		const char **error_r)
{
	if (field == NULL)
		return line_error(parser, error_r, "%s date is missing", what);
	if (dash_allowed && strcmp(field, "-") == 0) {
		*day_r = 0;
		return 0;
	}
	if (!backscatter_day_parse(field, day_r)) {
		return line_error(parser, error_r,
			"%s date is not YYYY-MM-DD", what);
	}
	return 0;
}

bool backscatter_key_domain_is_valid(const char *domain,
				     const char **error_r)
{
	const unsigned char *p;
	size_t len = strlen(domain), label_len = 0;

	if (len == 0) {
		*error_r = "empty domain";
		return FALSE;
	}
	if (len > BACKSCATTER_KEY_DOMAIN_MAX_LENGTH) {
		*error_r = t_strdup_printf("domain longer than %u octets",
					   BACKSCATTER_KEY_DOMAIN_MAX_LENGTH);
		return FALSE;
	}
	if (strchr(domain, '@') != NULL) {
		*error_r = "give the domain without an @";
		return FALSE;
	}
	for (p = (const unsigned char *)domain; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label_len == 0) {
				*error_r = "empty label (two dots, or a dot "
					"at the start or end)";
				return FALSE;
			}
			if (label_len > 63) {
				*error_r = "label longer than 63 octets";
				return FALSE;
			}
			if (*p == '\0')
				break;
			label_len = 0;
		} else if (i_isalnum(*p) || *p == '-' || *p >= 0x80) {
			label_len++;
		} else {
			*error_r = t_strdup_printf(
				"'%c' is no character of a domain name", *p);
			return FALSE;
		}
	}
	return TRUE;
}

/* Parses "domains=a.example,b.example" into a lower-cased,
   NULL-terminated list from the keyring's pool */
static int
parse_domains_field(struct backscatter_keyring *keyring,
		    struct key_line_parser *parser, const char *value,
		    const char *const **domains_r, const char **error_r)
{
	ARRAY_TYPE(const_string) domains;
	const char *const *names, *domain, *const *other, *error;

	if (*value == '\0') {
		return line_error(parser, error_r,
				  "domains=: no domain given");
	}
	names = t_strsplit(value, ",");
	p_array_init(&domains, keyring->pool, str_array_length(names) + 1);
	for (; *names != NULL; names++) {
		domain = p_strdup(keyring->pool, t_str_lcase(*names));
		if (!backscatter_key_domain_is_valid(domain, &error)) {
			return line_error(parser, error_r,
				"domains=: '%s': %s", domain, error);
		}
		array_foreach(&domains, other) {
			if (strcmp(*other, domain) == 0) {
				return line_error(parser, error_r,
					"domains=: %s is listed twice",
					domain);
			}
		}
		array_push_back(&domains, &domain);
	}
	array_append_zero(&domains);
	*domains_r = array_front(&domains);
	return 0;
}

/* Do the two keys serve a domain in common? A key without domains serves
   them all. */
static bool
keys_share_domain(const struct backscatter_key *a,
		  const struct backscatter_key *b)
{
	const char *const *da, *const *db;

	if (a->domains == NULL || b->domains == NULL)
		return TRUE;
	for (da = a->domains; *da != NULL; da++) {
		for (db = b->domains; *db != NULL; db++) {
			if (strcmp(*da, *db) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

/* A tag's key id must name one key for the domain of its address: an id
   repeats only among keys with no domain in common */
static int
check_key_id_unique(struct backscatter_keyring *keyring,
		    struct key_line_parser *parser,
		    const struct backscatter_key *key, const char **error_r)
{
	const struct backscatter_scheme_def *def =
		&backscatter_schemes[key->scheme];
	const struct backscatter_key *other;

	array_foreach(&keyring->keys, other) {
		if (other->scheme != key->scheme || other->id != key->id ||
		    !keys_share_domain(key, other))
			continue;
		if (key->domains == NULL && other->domains == NULL) {
			return line_error(parser, error_r,
				"%s key %u is already defined on line %u",
				def->name, key->id, other->line);
		}
		return line_error(parser, error_r,
			"%s key %u is already defined on line %u for a "
			"domain this key serves too (an id repeats only "
			"among keys limited to domains=, with no domain "
			"in common)", def->name, key->id, other->line);
	}
	return 0;
}

static int
parse_key_line(struct backscatter_keyring *keyring,
	       struct key_line_parser *parser, const char **error_r)
{
	const struct backscatter_scheme_def *def;
	struct backscatter_key key;
	const char *field;
	char *p;
	unsigned int id;

	i_zero(&key);
	key.line = parser->line;

	field = next_field(parser);
	if (field == NULL || *field == '#')
		return 0;
	if (!backscatter_scheme_from_str(field, &key.scheme)) {
		return line_error(parser, error_r,
			"unknown scheme (expected bs1 or prvs)");
	}
	def = &backscatter_schemes[key.scheme];

	field = next_field(parser);
	if (field == NULL || str_to_uint(field, &id) < 0 ||
	    id >= def->key_id_count) {
		return line_error(parser, error_r,
			"%s key id must be a number from 0 to %u",
			def->name, def->key_id_count - 1);
	}
	key.id = id;

	if (parse_day_field(parser, next_field(parser), "created", FALSE,
			    &key.created_day, error_r) < 0 ||
	    parse_day_field(parser, next_field(parser), "retired", TRUE,
			    &key.retired_day, error_r) < 0)
		return -1;
	if (key.retired_day != 0 && key.retired_day < key.created_day) {
		return line_error(parser, error_r,
			"retired date is before the created date");
	}

	/* An optional domains= before the key: a key has no spaces in
	   base64, but a prvs secret may, so the key is the rest of the
	   line and the field must come first */
	p = parser->p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, BACKSCATTER_KEY_DOMAINS_FIELD,
		    strlen(BACKSCATTER_KEY_DOMAINS_FIELD)) == 0) {
		field = next_field(parser);
		if (parse_domains_field(keyring, parser,
				field + strlen(BACKSCATTER_KEY_DOMAINS_FIELD),
				&key.domains, error_r) < 0)
			return -1;
	}
	if (check_key_id_unique(keyring, parser, &key, error_r) < 0)
		return -1;
	if (parse_material(keyring, parser, &key, rest_of_line(parser),
			   error_r) < 0)
		return -1;
	array_push_back(&keyring->keys, &key);
	return 0;
}

/* How many lines of text (NUL-terminated) may define a prvs key: those
   whose first field names the scheme. Each gets an HMAC state of its
   own in guarded memory. */
static unsigned int count_prvs_lines(const char *text)
{
	const char *name = backscatter_schemes[BACKSCATTER_SCHEME_PRVS].name;
	unsigned int count = 0;
	const char *p = text;
	size_t len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		/* as backscatter_scheme_from_str() reads the field */
		len = strcspn(p, " \t\r\n");
		if (len == strlen(name) && strncasecmp(p, name, len) == 0)
			count++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return count;
}

int backscatter_keyring_parse(const char *name, const void *data,
			      size_t size,
			      struct backscatter_keyring **keyring_r,
			      const char **error_r)
{
	struct backscatter_keyring *keyring;
	struct keyring_secrets *secrets;
	struct key_line_parser parser;
	char *text, *line, *next;
	size_t alloc_size, hmac_size;
	unsigned int prvs_count;
	int ret = 0;

	if (size > BACKSCATTER_KEY_FILE_MAX_SIZE) {
		*error_r = t_strdup_printf("%s: larger than %u bytes", name,
					   BACKSCATTER_KEY_FILE_MAX_SIZE);
		return -1;
	}
	if (memchr(data, '\0', size) != NULL) {
		*error_r = t_strdup_printf("%s: contains NUL bytes", name);
		return -1;
	}

	/* A private, NUL-terminated copy to split in place */
	if (sodium_init() < 0 || (text = sodium_malloc(size + 1)) == NULL) {
		*error_r = t_strdup_printf("%s: no memory for keys", name);
		return -1;
	}
	memcpy(text, data, size);
	text[size] = '\0';

	/* Key material is never longer than the file that holds it */
	/* sodium_malloc() puts the end of the block against its guard
	   page: only a size that is a multiple of the alignment gives an
	   aligned start */
	prvs_count = count_prvs_lines(text);
	hmac_size = prvs_count * sizeof(struct hmac_context);
	alloc_size = (sizeof(*secrets) + hmac_size + size + 1 + 15) &
		~(size_t)15;
	if ((secrets = sodium_malloc(alloc_size)) == NULL) {
		sodium_free(text);
		*error_r = t_strdup_printf("%s: no memory for keys", name);
		return -1;
	}
	memset(secrets, 0, sizeof(*secrets) + hmac_size);
	secrets->prvs_hmac_count = prvs_count;
	secrets->material = (unsigned char *)&secrets->prvs_hmac[prvs_count];
	secrets->material_size = size + 1;
	keyring = i_new(struct backscatter_keyring, 1);
	keyring->secrets = secrets;
	keyring->pool = pool_alloconly_create("backscatter keyring", 1024);
	p_array_init(&keyring->keys, keyring->pool, 8);

	i_zero(&parser);
	parser.name = name;
	for (line = text; line != NULL && ret == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		parser.line++;
		parser.p = line;
		T_BEGIN {
			ret = parse_key_line(keyring, &parser, error_r);
		} T_END_PASS_STR_IF(ret < 0, error_r);
	}
	sodium_free(text);

	if (ret < 0) {
		backscatter_keyring_free(&keyring);
		return -1;
	}
	*keyring_r = keyring;
	return 0;
}

/* Whoever may replace the key file may forge every tag: the file must
   belong to root or to us, and its directory must not let others swap
   it (written by others without the sticky bit, or owned by another
   user). */
static int
keyfile_check_owner(const char *path, const struct stat *st,
		    const char **error_r)
{
	const char *dir, *slash = strrchr(path, '/');
	struct stat dir_st;

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		*error_r = t_strdup_printf(
			"%s: refusing a key file owned by uid %ld (it must "
			"belong to root or to uid %ld)", path,
			(long)st->st_uid, (long)geteuid());
		return -1;
	}
	dir = slash == NULL ? "." : slash == path ? "/" :
		t_strdup_until(path, slash);
	if (stat(dir, &dir_st) < 0) {
		*error_r = t_strdup_printf("stat(%s) failed: %m", dir);
		return -1;
	}
	if (dir_st.st_uid != 0 && dir_st.st_uid != geteuid()) {
		*error_r = t_strdup_printf(
			"%s: refusing a key file in a directory owned by uid "
			"%ld (%s)", path, (long)dir_st.st_uid, dir);
		return -1;
	}
	if ((dir_st.st_mode & S_IWOTH) != 0 &&
	    (dir_st.st_mode & S_ISVTX) == 0) {
		*error_r = t_strdup_printf(
			"%s: refusing a key file in a directory others may "
			"write (%s, mode %04o)", path, dir,
			(unsigned int)(dir_st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int backscatter_keyring_read(const char *path,
			     struct backscatter_keyring **keyring_r,
			     const char **error_r)
{
	struct stat st;
	unsigned char *data;
	ssize_t ret;
	size_t size;
	int fd, result;

	fd = open(path, O_RDONLY | O_NOCTTY);
	if (fd == -1) {
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = t_strdup_printf("%s: not a regular file", path);
		i_close_fd(&fd);
		return -1;
	}
	if (keyfile_check_owner(path, &st, error_r) < 0) {
		i_close_fd(&fd);
		return -1;
	}
	if ((st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
		*error_r = t_strdup_printf(
			"%s: refusing a key file that others may read or "
			"write (mode %04o; use 0600, or 0640 with a group "
			"only the delivery services have)", path,
			(unsigned int)(st.st_mode & 07777));
		i_close_fd(&fd);
		return -1;
	}
	if (st.st_size > BACKSCATTER_KEY_FILE_MAX_SIZE) {
		*error_r = t_strdup_printf("%s: larger than %u bytes", path,
					   BACKSCATTER_KEY_FILE_MAX_SIZE);
		i_close_fd(&fd);
		return -1;
	}

	size = (size_t)st.st_size;
	/* sodium_malloc() needs it */
	if (sodium_init() < 0) {
		*error_r = "sodium_init() failed";
		i_close_fd(&fd);
		return -1;
	}
	data = sodium_malloc(size + 1);
	ret = data == NULL ? -1 : size == 0 ? 0 : read(fd, data, size);
	if (data == NULL) {
		*error_r = t_strdup_printf("%s: no memory for keys", path);
		result = -1;
	} else if (ret < 0 || (size_t)ret != size) {
		*error_r = ret < 0 ?
			t_strdup_printf("read(%s) failed: %m", path) :
			t_strdup_printf("read(%s) failed: file changed "
					"while it was read", path);
		result = -1;
	} else {
		result = backscatter_keyring_parse(path, data, size,
						   keyring_r, error_r);
	}
	sodium_free(data);
	i_close_fd(&fd);
	return result;
}

static bool key_is_active(const struct backscatter_key *key,
			  unsigned int today)
{
	return key->created_day <= today &&
		(key->retired_day == 0 || today < key->retired_day);
}

const struct backscatter_key *
backscatter_keyring_keys(const struct backscatter_keyring *keyring,
			 unsigned int *count_r)
{
	return array_get(&keyring->keys, count_r);
}

bool backscatter_key_serves_domain(const struct backscatter_key *key,
				   const char *domain)
{
	const char *const *d;

	if (key->domains == NULL)
		return TRUE;
	if (domain == NULL)
		return FALSE;
	for (d = key->domains; *d != NULL; d++) {
		/* ours are lower-cased; ASCII case carries no meaning in a
		   domain, and the MAC covers it lower-cased */
		if (strcasecmp(*d, domain) == 0)
			return TRUE;
	}
	return FALSE;
}

bool backscatter_keyring_serves_domain(const struct backscatter_keyring *keyring,
				       const char *domain)
{
	const struct backscatter_key *key;

	array_foreach(&keyring->keys, key) {
		if (backscatter_key_serves_domain(key, domain))
			return TRUE;
	}
	return FALSE;
}

/* Is key newer than best? On a tie, the one written last. */
static bool
key_is_newer(const struct backscatter_key *key,
	     const struct backscatter_key *best)
{
	return best == NULL || key->created_day >= best->created_day;
}

const struct backscatter_key *
backscatter_keyring_signing_key(const struct backscatter_keyring *keyring,
				enum backscatter_scheme scheme,
				const char *domain, unsigned int today)
{
	const struct backscatter_key *key, *named = NULL, *any = NULL;

	array_foreach(&keyring->keys, key) {
		if (key->scheme != scheme || !key_is_active(key, today) ||
		    !backscatter_key_serves_domain(key, domain))
			continue;
		/* A tenant's own key goes before a key of every domain,
		   whichever is newer: a shared key rotated later must not
		   take the tenant's mail back */
		if (key->domains != NULL) {
			if (key_is_newer(key, named))
				named = key;
		} else if (key_is_newer(key, any)) {
			any = key;
		}
	}
	return named != NULL ? named : any;
}

const struct backscatter_key *
backscatter_keyring_verifying_key(const struct backscatter_keyring *keyring,
				  enum backscatter_scheme scheme,
				  unsigned int id, const char *domain,
				  unsigned int today, unsigned int keep_days)
{
	const struct backscatter_key *key;

	/* The parser made sure that at most one key of an id serves a
	   domain */
	array_foreach(&keyring->keys, key) {
		if (key->scheme != scheme || key->id != id ||
		    !backscatter_key_serves_domain(key, domain))
			continue;
		if (key->retired_day != 0 &&
		    today > key->retired_day + keep_days)
			return NULL;
		return key;
	}
	return NULL;
}
