#ifndef BOUNCE_STR_H
#define BOUNCE_STR_H

/* String helpers the analysis shares: matching prefixes, folding white
   space within a byte budget */

/* Returns TRUE when str starts with one of the NULL-terminated
   prefixes */
bool bounce_str_begins_any(const char *str, const char *const *prefixes);

/* Appends text[0..len) to dest with each run of white space as one
   space, none leading or trailing, until dest holds max_len bytes */
void bounce_str_append_folded(string_t *dest, const char *text, size_t len,
			      size_t max_len);
#endif
