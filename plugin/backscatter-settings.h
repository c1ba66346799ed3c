#ifndef BACKSCATTER_SETTINGS_H
#define BACKSCATTER_SETTINGS_H

/* The backscatter_* settings, read into one plain struct.

   This is the only module that knows how settings reach us. On Dovecot
   2.3 they are strings in the plugin {} block, which each host (Sieve,
   LMTP, CLI) fetches in its own way and hands in as a lookup function.
   Everything else reads struct backscatter_settings and nothing more. */

struct backscatter_settings {
	/* backscatter_analyze_max_size: bytes of a message the analyzer
	   reads at most */
	uoff_t analyze_max_size;
};

extern const struct backscatter_settings backscatter_default_settings;

/* Returns the raw string value of the named setting, or NULL when it is
   not set. */
typedef const char *
backscatter_setting_lookup_t(const char *name, void *context);

/* Reads every setting through lookup into a struct allocated from pool.
   Unset settings keep their defaults. Returns 0 on success, -1 with an
   error naming the setting and its bad value otherwise. */
int backscatter_settings_read(backscatter_setting_lookup_t *lookup,
			      void *context, pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r);

#endif
