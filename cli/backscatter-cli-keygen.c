/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter keygen: new keys, printed, or added to a key file without
   ever leaving it half-written or readable by others. */

#include "lib.h"
#include "buffer.h"
#include "base64.h"
#include "write-full.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
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
/* "bs1 31 2026-11-01 - " and 44 base64 characters fit easily */
#define CLI_KEY_LINE_MAX 128

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

static const struct option cli_keygen_options[] = {
	{ "scheme", required_argument, NULL, 's' },
	{ "add", required_argument, NULL, 'a' },
	{ "created", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Makes a new key and its key file line, with a newline. The caller wipes
   line_r. */
static void
cli_key_line(enum backscatter_scheme scheme, unsigned int id,
	     unsigned int today, char line_r[CLI_KEY_LINE_MAX])
{
	unsigned char random[BACKSCATTER_BS1_KEY_SIZE];
	char material[MAX_BASE64_ENCODED_SIZE(BACKSCATTER_BS1_KEY_SIZE) + 1];
	buffer_t buf;
	int ret;

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
	ret = i_snprintf(line_r, CLI_KEY_LINE_MAX, "%s %u %s - %s\n",
			 backscatter_scheme_to_str(scheme), id,
			 backscatter_day_to_str(today), material);
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

/* The keyring has no way to list its keys; a key that still verifies on
   day 0, with no time to live after retirement, is simply one that is
   there. */
static bool
cli_keyring_has_key(const struct backscatter_keyring *keyring,
		    enum backscatter_scheme scheme, unsigned int id)
{
	return backscatter_keyring_verifying_key(keyring, scheme, id,
						 0, 0) != NULL;
}

/* The lowest key id of the scheme that the file does not use. Returns 1
   and the id, 0 when all are used, -1 when the file does not parse (all
   reported). */
static int
cli_key_file_free_id(const struct cli_key_file *file,
		     enum backscatter_scheme scheme, unsigned int *id_r)
{
	const struct backscatter_scheme_def *def = &backscatter_schemes[scheme];
	struct backscatter_keyring *keyring;
	const char *error;
	unsigned int id;

	*id_r = 0;
	if (!file->exists)
		return 1;
	if (backscatter_keyring_parse(file->path, file->data, file->size,
				      &keyring, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	for (id = 0; id < def->key_id_count; id++) {
		if (!cli_keyring_has_key(keyring, scheme, id))
			break;
	}
	backscatter_keyring_free(&keyring);
	if (id == def->key_id_count) {
		cli_error("%s: all %u %s key ids are in use; remove a key "
			  "that no longer verifies first", file->path,
			  def->key_id_count, def->name);
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
	       unsigned int today)
{
	struct cli_key_file file;
	struct backscatter_keyring *keyring;
	char line[CLI_KEY_LINE_MAX];
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
	ret = cli_key_file_free_id(&file, scheme, &id);
	if (ret <= 0) {
		cli_key_file_free(&file);
		return ret < 0 ? CLI_EXIT_ERROR : CLI_EXIT_FAILED;
	}

	cli_key_line(scheme, id, today, line);
	line_len = strlen(line);
	add_newline = file.size > 0 && file.data[file.size - 1] != '\n';
	size = file.size + (add_newline ? 1 : 0) + line_len;
	if (size > BACKSCATTER_KEY_FILE_MAX_SIZE) {
		cli_error("%s: would grow larger than %u bytes", path,
			  BACKSCATTER_KEY_FILE_MAX_SIZE);
		sodium_memzero(line, sizeof(line));
		cli_key_file_free(&file);
		return CLI_EXIT_FAILED;
	}
	data = i_malloc(size);
	if (file.size > 0)
		memcpy(data, file.data, file.size);
	if (add_newline)
		data[file.size] = '\n';
	memcpy(data + size - line_len, line, line_len);
	sodium_memzero(line, sizeof(line));
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

	fprintf(stderr, "backscatter: added %s key %u to %s\n",
		backscatter_scheme_to_str(scheme), id, path);
	return CLI_EXIT_OK;
}

int cli_keygen(int argc, char *argv[])
{
	enum backscatter_scheme scheme = BACKSCATTER_SCHEME_BS1;
	const char *add_path = NULL;
	unsigned int today = backscatter_day_of(time(NULL));
	char line[CLI_KEY_LINE_MAX];
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:a:d:h", cli_keygen_options,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			/* A key dated ahead verifies at once but signs only
			   from that day: time to copy it to every host */
			if (!backscatter_day_parse(optarg, &today)) {
				return cli_usage_error("keygen", "--created: "
					"'%s' is not a date YYYY-MM-DD",
					optarg);
			}
			break;
		case 's':
			if (!backscatter_scheme_from_str(optarg, &scheme)) {
				return cli_usage_error("keygen",
					"unknown scheme '%s' (use bs1 or "
					"prvs)", optarg);
			}
			break;
		case 'a':
			add_path = optarg;
			break;
		case 'h':
			cli_usage(stdout, "keygen", TRUE);
			return CLI_EXIT_OK;
		default:
			return cli_try_help("keygen");
		}
	}
	if (optind < argc) {
		return cli_usage_error("keygen", "unexpected argument '%s'",
				       argv[optind]);
	}
	if (add_path != NULL) {
		if (*add_path == '\0')
			return cli_usage_error("keygen", "--add: empty path");
		return cli_keygen_add(add_path, scheme, today);
	}

	/* Straight to the file descriptor: stdio would keep a copy of the
	   key in its buffer */
	cli_key_line(scheme, 0, today, line);
	ret = write_full(STDOUT_FILENO, line, strlen(line));
	sodium_memzero(line, sizeof(line));
	if (ret < 0) {
		cli_error("write(stdout) failed: %m");
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}
