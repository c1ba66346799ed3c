#ifndef BACKSCATTER_KEY_CACHE_H
#define BACKSCATTER_KEY_CACHE_H

/* The one way a program gets its keys.

   The LMTP plugin, the submission plugin, the Sieve extension and the
   signer daemons all ask here, at each message, for the keys of
   backscatter_key_file. The file is stat()ed each time and read again
   when it changed (another inode, size, mtime, ctime, mode or owner), so
   that a rotated, replaced, fixed or broken file counts from the next
   message, with no restart and no re-read while it stays the same.

   A file that cannot be used -- missing, unreadable, unsafe (see
   backscatter-keys.h), broken, or holding no key -- gives no keys, so
   every verdict is unknown and nothing is signed: the file's state
   never turns mail into bogus or stops it. Each change of state is
   logged once (an error when keys become unusable, an info line when
   they are back), not once per message.

   The cache is per process. Modules that Dovecot loads again and again
   (Pigeonhole unloads its plugins after each delivery) are linked with
   -z nodelete, so that the cache outlives their unloading. */

struct event;
struct backscatter_keyring;

/* Returns the keys that path holds now, or NULL when there are none to
   use (path is "", or the file cannot be used; logged on event when that
   state is new). The keyring stays valid until the next call for the
   same path, or backscatter_key_cache_deinit(). */
const struct backscatter_keyring *
backscatter_key_cache_get(const char *path, struct event *event);

/* Frees every cached keyring */
void backscatter_key_cache_deinit(void);

#endif
