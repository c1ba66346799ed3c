/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "base32.h"
#include "hex-binary.h"
#include "hmac.h"
#include "sha1.h"
#include "backscatter-mac.h"

#include <sodium.h>

const char *backscatter_canonical_address(const struct smtp_address *address)
{
	return t_strconcat(t_str_lcase(address->localpart), "@",
			   t_str_lcase(address->domain), NULL);
}

void backscatter_bs1_mac(const unsigned char key[BACKSCATTER_BS1_KEY_SIZE],
			 const char *kid_day, const char *canonical_address,
			 char mac_r[14])
{
	unsigned char hash[16];
	string_t *input, *encoded;

	T_BEGIN {
		input = t_str_new(128);
		str_append(input, "bs1=");
		str_append(input, kid_day);
		str_append_c(input, '=');
		str_append(input, canonical_address);
		if (crypto_generichash(hash, sizeof(hash), str_data(input),
				       str_len(input), key,
				       BACKSCATTER_BS1_KEY_SIZE) != 0)
			i_unreached();

		/* 8 bytes are 13 base32 characters and padding */
		encoded = t_str_new(32);
		base32_encode(FALSE, hash, 8, encoded);
		i_assert(str_len(encoded) == 13);
		memcpy(mac_r, t_str_lcase(str_c(encoded)), 13);
		mac_r[13] = '\0';
	} T_END;
	sodium_memzero(hash, sizeof(hash));
}

void backscatter_prvs_mac_prepare(const unsigned char *secret,
				  size_t secret_size,
				  struct hmac_context *prepared_r)
{
	hmac_init(prepared_r, secret, secret_size, &hash_method_sha1);
}

void backscatter_prvs_mac_prepared(const struct hmac_context *prepared,
				   const char *key_day, const char *address,
				   char mac_r[7])
{
	/* The context holds plain hash state: a copy carries on from it */
	struct hmac_context ctx = *prepared;
	unsigned char digest[SHA1_RESULTLEN];

	hmac_update(&ctx, key_day, strlen(key_day));
	hmac_update(&ctx, address, strlen(address));
	hmac_final(&ctx, digest);
	T_BEGIN {
		/* Dovecot's hex is lower case, as prvs wants it */
		memcpy(mac_r, binary_to_hex(digest, 3), 6);
	} T_END;
	mac_r[6] = '\0';
	sodium_memzero(digest, sizeof(digest));
	sodium_memzero(&ctx, sizeof(ctx));
}

void backscatter_prvs_mac(const unsigned char *secret, size_t secret_size,
			  const char *key_day, const char *address,
			  char mac_r[7])
{
	struct hmac_context prepared;

	backscatter_prvs_mac_prepare(secret, secret_size, &prepared);
	backscatter_prvs_mac_prepared(&prepared, key_day, address, mac_r);
	sodium_memzero(&prepared, sizeof(prepared));
}
