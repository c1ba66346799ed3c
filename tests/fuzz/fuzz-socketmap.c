/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* libFuzzer target: arbitrary bytes as what the Postfix signer
   (backscatter-socketmap.h) reads from a socketmap client, fed to
   backscatter_socketmap_input() whole and in pieces, with keys and a
   signing domain fixed at start and a fixed time. Built and run by
   tests/fuzz/run.

   Besides "no crash, no leak, no undefined behaviour", it checks what
   must hold for every input, and panics (a crash to libFuzzer) if not:
   - a request answered whole is answered the same when it comes in
     pieces (fuzz-request-common.h);
   - every reply is one netstring, "OK <address>" or "NOTFOUND ": never
     TEMP or PERM, on which Postfix would defer the mail;
   - an OK address is tagged, in the signing domain, and verifies as
     valid at once;
   - a protocol error (-1) comes with its NOTFOUND, and consumed input
     never exceeds what was given. */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-socketmap.h"
#include "fuzz-request-common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct backscatter_tag_settings fuzz_tag_set;
static struct backscatter_daemon fuzz_map;

static void check_signed(const char *address_str)
{
	struct backscatter_verification result;
	struct smtp_address *address;
	const char *error;

	if (smtp_address_parse_mailbox(pool_datastack_create(), address_str,
				       0, &address, &error) < 0)
		i_panic("OK '%s', no address: %s", address_str, error);
	if (address->domain == NULL ||
	    strcasecmp(address->domain, "example.com") != 0)
		i_panic("OK '%s', outside the signing domain", address_str);
	backscatter_verify(fuzz_map.keyring, &fuzz_tag_set, address,
			   FUZZ_REQUEST_NOW, pool_datastack_create(), &result);
	if (result.verdict != BACKSCATTER_VERDICT_VALID)
		i_panic("OK '%s', which verifies as %s", address_str,
			backscatter_verdict_to_str(result.verdict));
}

/* Every reply is a netstring this signer may send */
static void check_replies(const string_t *replies)
{
	const unsigned char *data = str_data(replies), *payload;
	size_t size = str_len(replies), payload_size, used;
	const char *error, *text;

	while (size > 0) {
		if (backscatter_netstring_parse(data, size, SIZE_MAX,
				&payload, &payload_size, &used, &error) != 1)
			i_panic("reply is no netstring: %s", error);
		text = t_strndup(payload, payload_size);
		if (strcmp(text, "NOTFOUND ") == 0)
			;
		else if (strncmp(text, "OK ", 3) == 0)
			check_signed(text + 3);
		else
			i_panic("reply '%s'", str_sanitize(text, 200));
		data += used;
		size -= used;
	}
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_request_init(NULL, &fuzz_map);
	backscatter_settings_get_tag_settings(fuzz_map.set, &fuzz_tag_set);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		check_replies(fuzz_request_check_split(
			backscatter_socketmap_input, &fuzz_map, data, size));
	} T_END;
	return 0;
}
