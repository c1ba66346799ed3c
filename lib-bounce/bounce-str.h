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

/* Returns names[first..count) joined by ", ", skipping the unnamed
   ones: the list an error message offers for a name it did not know.
   Allocated from the data stack. */
const char *bounce_str_table_join(const char *const *names,
				  unsigned int first, unsigned int count);

/* Defines the pair of functions every enum with a name table has:

     const char *PREFIX_to_str(TYPE value);
       the name of value, which must be below count;
     bool PREFIX_from_str(const char *name, TYPE *value_r);
       the value name names, ASCII case-insensitively, or FALSE.

   names[] maps each value to its name (designated initialisers). The
   prototypes and their contract stay in the module's own header. */
#define BOUNCE_STR_TABLE_DEFINE(prefix, type, names, count) \
const char *prefix##_to_str(type value) \
{ \
	i_assert((unsigned int)value < (count)); \
	return (names)[value]; \
} \
bool prefix##_from_str(const char *name, type *value_r) \
{ \
	unsigned int idx; \
\
	if (!bounce_str_table_lookup((names), (count), name, &idx)) \
		return FALSE; \
	*value_r = (type)idx; \
	return TRUE; \
}

#endif
