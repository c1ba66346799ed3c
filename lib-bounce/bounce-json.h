#ifndef BOUNCE_JSON_H
#define BOUNCE_JSON_H

/* Walking a JSON text with Dovecot's JSON parser, whose API 2.3
   (json-parser.h) and 2.4 (lib-json's json-istream.h) do not share: this
   is that difference's seam.

   Contract: bounce_json_walk() calls callback for each object that
   begins, with value NULL, and for each string member, with its value
   (valid UTF-8, NUL-free). path names the member by the keys leading to
   it, joined by '.'; an array adds no key, so every element of
   "a":[{"b":"x"}] is at "a" and its members at "a.b". Numbers, booleans
   and null are not reported. The walk stops at the end of the first
   value, or at the first error; nesting deeper than BOUNCE_JSON_MAX_DEPTH
   is an error. Returns 0 when the text parsed, -1 with *error_r set when
   not (what was reported before the error stands). */

#define BOUNCE_JSON_MAX_DEPTH 16

typedef void bounce_json_callback_t(void *context, const char *path,
				    const char *value);

int bounce_json_walk(const unsigned char *data, size_t size,
		     bounce_json_callback_t *callback, void *context,
		     const char **error_r);

#endif
