#ifndef BACKSCATTER_MAC_H
#define BACKSCATTER_MAC_H

/* The MACs that make a return-path tag ours (docs/bs1-tag-format.md):
   keyed BLAKE2b from libsodium for bs1, HMAC-SHA1 from Dovecot's lib for
   prvs (libsodium has no SHA-1). Callers compare MACs in constant time.
   Scratch memory that held a MAC or key is wiped. */

#include "smtp-address.h"

#define BACKSCATTER_BS1_KEY_SIZE 32

/* The address as the MAC covers it: local part and domain with ASCII
   letters lower-cased, other bytes as they are. Data stack. */
const char *backscatter_canonical_address(const struct smtp_address *address);

/* The bs1 MAC, 13 lower-case base32 characters, for a 32-byte key, the
   key id and day characters of the tag and the canonical untagged
   address. */
void backscatter_bs1_mac(const unsigned char key[BACKSCATTER_BS1_KEY_SIZE],
			 const char *kid_day, const char *canonical_address,
			 char mac_r[14]);

/* The prvs MAC, 6 lower-case hex digits, for a secret, "KDDD" and the
   address exactly as it is to be covered. */
void backscatter_prvs_mac(const unsigned char *secret, size_t secret_size,
			  const char *key_day, const char *address,
			  char mac_r[7]);
/* The same from an HMAC context prepared with
   backscatter_prvs_mac_prepare(), which saves hashing the key's pads for
   every MAC. The context is key material: wipe it. */
struct hmac_context;
void backscatter_prvs_mac_prepare(const unsigned char *secret,
				  size_t secret_size,
				  struct hmac_context *prepared_r);
void backscatter_prvs_mac_prepared(const struct hmac_context *prepared,
				   const char *key_day, const char *address,
				   char mac_r[7]);

#endif
