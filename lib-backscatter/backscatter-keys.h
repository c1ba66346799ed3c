#ifndef BACKSCATTER_KEYS_H
#define BACKSCATTER_KEYS_H

/* The key file: which keys sign and verify return-path tags.

   One key per line, "#" comments and blank lines allowed:

     # scheme  id  created     retired     [domains=...]  key
     bs1       0   2026-11-01  -           <base64 of 32 random bytes>
     prvs      1   2026-11-01  2026-12-01  <secret string, as in Exim>
     bs1       0   2026-11-01  -  domains=a.example,b.example  <base64>

   - bs1 ids are 0-31, prvs ids (BATV's key number) 0-9.
   - domains= limits a key to those domains (a hosting provider's tenants):
     it signs only senders of them and verifies only tags of addresses in
     them; whole domains, compared without regard to ASCII case, so not
     their subdomains. A key without domains= serves every domain, as
     before the field existed. The field is recognised by its "domains="
     start, so a prvs secret may not begin with that.
   - A scheme and id pair appears once, except among keys that are all
     limited to domains and have no domain in common: then each tenant
     has ids 0-31 (0-9) of its own, and a tag's id names one key for the
     domain of its address.
   - For a sender's domain, the newest created and not retired key of the
     scheme that names the domain signs; when none names it, the newest
     one without domains; when none serves it, nothing is signed.
   - A key verifies until its retired day plus the tags' lifetime and
     grace, so tags it signed before retirement stay valid.
   - An address whose domain no key serves is judged as if there were no
     keys (unknown), so that a tenant without a key of its own never gets
     its bounces called forged.

   The file holds secrets, and whoever can replace it can forge every
   tag: it is refused when others may read or write it, when it belongs
   to another user than root or us, or when its directory lets others
   swap it. Errors name the file and line but never a key. Key material
   lives in libsodium's guarded memory (kept out of core dumps, wiped
   when the keyring is freed); the ids, dates and domains do not, as
   they are no secret (backscatter keys list shows them).

   Programs do not read the file themselves: backscatter-key-cache.h
   gives every one of them the same keys, read again when the file
   changes. */

#include "backscatter-mac.h"
#include "backscatter-tag.h"

/* Room for some ten thousand keys limited to a domain each */
#define BACKSCATTER_KEY_FILE_MAX_SIZE (1024 * 1024)
/* The longest domain name (RFC 1035) */
#define BACKSCATTER_KEY_DOMAIN_MAX_LENGTH 253
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
	/* The domains it serves, lower-cased, NULL-terminated; NULL when it
	   serves every domain */
	const char *const *domains;
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

/* Is domain fit for a key's domains= list: a domain name of labels of
   letters, digits, "-" or UTF-8, at most 253 octets? error_r says why
   not. */
bool backscatter_key_domain_is_valid(const char *domain,
				     const char **error_r);

/* All keys, in the order of the file */
const struct backscatter_key *
backscatter_keyring_keys(const struct backscatter_keyring *keyring,
			 unsigned int *count_r);

/* Does the key serve addresses of this domain? A key without domains
   serves every domain; one with domains only those, compared as whole
   domains without regard to ASCII case. An address without a domain
   (domain NULL) is served only by keys without domains. */
bool backscatter_key_serves_domain(const struct backscatter_key *key,
				   const char *domain);
/* Does any key, of any scheme, serve the domain? */
bool backscatter_keyring_serves_domain(const struct backscatter_keyring *keyring,
				       const char *domain);

/* The key that signs for the scheme and the sender's domain today, or
   NULL: the newest active one naming the domain, else the newest active
   one without domains */
const struct backscatter_key *
backscatter_keyring_signing_key(const struct backscatter_keyring *keyring,
				enum backscatter_scheme scheme,
				const char *domain, unsigned int today);
/* The key with that id serving the domain which may still verify today,
   given how long tags live after a key's retirement (lifetime + grace),
   or NULL */
const struct backscatter_key *
backscatter_keyring_verifying_key(const struct backscatter_keyring *keyring,
				  enum backscatter_scheme scheme,
				  unsigned int id, const char *domain,
				  unsigned int today, unsigned int keep_days);

#endif
