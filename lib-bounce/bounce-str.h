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
/* Looks name up, ASCII case-insensitively, in names[0..count): the one
   lookup behind every name table of ours (kinds, reasons, verdicts, tag
   forms). Returns TRUE and the index. Inline: the settings module links
   no lib-bounce. */
static inline bool
bounce_str_table_lookup(const char *const *names, unsigned int count,
			const char *name, unsigned int *idx_r)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (names[i] != NULL && strcasecmp(name, names[i]) == 0) {
			*idx_r = i;
			return TRUE;
		}
	}
	return FALSE;
}

#endif
