/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter keygen: new keys, printed, or added to a key file without
   ever leaving it half-written or readable by others; and backscatter
   keys list: what a key file holds, without its secrets. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "buffer.h"
#include "base64.h"
#include "str-sanitize.h"
#include "write-full.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"
#include "backscatter-settings.h"
#include "backscatter-cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

/* A prvs secret is text that admins paste into Exim as well: 16 random
   bytes as 32 hex digits */
#define CLI_PRVS_SECRET_BYTES 16
/* "bs1 31 2026-11-01 - " and 44 base64 characters fit easily; a
   domains= field comes on top */
#define CLI_KEY_LINE_BASE_MAX 128

/* Modes under which backscatter_keyring_read() refuses a key file */
#define CLI_KEY_FILE_UNSAFE_MODE (S_IROTH | S_IWOTH | S_IWGRP)

/* What we found at the path given to --add */
struct cli_key_file {
	const char *path;
	bool exists;
	/* of the existing file */
	struct stat st;
	/* its contents, to be wiped */
	unsigned char *data;
	size_t size;
};

/* A new key's line: its secret, kept apart from what is no secret so
   that it can be wiped */
struct cli_key_line {
	char *text;
	size_t size;
};

static const struct option cli_keygen_options[] = {
	{ "scheme", required_argument, NULL, 's' },
	{ "domain", required_argument, NULL, 'd' },
	{ "created", required_argument, NULL, 'c' },
	{ "add", required_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void cli_key_line_free(struct cli_key_line *line)
{
	if (line->text == NULL)
		return;
	sodium_memzero(line->text, line->size);
	i_free(line->text);
}

/* Makes a new key and its key file line, with a newline; domains (NULL
   for every domain) become its domains= field. The caller frees it with
   cli_key_line_free(), which wipes it. */
static void
cli_key_line(enum backscatter_scheme scheme, unsigned int id,
	     const char *const *domains, unsigned int today,
	     struct cli_key_line *line_r)
{
	unsigned char random[BACKSCATTER_BS1_KEY_SIZE];
	char material[MAX_BASE64_ENCODED_SIZE(BACKSCATTER_BS1_KEY_SIZE) + 1];
	const char *domains_field = "";
	buffer_t buf;
	int ret;

	if (domains != NULL) {
		domains_field = t_strconcat("domains=",
			t_strarray_join(domains, ","), " ", NULL);
	}

	switch (scheme) {
	case BACKSCATTER_SCHEME_BS1:
		randombytes_buf(random, BACKSCATTER_BS1_KEY_SIZE);
		buffer_create_from_data(&buf, material, sizeof(material) - 1);
		base64_encode(random, BACKSCATTER_BS1_KEY_SIZE, &buf);
		material[buf.used] = '\0';
		break;
	case BACKSCATTER_SCHEME_PRVS:
		randombytes_buf(random, CLI_PRVS_SECRET_BYTES);
		(void)sodium_bin2hex(material, sizeof(material), random,
				     CLI_PRVS_SECRET_BYTES);
		break;
	case BACKSCATTER_SCHEME_COUNT:
		i_unreached();
	}
	line_r->size = CLI_KEY_LINE_BASE_MAX + strlen(domains_field);
	line_r->text = i_malloc(line_r->size);
	ret = i_snprintf(line_r->text, line_r->size, "%s %u %s - %s%s\n",
			 backscatter_scheme_to_str(scheme), id,
			 backscatter_day_to_str(today), domains_field,
			 material);
	i_assert(ret >= 0);
	sodium_memzero(random, sizeof(random));
	sodium_memzero(material, sizeof(material));
}

static void cli_key_file_free(struct cli_key_file *file)
{
	if (file->data == NULL)
		return;
	sodium_memzero(file->data, file->size);
	i_free(file->data);
}

/* Reads the key file if it exists. Returns 0, or -1 after reporting the
   error. */
static int cli_key_file_read(struct cli_key_file *file)
{
	ssize_t ret;
	size_t pos;
	int fd;

	if (lstat(file->path, &file->st) < 0) {
		if (errno == ENOENT)
			return 0;
		cli_error("lstat(%s) failed: %m", file->path);
		return -1;
	}
	/* rename() would replace the link, not the file it points to */
	if (S_ISLNK(file->st.st_mode)) {
		cli_error("%s: is a symbolic link; give the path of the key "
			  "file itself", file->path);
		return -1;
	}
	fd = open(file->path, O_RDONLY | O_NOCTTY | O_NOFOLLOW);
	if (fd == -1) {
		cli_error("open(%s) failed: %m", file->path);
		return -1;
	}
	if (fstat(fd, &file->st) < 0) {
		cli_error("fstat(%s) failed: %m", file->path);
		i_close_fd(&fd);
		return -1;
	}
	if (!S_ISREG(file->st.st_mode)) {
		cli_error("%s: not a regular file", file->path);
		i_close_fd(&fd);
		return -1;
	}
	if (file->st.st_size > BACKSCATTER_KEY_FILE_MAX_SIZE) {
		cli_error("%s: larger than %u bytes", file->path,
			  BACKSCATTER_KEY_FILE_MAX_SIZE);
		i_close_fd(&fd);
		return -1;
	}
	file->exists = TRUE;
	file->size = (size_t)file->st.st_size;
	/* +1: never a zero-sized allocation */
	file->data = i_malloc(file->size + 1);
	for (pos = 0; pos < file->size; pos += (size_t)ret) {
		ret = read(fd, file->data + pos, file->size - pos);
		if (ret <= 0) {
			if (ret == 0)
				errno = EIO;
			cli_error("read(%s) failed: %m", file->path);
			i_close_fd(&fd);
			return -1;
		}
	}
	i_close_fd(&fd);
	return 0;
}

/* Would a key of the scheme and id for domains (NULL: every domain)
   clash with this one? Only keys limited to domains, with none in
   common, may share an id (backscatter-keys.h). */
static bool
cli_key_clashes(const struct backscatter_key *key,
		enum backscatter_scheme scheme, unsigned int id,
		const char *const *domains)
{
	if (key->scheme != scheme || key->id != id)
		return FALSE;
	if (domains == NULL || key->domains == NULL)
		return TRUE;
	for (; *domains != NULL; domains++) {
		if (backscatter_key_serves_domain(key, *domains))
			return TRUE;
	}
	return FALSE;
}

/* The lowest key id of the scheme that no key of the file serving one of
   the domains uses (any key's, for a key of every domain). Returns 1 and
   the id, 0 when all are used, -1 when the file does not parse (all
   reported). */
static int
cli_key_file_free_id(const struct cli_key_file *file,
		     enum backscatter_scheme scheme,
		     const char *const *domains, unsigned int *id_r)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];
	const struct backscatter_key *keys;
	struct backscatter_keyring *keyring;
	const char *error;
	unsigned int id, i, count;

	*id_r = 0;
	if (!file->exists)
		return 1;
	if (backscatter_keyring_parse(file->path, file->data, file->size,
				      &keyring, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	keys = backscatter_keyring_keys(keyring, &count);
	for (id = 0; id < def->key_id_count; id++) {
		for (i = 0; i < count; i++) {
			if (cli_key_clashes(&keys[i], scheme, id, domains))
				break;
		}
		if (i == count)
			break;
	}
	backscatter_keyring_free(&keyring);
	if (id == def->key_id_count) {
		cli_error("%s: all %u %s key ids are in use%s; remove a key "
			  "that no longer verifies first", file->path,
			  def->key_id_count, def->name,
			  domains == NULL ? "" : " for these domains");
		return 0;
	}
	*id_r = id;
	return 1;
}

/* The mode and owner the new file gets: the old file's, unless others
   could read or write it, as the plugin would refuse the file then. The
   owner stays, so that the services that read the keys still can. */
static mode_t cli_key_file_mode(const struct cli_key_file *file)
{
	mode_t mode = file->st.st_mode & 07777;

	if (!file->exists)
		return 0600;
	if ((mode & CLI_KEY_FILE_UNSAFE_MODE) != 0) {
		cli_error("%s was mode %04o, which others may read or write: "
			  "the new file is mode 0600 (consider its old keys "
			  "exposed)", file->path, (unsigned int)mode);
		return 0600;
	}
	return mode;
}

/* Writes data to a new file next to the key file and renames it over
   the key file, so that readers see the old file or the new one, never
   a part. Returns 0, or -1 after reporting the error. */
static int
cli_key_file_replace(const struct cli_key_file *file, const void *data,
		     size_t size)
{
	const char *slash = strrchr(file->path, '/');
	const char *dir = slash == NULL ? "." :
		slash == file->path ? "/" : t_strdup_until(file->path, slash);
	const char *base = slash == NULL ? file->path : slash + 1;
	char *temp_path = t_strdup_noconst(
		t_strdup_printf("%s/.%s.XXXXXX", dir, base));
	struct stat temp_st;
	mode_t mode = cli_key_file_mode(file);
	int fd, dir_fd;

	/* mkstemp() creates the file mode 0600, whatever the umask */
	fd = mkstemp(temp_path);
	if (fd == -1) {
		cli_error("mkstemp(%s) failed: %m", temp_path);
		return -1;
	}
	if (write_full(fd, data, size) < 0) {
		cli_error("write(%s) failed: %m", temp_path);
		goto failed;
	}
	if (file->exists && fstat(fd, &temp_st) < 0) {
		cli_error("fstat(%s) failed: %m", temp_path);
		goto failed;
	}
	if (file->exists && (temp_st.st_uid != file->st.st_uid ||
			     temp_st.st_gid != file->st.st_gid) &&
	    fchown(fd, file->st.st_uid, file->st.st_gid) < 0) {
		cli_error("fchown(%s) failed: %m (keeping the owner and "
			  "group of %s)", temp_path, file->path);
		goto failed;
	}
	if (fchmod(fd, mode) < 0) {
		cli_error("fchmod(%s) failed: %m", temp_path);
		goto failed;
	}
	if (fsync(fd) < 0) {
		cli_error("fsync(%s) failed: %m", temp_path);
		goto failed;
	}
	if (close(fd) < 0) {
		fd = -1;
		cli_error("close(%s) failed: %m", temp_path);
		goto failed;
	}
	fd = -1;
	if (rename(temp_path, file->path) < 0) {
		cli_error("rename(%s, %s) failed: %m", temp_path, file->path);
		goto failed;
	}

	/* The rename itself must survive a crash too. It is done: a
	   failure here is worth a warning, not a failed command. */
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dir_fd == -1 || fsync(dir_fd) < 0)
		cli_error("warning: fsync(%s) failed: %m", dir);
	if (dir_fd != -1)
		i_close_fd(&dir_fd);
	return 0;

failed:
	if (fd != -1)
		i_close_fd(&fd);
	if (unlink(temp_path) < 0)
		cli_error("unlink(%s) failed: %m", temp_path);
	return -1;
}

static int
cli_keygen_add(const char *path, enum backscatter_scheme scheme,
	       const char *const *domains, unsigned int today)
{
	struct cli_key_file file;
	struct backscatter_keyring *keyring;
	struct cli_key_line line;
	unsigned char *data;
	const char *error;
	unsigned int id;
	size_t line_len, size;
	bool add_newline;
	int ret;

	i_zero(&file);
	file.path = path;
	if (cli_key_file_read(&file) < 0) {
		cli_key_file_free(&file);
		return CLI_EXIT_ERROR;
	}
	ret = cli_key_file_free_id(&file, scheme, domains, &id);
	if (ret <= 0) {
		cli_key_file_free(&file);
		return ret < 0 ? CLI_EXIT_ERROR : CLI_EXIT_FAILED;
	}

	cli_key_line(scheme, id, domains, today, &line);
	line_len = strlen(line.text);
	add_newline = file.size > 0 && file.data[file.size - 1] != '\n';
	size = file.size + (add_newline ? 1 : 0) + line_len;
	if (size > BACKSCATTER_KEY_FILE_MAX_SIZE) {
		cli_error("%s: would grow larger than %u bytes", path,
			  BACKSCATTER_KEY_FILE_MAX_SIZE);
		cli_key_line_free(&line);
		cli_key_file_free(&file);
		return CLI_EXIT_FAILED;
	}
	data = i_malloc(size);
	if (file.size > 0)
		memcpy(data, file.data, file.size);
	if (add_newline)
		data[file.size] = '\n';
	memcpy(data + size - line_len, line.text, line_len);
	cli_key_line_free(&line);
	cli_key_file_free(&file);

	/* Never write a file that the plugin would refuse */
	if (backscatter_keyring_parse(path, data, size, &keyring,
				      &error) < 0) {
		cli_error("BUG: the new key file does not parse: %s", error);
		ret = -1;
	} else {
		backscatter_keyring_free(&keyring);
		ret = cli_key_file_replace(&file, data, size);
	}
	sodium_memzero(data, size);
	i_free(data);
	if (ret < 0)
		return CLI_EXIT_FAILED;

	fprintf(stderr, "backscatter: added %s key %u%s%s to %s\n",
		backscatter_scheme_to_str(scheme), id,
		domains == NULL ? "" : " for ",
		domains == NULL ? "" : t_strarray_join(domains, ", "), path);
	return CLI_EXIT_OK;
}

static bool
cli_domains_contain(const ARRAY_TYPE(const_string) *domains,
		    const char *domain)
{
	const char *const *d;

	array_foreach(domains, d) {
		if (strcmp(*d, domain) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Adds the domains of a --domain argument (one, or several separated by
   commas) to domains, lower-cased. Returns 0, or -1 after reporting a
   usage error. */
static int
cli_keygen_add_domains(ARRAY_TYPE(const_string) *domains, const char *arg)
{
	const char *const *names = t_strsplit(arg, ",");
	const char *domain, *error;

	if (*arg == '\0') {
		(void)cli_usage_error("keygen", "--domain: empty domain");
		return -1;
	}
	for (; *names != NULL; names++) {
		domain = t_str_lcase(*names);
		if (!backscatter_key_domain_is_valid(domain, &error)) {
			(void)cli_usage_error("keygen", "--domain '%s': %s",
					      str_sanitize(*names, 256), error);
			return -1;
		}
		if (!cli_domains_contain(domains, domain))
			array_push_back(domains, &domain);
	}
	return 0;
}

int cli_keygen(int argc, char *argv[])
{
	enum backscatter_scheme scheme = BACKSCATTER_SCHEME_BS1;
	ARRAY_TYPE(const_string) domains;
	const char *const *domain_list = NULL;
	const char *add_path = NULL;
	unsigned int today = backscatter_day_of(time(NULL));
	struct cli_key_line line;
	int c, ret;

	t_array_init(&domains, 4);
	while ((c = getopt_long(argc, argv, "s:d:c:a:h", cli_keygen_options,
				NULL)) != -1) {
		switch (c) {
		case 's':
			if (!backscatter_scheme_from_str(optarg, &scheme)) {
				return cli_usage_error("keygen",
					"unknown scheme '%s' (use bs1 or "
					"prvs)", optarg);
			}
			break;
		case 'd':
			if (cli_keygen_add_domains(&domains, optarg) < 0)
				return CLI_EXIT_ERROR;
			break;
		case 'c':
			/* A key that signs from a later day: every server
			   can have it (it verifies at once) before any
			   signs with it */
			if (!backscatter_day_parse(optarg, &today)) {
				return cli_usage_error("keygen", "--created: "
					"'%s' is not a date YYYY-MM-DD",
					str_sanitize(optarg, 64));
			}
			break;
		case 'a':
			add_path = optarg;
			break;
		default:
			/* -h, or an option getopt refused */
			return cli_help_option("keygen", c);
		}
	}
	if (optind < argc) {
		return cli_usage_error("keygen", "unexpected argument '%s'",
				       argv[optind]);
	}
	if (array_count(&domains) > 0) {
		array_append_zero(&domains);
		domain_list = array_front(&domains);
	}
	if (add_path != NULL) {
		if (*add_path == '\0')
			return cli_usage_error("keygen", "--add: empty path");
		return cli_keygen_add(add_path, scheme, domain_list, today);
	}

	/* Straight to the file descriptor: stdio would keep a copy of the
	   key in its buffer */
	cli_key_line(scheme, 0, domain_list, today, &line);
	ret = write_full(STDOUT_FILENO, line.text, strlen(line.text));
	cli_key_line_free(&line);
	if (ret < 0) {
		cli_error("write(stdout) failed: %m");
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}

/*
 * keys list
 */

/* What a key does today: "future" (not yet created), "signing" (it
   signs for its domains, or for those without a key of their own),
   "active" (created and not retired, but a newer key signs), "retired"
   (still verifies the tags it made), "expired" (verifies nothing any
   more: its line may go) */
static const char *
cli_key_state(const struct backscatter_keyring *keyring,
	      const struct backscatter_key *key, unsigned int today,
	      unsigned int keep_days)
{
	const char *const *domain;

	if (key->created_day > today)
		return "future";
	if (key->retired_day != 0 && today >= key->retired_day) {
		return today > key->retired_day + keep_days ? "expired" :
			"retired";
	}
	if (key->domains == NULL) {
		/* a key of every domain signs for those without their own */
		return backscatter_keyring_signing_key(keyring, key->scheme,
				NULL, today) == key ? "signing" : "active";
	}
	for (domain = key->domains; *domain != NULL; domain++) {
		if (backscatter_keyring_signing_key(keyring, key->scheme,
						    *domain, today) == key)
			return "signing";
	}
	return "active";
}

static void
cli_keys_print(const struct backscatter_key *key, const char *state,
	       bool json)
{
	const char *const *domain;
	string_t *line = t_str_new(128);

	if (!json) {
		str_printfa(line, "%s\t%u\t%s\t%s\t%s\t%s\n",
			backscatter_scheme_to_str(key->scheme), key->id,
			backscatter_day_to_str(key->created_day),
			key->retired_day == 0 ? "-" :
			backscatter_day_to_str(key->retired_day), state,
			key->domains == NULL ? "*" :
			t_strarray_join(key->domains, ","));
	} else {
		str_append(line, "{\"scheme\":");
		cli_json_append_string(line,
			backscatter_scheme_to_str(key->scheme));
		str_printfa(line, ",\"id\":%u,\"created\":", key->id);
		cli_json_append_string(line,
			backscatter_day_to_str(key->created_day));
		str_append(line, ",\"retired\":");
		cli_json_append_string(line, key->retired_day == 0 ? NULL :
			backscatter_day_to_str(key->retired_day));
		str_append(line, ",\"state\":");
		cli_json_append_string(line, state);
		str_append(line, ",\"domains\":");
		if (key->domains == NULL)
			str_append(line, "null");
		else {
			str_append_c(line, '[');
			for (domain = key->domains; *domain != NULL; domain++) {
				if (domain != key->domains)
					str_append_c(line, ',');
				cli_json_append_string(line, *domain);
			}
			str_append_c(line, ']');
		}
		str_printfa(line, ",\"line\":%u}\n", key->line);
	}
	fwrite(str_data(line), 1, str_len(line), stdout);
}

int cli_keys(int argc, char *argv[])
{
	struct cli_tag_context ctx;
	struct cli_common_options opts;
	const struct backscatter_key *keys;
	unsigned int i, count, today, keep_days;
	bool json;
	int ret;

	if (argc < 2 || strcmp(argv[1], "list") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
				  strcmp(argv[1], "-h") == 0)) {
			cli_usage(stdout, "keys", TRUE);
			return CLI_EXIT_OK;
		}
		if (argc < 2) {
			return cli_usage_error("keys", "no subcommand given "
					       "(use list)");
		}
		return cli_usage_error("keys", "unknown subcommand '%s' "
				       "(use list)", str_sanitize(argv[1], 64));
	}
	/* getopt from the subcommand on */
	argc--;
	argv++;
	argv[0] = t_strdup_noconst("backscatter keys list");
	if (!cli_common_json_options_parse("keys", argc, argv, &opts, &json,
					   &ret))
		return ret;
	if (optind < argc) {
		return cli_usage_error("keys", "unexpected argument '%s'",
				       argv[optind]);
	}
	if (cli_tag_init(&ctx, opts.config_path, opts.key_file) < 0)
		return CLI_EXIT_ERROR;
	if (ctx.keyring == NULL) {
		cli_error("no key file: give -k KEYFILE, or -c CONFIG with "
			  "backscatter_key_file set");
		cli_tag_deinit(&ctx);
		return CLI_EXIT_ERROR;
	}
	today = backscatter_day_of(opts.now);
	/* as the verifier counts: the longest a tag may live, and grace */
	keep_days = BACKSCATTER_TAG_MAX_DAYS + ctx.tag_set.grace_days;
	keys = backscatter_keyring_keys(ctx.keyring, &count);
	for (i = 0; i < count; i++) T_BEGIN {
		cli_keys_print(&keys[i], cli_key_state(ctx.keyring, &keys[i], today,
					     keep_days), json);
	} T_END;
	cli_tag_deinit(&ctx);
	return CLI_EXIT_OK;
}
