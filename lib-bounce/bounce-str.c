/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "str.h"
#include "unichar.h"
#include "bounce-str.h"

#include <ctype.h>

bool bounce_str_begins_any(const char *str, const char *const *prefixes)
{
	for (; *prefixes != NULL; prefixes++) {
		if (strncmp(str, *prefixes, strlen(*prefixes)) == 0)
			return TRUE;
	}
	return FALSE;
}

void bounce_str_append_folded(string_t *dest, const char *text, size_t len,
			      size_t max_len)
{
	const char *p = text, *end = text + len, *word;
	size_t start_len = str_len(dest);

	while (p < end && str_len(dest) < max_len) {
		while (p < end && i_isspace(*p))
			p++;
		for (word = p; p < end && !i_isspace(*p); p++) ;
		if (word == p)
			break;
		if (str_len(dest) > start_len)
			str_append_c(dest, ' ');
		/* cut between characters, not within one */
		str_append_data(dest, word,
			uni_utf8_data_truncate((const unsigned char *)word,
					       p - word, max_len -
					       I_MIN(max_len, str_len(dest))));
	}
}

const char *bounce_str_table_join(const char *const *names,
				  unsigned int first, unsigned int count)
{
	string_t *str = t_str_new(128);
	unsigned int i;

	for (i = first; i < count; i++) {
		if (names[i] == NULL)
			continue;
		if (str_len(str) > 0)
			str_append(str, ", ");
		str_append(str, names[i]);
	}
	return str_c(str);
}
