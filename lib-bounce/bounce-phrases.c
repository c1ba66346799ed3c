/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "bounce-phrases.h"

#define PHRASE_HASH(p) \
	((((unsigned char)(p)[0] << 5) ^ (unsigned char)(p)[1]) & \
	 (BOUNCE_PHRASES_HASH_SIZE - 1))

static const char *
phrase_at(const struct bounce_phrases *phrases, unsigned int idx)
{
	return *(const char *const *)CONST_PTR_OFFSET(phrases->table,
						      idx * phrases->stride);
}

static void bounce_phrases_build(struct bounce_phrases *phrases)
{
	unsigned int i, hash;
	const char *phrase;

	i_assert(phrases->count <= BOUNCE_PHRASES_MAX);
	/* pushed in reverse, so that each chain is in table order */
	for (i = phrases->count; i > 0; i--) {
		phrase = phrase_at(phrases, i - 1);
		phrases->len[i - 1] = strlen(phrase);
		i_assert(phrases->len[i - 1] >= 2);
		hash = PHRASE_HASH(phrase);
		phrases->next[i - 1] = phrases->head[hash];
		phrases->head[hash] = i;
	}
	phrases->built = TRUE;
}

int bounce_phrases_find(struct bounce_phrases *phrases,
			const char *text, size_t len)
{
	unsigned int best = UINT_MAX, idx, entry;
	size_t pos;

	if (!phrases->built)
		bounce_phrases_build(phrases);
	for (pos = 0; pos + 1 < len && best > 0; pos++) {
		entry = phrases->head[PHRASE_HASH(text + pos)];
		for (; entry != 0; entry = phrases->next[entry - 1]) {
			idx = entry - 1;
			if (idx >= best)
				break;
			if (phrases->len[idx] <= len - pos &&
			    memcmp(text + pos, phrase_at(phrases, idx),
				   phrases->len[idx]) == 0) {
				best = idx;
				break;
			}
		}
	}
	return best == UINT_MAX ? -1 : (int)best;
}
