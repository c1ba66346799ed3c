/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "smtp-address.h"
#include "backscatter-signer.h"
#include "backscatter-events.h"
#include "backscatter-socketmap.h"

#include <ctype.h>

int backscatter_netstring_parse(const unsigned char *data, size_t size,
				size_t max_length,
				const unsigned char **payload_r,
				size_t *payload_size_r, size_t *used_r,
				const char **error_r)
{
	size_t i, length = 0, max_digits = 1;

	for (length = max_length; length >= 10; length /= 10)
		max_digits++;
	length = 0;
	for (i = 0; i < size && i_isdigit(data[i]); i++) {
		length = length * 10 + (data[i] - '0');
		/* Checked per digit, so that the number cannot overflow
		   and an endless length (also one of endless zeros) is
		   refused before it ends */
		if (length > max_length || i >= max_digits) {
			*error_r = t_strdup_printf(
				"netstring longer than %zu octets",
				max_length);
			return -1;
		}
	}
	if (i == size)
		return 0;
	if (i == 0) {
		*error_r = "netstring length is not a number";
		return -1;
	}
	if (data[i] != ':') {
		*error_r = "netstring length not followed by ':'";
		return -1;
	}
	i++;
	if (size - i < length + 1)
		return 0;
	if (data[i + length] != ',') {
		*error_r = "netstring not terminated by ','";
		return -1;
	}
	*payload_r = data + i;
	*payload_size_r = length;
	*used_r = i + length + 1;
	return 1;
}

void backscatter_netstring_append(string_t *dest, const void *payload,
				  size_t size)
{
	str_printfa(dest, "%zu:", size);
	str_append_data(dest, payload, size);
	str_append_c(dest, ',');
}

static void socketmap_reply(string_t *reply, const char *status,
			    const char *value)
{
	const char *payload = t_strconcat(status, " ", value, NULL);

	backscatter_netstring_append(reply, payload, strlen(payload));
}

/* The key as Postfix sends it: an address without brackets, "" or "<>"
   for the null sender. NULL when it is no address we could sign. */
static const struct smtp_address *
socketmap_parse_key(const struct backscatter_daemon *map, const char *key,
		    bool *null_r)
{
	struct smtp_address *address;
	const char *error;

	*null_r = FALSE;
	if (*key == '\0' || strcmp(key, "<>") == 0) {
		*null_r = TRUE;
		return NULL;
	}
	if (smtp_address_parse_path(pool_datastack_create(), key,
				    SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL,
				    &address, &error) < 0) {
		e_debug(map->event, "%s: not an address: %s",
			str_sanitize(key, 256), error);
		return NULL;
	}
	return address;
}

static void
socketmap_sign(const struct backscatter_daemon *map, const char *key,
	       time_t now, string_t *reply)
{
	const struct smtp_address *sender;
	struct backscatter_signing signing;
	struct event *event;
	bool null;

	sender = socketmap_parse_key(map, key, &null);
	if (sender == NULL && !null) {
		socketmap_reply(reply, "NOTFOUND", "");
		return;
	}
	(void)backscatter_signer_sign(map->set, map->keyring, sender, now,
				      &signing);
	event = backscatter_signed_event_create(map->event,
		BACKSCATTER_SIGNER_SOCKETMAP, sender, &signing);
	switch (signing.result) {
	case BACKSCATTER_SIGNER_SIGNED:
		e_debug(event, "%s -> %s", key,
			smtp_address_encode(signing.tagged));
		socketmap_reply(reply, "OK",
				smtp_address_encode(signing.tagged));
		event_unref(&event);
		return;
	case BACKSCATTER_SIGNER_SKIPPED:
		e_debug(event, "%s: left alone: %s",
			str_sanitize(key, 256), signing.reason);
		break;
	case BACKSCATTER_SIGNER_UNSIGNED:
		e_info(event, "%s: left unsigned: %s", key, signing.reason);
		break;
	case BACKSCATTER_SIGNER_FAILED:
		e_error(event, "%s: left unsigned: %s", key, signing.reason);
		break;
	}
	event_unref(&event);
	socketmap_reply(reply, "NOTFOUND", "");
}

/* What the signer cannot understand is not Postfix's fault to retry:
   Postfix defers the mail on TEMP and PERM alike, so the answer is
   NOTFOUND (the mail leaves unsigned) and the log says why */
static void
socketmap_reply_unsigned(const struct backscatter_daemon *map,
			 string_t *reply, const char *reason)
{
	e_error(map->event, "request left unsigned: %s", reason);
	socketmap_reply(reply, "NOTFOUND", "");
}

void backscatter_socketmap_lookup(const struct backscatter_daemon *map,
				  const unsigned char *request, size_t size,
				  time_t now, string_t *reply)
{
	const unsigned char *space;
	const char *name, *key;

	/* Neither a NUL nor a line break belongs in a map name or an
	   address, and they would garble the log lines */
	if (memchr(request, '\0', size) != NULL ||
	    memchr(request, '\n', size) != NULL ||
	    memchr(request, '\r', size) != NULL) {
		socketmap_reply_unsigned(map, reply,
					 "control characters in request");
		return;
	}
	space = memchr(request, ' ', size);
	if (space == NULL) {
		socketmap_reply_unsigned(map, reply, "request has no key");
		return;
	}
	name = t_strdup_until(request, space);
	key = t_strndup(space + 1, size - (space + 1 - request));
	if (strcmp(name, BACKSCATTER_SOCKETMAP_MAP_SIGN) != 0) {
		socketmap_reply_unsigned(map, reply, t_strdup_printf(
			"unknown map '%s' (this server answers '%s')",
			str_sanitize(name, 64),
			BACKSCATTER_SOCKETMAP_MAP_SIGN));
		return;
	}
	socketmap_sign(map, key, now, reply);
}

int backscatter_socketmap_input(const struct backscatter_daemon *map,
				const unsigned char *data, size_t size,
				time_t now, string_t *reply, size_t *used_r)
{
	const unsigned char *payload;
	size_t payload_size, used, pos = 0;
	const char *error;
	string_t *one;
	int ret;

	/* Each lookup runs in a data stack frame of its own, so that a
	   batch of requests does not pile up scratch space. Its reply is
	   made in a heap buffer and appended to reply outside that frame:
	   reply may be on the caller's data stack, and growing it inside
	   a newer frame would panic. */
	one = str_new(default_pool, 128);
	for (;;) {
		ret = backscatter_netstring_parse(data + pos, size - pos,
			BACKSCATTER_SOCKETMAP_MAX_REQUEST, &payload,
			&payload_size, &used, &error);
		if (ret <= 0)
			break;
		str_truncate(one, 0);
		T_BEGIN {
			backscatter_socketmap_lookup(map, payload,
						     payload_size, now, one);
		} T_END;
		str_append_str(reply, one);
		pos += used;
	}
	str_free(&one);
	*used_r = pos;
	if (ret < 0) {
		socketmap_reply_unsigned(map, reply, t_strdup_printf(
			"protocol error: %s (closing the connection)", error));
		return -1;
	}
	return 0;
}

void backscatter_socketmap_input_truncated(
	const struct backscatter_daemon *map, string_t *reply)
{
	socketmap_reply_unsigned(map, reply,
		"connection closed within a request");
}
