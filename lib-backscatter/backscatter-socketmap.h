#ifndef BACKSCATTER_SOCKETMAP_H
#define BACKSCATTER_SOCKETMAP_H

/* The socketmap_table(5) protocol of the Postfix signer, without sockets.

   Postfix sends netstrings "<length>:<name> <key>," and reads one netstring
   reply per request: "OK <value>", "NOTFOUND ", "TEMP <reason>" or
   "PERM <reason>". One map is served:
   - sign: the tagged address for a sender backscatter_signer_sign() signs;
     NOTFOUND for every other key (the null sender, other domains, tagged
     addresses, local parts too long to tag), so that Postfix keeps the
     address. Postfix maps canonical results again until NOTFOUND, which
     the tagged address gives.
   This server never answers TEMP or PERM: Postfix defers the mail on
   either, and a signer must not stop mail. What it cannot sign (no keys,
   errors) or cannot understand (an unknown map name, a request without a
   key, control characters, broken netstrings) is answered NOTFOUND, so
   the mail leaves unsigned, and logged.

   The caller owns the connection. It feeds what it has read to
   backscatter_socketmap_input() and writes the replies; the input consumed
   is skipped, the rest kept for the next read. A netstring that is broken
   or longer than BACKSCATTER_SOCKETMAP_MAX_REQUEST gets NOTFOUND, and the
   connection must then be closed: a reader cannot find the next request
   after it. */

#include "backscatter-daemon.h"
#include "backscatter-signer.h"

/* Postfix's own socketmap requests are an address and a map name: 10000
   octets is far more than that */
#define BACKSCATTER_SOCKETMAP_MAX_REQUEST 10000
/* The map name this signer answers */
#define BACKSCATTER_SOCKETMAP_MAP_SIGN "sign"

/* Parses the netstring at the start of data. Returns 1 with its payload
   and the octets it used, 0 when it is incomplete, -1 when it is no
   netstring or its length exceeds max_length (error_r says which). */
int backscatter_netstring_parse(const unsigned char *data, size_t size,
				size_t max_length,
				const unsigned char **payload_r,
				size_t *payload_size_r, size_t *used_r,
				const char **error_r);
/* Appends payload as a netstring */
void backscatter_netstring_append(string_t *dest, const void *payload,
				  size_t size);

/* Answers the one request payload ("name key") by appending the reply
   netstring to reply. Scratch space comes from the data stack; reply
   grows in the caller's data stack frame. */
void backscatter_socketmap_lookup(const struct backscatter_daemon *map,
				  const unsigned char *request, size_t size,
				  time_t now, string_t *reply);

/* Answers every complete request at the start of data, appending the
   replies to reply, and sets used_r to the octets consumed. reply grows
   in the caller's data stack frame only, so it may be a t_str_new() of
   that frame, however many replies it gets. Returns 0 when the rest (if
   any) may still become a request, or -1 after a protocol error: its
   NOTFOUND reply is appended, and the connection must be closed once the
   replies are written. */
int backscatter_socketmap_input(const struct backscatter_daemon *map,
				const unsigned char *data, size_t size,
				time_t now, string_t *reply, size_t *used_r);
/* Appends the reply to a request the client cut short by closing its
   side (NOTFOUND, and a log line): the reply can still be read. */
void backscatter_socketmap_input_truncated(
	const struct backscatter_daemon *map, string_t *reply);

#endif
