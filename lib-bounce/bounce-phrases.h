#ifndef BOUNCE_PHRASES_H
#define BOUNCE_PHRASES_H

/* Finding the first of many fixed phrases in a text in one pass.

   The reason table has some three hundred phrases; asking strstr() for
   each in turn read every diagnostic three hundred times. An index hashes
   each phrase by its first two bytes, so that one pass over the text
   only compares the phrases that could start at each position.

   Contract: the phrases live in a static table (an array of structs or of
   strings), at least two bytes long, and stay unchanged; the index is
   built on first use and lives as long as the process. Matching is
   byte-exact: lower-case both sides first for caseless matching. */

/* Most phrases one index holds */
#define BOUNCE_PHRASES_MAX 1024
#define BOUNCE_PHRASES_HASH_SIZE 4096

struct bounce_phrases {
	/* The phrases: count of them, stride bytes apart, from the one
	   table points to */
	const void *table;
	size_t stride;
	unsigned int count;

	bool built;
	/* 1 + index of the first phrase with that hash, 0 for none; the
	   chains run in table order */
	uint16_t head[BOUNCE_PHRASES_HASH_SIZE];
	uint16_t next[BOUNCE_PHRASES_MAX];
	unsigned int len[BOUNCE_PHRASES_MAX];
};

/* A static index over a static table of structs whose member field
   holds the phrase */
#define BOUNCE_PHRASES_INIT(table_, field) { \
	.table = &(table_)[0].field, \
	.stride = sizeof((table_)[0]), \
	.count = N_ELEMENTS(table_) }

/* Returns the index in the table of the first phrase (in table order)
   that occurs anywhere in text[0..len), or -1 when none does */
int bounce_phrases_find(struct bounce_phrases *phrases,
			const char *text, size_t len);

#endif
