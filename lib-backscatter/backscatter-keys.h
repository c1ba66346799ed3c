#ifndef BACKSCATTER_KEYS_H
#define BACKSCATTER_KEYS_H

/* The key file: which keys sign and verify return-path tags.

   One key per line, "#" comments and blank lines allowed:

     # scheme  id  created     retired     key
     bs1       0   2026-11-01  -           <base64 of 32 random bytes>
     prvs      1   2026-11-01  2026-12-01  <secret string, as in Exim>

   - bs1 ids are 0-31, prvs ids (BATV's key number) 0-9; a scheme and id
     pair appears once.
   - The newest key of a scheme that is created and not retired signs.
   - A key verifies until its retired day plus the tags' lifetime and
     grace, so tags it signed before retirement stay valid.

   The file holds secrets, and whoever can replace it can forge every
   tag: it is refused when others may read or write it, when it belongs
   to another user than root or us, or when its directory lets others
   swap it. Errors name the file and line but never a key. Key material
   lives in libsodium's guarded memory (kept out of core dumps, wiped
   when the keyring is freed).

   Programs do not read the file themselves: backscatter-key-cache.h
   gives every one of them the same keys, read again when the file
   changes. */

#include "backscatter-mac.h"
#include "backscatter-tag.h"

#define BACKSCATTER_KEY_FILE_MAX_SIZE (64 * 1024)
#define BACKSCATTER_PRVS_SECRET_MAX_SIZE 64

struct backscatter_key {
	enum backscatter_scheme scheme;
	unsigned int id;
	unsigned int created_day;
	/* 0 when not retired */
	unsigned int retired_day;
	const unsigned char *material;
	size_t material_size;
	/* prvs: the HMAC state after the key, prepared once */
	const struct hmac_context *prvs_hmac;
	/* Where it was defined */
	unsigned int line;
};

struct backscatter_keyring;
struct hmac_context;

/* Reads a key file. Returns 0 and the keyring, or -1 with an error naming
   the file (and line, for a syntax error). */
int backscatter_keyring_read(const char *path,
			     struct backscatter_keyring **keyring_r,
			     const char **error_r);
/* Parses key file contents; name is used in errors. No permission check:
   for tests and fuzzing. */
int backscatter_keyring_parse(const char *name, const void *data,
			      size_t size,
			      struct backscatter_keyring **keyring_r,
			      const char **error_r);
void backscatter_keyring_free(struct backscatter_keyring **keyring);

/* The number of keys; a file of only comments gives none, and a
   keyring without keys verifies nothing (every verdict is unknown) */
unsigned int
backscatter_keyring_count(const struct backscatter_keyring *keyring);

/* The key that signs for the scheme today, or NULL */
const struct backscatter_key *
backscatter_keyring_signing_key(const struct backscatter_keyring *keyring,
				enum backscatter_scheme scheme,
				unsigned int today);
/* The key with that id which may still verify today, given how long tags
   live after a key's retirement (lifetime + grace), or NULL */
const struct backscatter_key *
backscatter_keyring_verifying_key(const struct backscatter_keyring *keyring,
				  enum backscatter_scheme scheme,
				  unsigned int id, unsigned int today,
				  unsigned int keep_days);

#endif
