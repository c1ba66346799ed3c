/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "buffer.h"
#include "base64.h"
#include "hmac.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

/* What is secret -- the key material and the prvs HMAC states prepared
   from it -- lives in libsodium's guarded memory: locked where the
   limits allow, excluded from core dumps, wiped when freed. The rest
   (the key list, which only points into it) is ordinary memory. */
struct keyring_secrets {
	/* One per prvs key id */
	struct hmac_context prvs_hmac[BACKSCATTER_PRVS_KEY_ID_COUNT];
	size_t material_size, material_used;
	/* All key material, in one place */
	unsigned char material[];
};

struct backscatter_keyring {
	pool_t pool;
	ARRAY(struct backscatter_key) keys;
	struct keyring_secrets *secrets;
};

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
		i_assert(key->id < N_ELEMENTS(keyring->secrets->prvs_hmac));
		backscatter_prvs_mac_prepare(key->material, len,
			&keyring->secrets->prvs_hmac[key->id]);
		key->prvs_hmac = &keyring->secrets->prvs_hmac[key->id];
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

static int
parse_key_line(struct backscatter_keyring *keyring,
	       struct key_line_parser *parser, const char **error_r)
{
	const struct backscatter_scheme_def *def;
	const struct backscatter_key *other;
	struct backscatter_key key;
	const char *field;
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
	array_foreach(&keyring->keys, other) {
		if (other->scheme == key.scheme && other->id == key.id) {
			return line_error(parser, error_r,
				"%s key %u is already defined on line %u",
				def->name, key.id, other->line);
		}
	}

	if (parse_day_field(parser, next_field(parser), "created", FALSE,
			    &key.created_day, error_r) < 0 ||
	    parse_day_field(parser, next_field(parser), "retired", TRUE,
			    &key.retired_day, error_r) < 0)
		return -1;
	if (key.retired_day != 0 && key.retired_day < key.created_day) {
		return line_error(parser, error_r,
			"retired date is before the created date");
	}
	if (parse_material(keyring, parser, &key, rest_of_line(parser),
			   error_r) < 0)
		return -1;
	array_push_back(&keyring->keys, &key);
	return 0;
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
	size_t alloc_size;
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

	/* Key material is never longer than the file that holds it */
	/* sodium_malloc() puts the end of the block against its guard
	   page: only a size that is a multiple of the alignment gives an
	   aligned start */
	alloc_size = (sizeof(*secrets) + size + 1 + 15) & ~(size_t)15;
	if (sodium_init() < 0 ||
	    (secrets = sodium_malloc(alloc_size)) == NULL) {
		*error_r = t_strdup_printf("%s: no memory for keys", name);
		return -1;
	}
	memset(secrets, 0, sizeof(*secrets));
	secrets->material_size = size + 1;
	keyring = i_new(struct backscatter_keyring, 1);
	keyring->secrets = secrets;
	keyring->pool = pool_alloconly_create("backscatter keyring", 1024);
	p_array_init(&keyring->keys, keyring->pool, 8);

	/* A private, NUL-terminated copy to split in place */
	text = sodium_malloc(size + 1);
	if (text == NULL) {
		backscatter_keyring_free(&keyring);
		*error_r = t_strdup_printf("%s: no memory for keys", name);
		return -1;
	}
	memcpy(text, data, size);
	text[size] = '\0';

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
		ret = parse_key_line(keyring, &parser, error_r);
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
backscatter_keyring_signing_key(const struct backscatter_keyring *keyring,
				enum backscatter_scheme scheme,
				unsigned int today)
{
	const struct backscatter_key *key, *newest = NULL;

	array_foreach(&keyring->keys, key) {
		if (key->scheme != scheme || !key_is_active(key, today))
			continue;
		/* the newest; on a tie, the one written last */
		if (newest == NULL || key->created_day >= newest->created_day)
			newest = key;
	}
	return newest;
}

const struct backscatter_key *
backscatter_keyring_verifying_key(const struct backscatter_keyring *keyring,
				  enum backscatter_scheme scheme,
				  unsigned int id, unsigned int today,
				  unsigned int keep_days)
{
	const struct backscatter_key *key;

	array_foreach(&keyring->keys, key) {
		if (key->scheme != scheme || key->id != id)
			continue;
		if (key->retired_day != 0 &&
		    today > key->retired_day + keep_days)
			return NULL;
		return key;
	}
	return NULL;
}
