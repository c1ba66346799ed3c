/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "array.h"
#include "backscatter-keys.h"
#include "backscatter-key-cache.h"

#include <sys/stat.h>

struct key_cache_entry {
	char *path;
	/* NULL while the file cannot be used */
	struct backscatter_keyring *keyring;
	/* The file as it was when last read or tried; st_ino 0 and
	   stat_errno set when stat() itself failed */
	struct stat st;
	int stat_errno;
	/* The state last logged: NULL for usable keys, else the error */
	char *error;
	bool logged;
};

static ARRAY(struct key_cache_entry) key_cache;

static struct key_cache_entry *key_cache_find(const char *path)
{
	struct key_cache_entry *entry, new_entry;

	if (!array_is_created(&key_cache))
		i_array_init(&key_cache, 2);
	array_foreach_modifiable(&key_cache, entry) {
		if (strcmp(entry->path, path) == 0)
			return entry;
	}
	i_zero(&new_entry);
	new_entry.path = i_strdup(path);
	array_push_back(&key_cache, &new_entry);
	return array_back_modifiable(&key_cache);
}

static bool
key_file_unchanged(const struct key_cache_entry *entry, const struct stat *st,
		   int stat_errno)
{
	if (!entry->logged)
		return FALSE;
	if (stat_errno != 0 || entry->stat_errno != 0)
		return stat_errno == entry->stat_errno;
	return st->st_ino == entry->st.st_ino &&
		st->st_dev == entry->st.st_dev &&
		st->st_size == entry->st.st_size &&
		st->st_mode == entry->st.st_mode &&
		st->st_uid == entry->st.st_uid &&
		st->st_mtim.tv_sec == entry->st.st_mtim.tv_sec &&
		st->st_mtim.tv_nsec == entry->st.st_mtim.tv_nsec &&
		st->st_ctim.tv_sec == entry->st.st_ctim.tv_sec &&
		st->st_ctim.tv_nsec == entry->st.st_ctim.tv_nsec;
}

/* Logs the new state, when it is one */
static void
key_cache_set_state(struct key_cache_entry *entry, const char *error,
		    struct event *event)
{
	bool was_error = entry->error != NULL;

	if (entry->logged && null_strcmp(error, entry->error) == 0)
		return;
	if (error != NULL) {
		e_error(event, "backscatter_key_file: %s (until it is fixed, "
			"no tag is verified or signed: verdicts are unknown)",
			error);
	} else if (was_error) {
		e_info(event, "backscatter_key_file %s: %u keys loaded again",
		       entry->path, backscatter_keyring_count(entry->keyring));
	} else {
		e_debug(event, "backscatter_key_file %s: %u keys loaded",
			entry->path, backscatter_keyring_count(entry->keyring));
	}
	i_free(entry->error);
	entry->error = i_strdup(error);
	entry->logged = TRUE;
}

static void
key_cache_reload(struct key_cache_entry *entry, struct event *event)
{
	struct backscatter_keyring *keyring = NULL;
	const char *error = NULL;

	backscatter_keyring_free(&entry->keyring);
	if (entry->stat_errno != 0) {
		errno = entry->stat_errno;
		error = t_strdup_printf("stat(%s) failed: %m", entry->path);
	} else if (backscatter_keyring_read(entry->path, &keyring,
					    &error) < 0) {
		keyring = NULL;
	} else if (backscatter_keyring_count(keyring) == 0) {
		error = t_strdup_printf("%s holds no keys", entry->path);
		backscatter_keyring_free(&keyring);
	}
	entry->keyring = keyring;
	key_cache_set_state(entry, error, event);
}

const struct backscatter_keyring *
backscatter_key_cache_get(const char *path, struct event *event)
{
	struct key_cache_entry *entry;
	struct stat st;
	int stat_errno = 0;

	if (*path == '\0') {
		e_debug(event, "backscatter_key_file is not set: "
			"no tag is verified or signed");
		return NULL;
	}
	entry = key_cache_find(path);
	i_zero(&st);
	if (stat(path, &st) < 0)
		stat_errno = errno;
	if (!key_file_unchanged(entry, &st, stat_errno)) {
		entry->st = st;
		entry->stat_errno = stat_errno;
		T_BEGIN {
			key_cache_reload(entry, event);
		} T_END;
	}
	return entry->keyring;
}

void backscatter_key_cache_deinit(void)
{
	struct key_cache_entry *entry;

	if (!array_is_created(&key_cache))
		return;
	array_foreach_modifiable(&key_cache, entry) {
		backscatter_keyring_free(&entry->keyring);
		i_free(entry->path);
		i_free(entry->error);
	}
	array_free(&key_cache);
}
