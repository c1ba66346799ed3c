#ifndef EXT_BACKSCATTER_COMPAT_H
#define EXT_BACKSCATTER_COMPAT_H

/* The one seam between Pigeonhole 0.5 (Dovecot 2.3) and Pigeonhole 2.4.
   configure probes the installed headers (m4/backscatter-probes.m4); every
   #if on the API generation lives in this file, so the ext and tst files
   read the same on both. */

#include "backscatter-config.h"
#include "sieve-extensions.h"
#include "sieve-ext-variables.h"

#ifdef HAVE_DOVECOT_SETTINGS_GET

/* 2.4: load hooks report failure as -1; a failed extension load must
   leave its context NULL. */
typedef int ext_backscatter_plugin_load_result_t;
typedef int ext_backscatter_load_result_t;
#  define EXT_BACKSCATTER_PLUGIN_LOAD_OK 0
#  define EXT_BACKSCATTER_PLUGIN_LOAD_FAILED -1
#  define EXT_BACKSCATTER_LOAD_OK 0
#  define EXT_BACKSCATTER_LOAD_FAILED -1

static inline int
compat_sieve_extension_register(struct sieve_instance *svinst,
				const struct sieve_extension_def *def,
				bool load,
				const struct sieve_extension **ext_r)
{
	return sieve_extension_register(svinst, def, load, ext_r);
}

static inline int
compat_sieve_ext_variables_get_extension(struct sieve_instance *svinst,
					 const struct sieve_extension **ext_r)
{
	return sieve_ext_variables_get_extension(svinst, ext_r);
}

#else

/* 2.3: the plugin load hook cannot fail; the extension load hook returns
   a bool. */
typedef void ext_backscatter_plugin_load_result_t;
typedef bool ext_backscatter_load_result_t;
#  define EXT_BACKSCATTER_PLUGIN_LOAD_OK
#  define EXT_BACKSCATTER_PLUGIN_LOAD_FAILED
#  define EXT_BACKSCATTER_LOAD_OK TRUE
#  define EXT_BACKSCATTER_LOAD_FAILED FALSE

static inline int
compat_sieve_extension_register(struct sieve_instance *svinst,
				const struct sieve_extension_def *def,
				bool load,
				const struct sieve_extension **ext_r)
{
	*ext_r = sieve_extension_register(svinst, def, load);
	return *ext_r == NULL ? -1 : 0;
}

static inline int
compat_sieve_ext_variables_get_extension(struct sieve_instance *svinst,
					 const struct sieve_extension **ext_r)
{
	*ext_r = sieve_ext_variables_get_extension(svinst);
	return *ext_r == NULL ? -1 : 0;
}

#endif

#endif
