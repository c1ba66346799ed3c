/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file */

/* How Pigeonhole hands settings to the extension. Part of the 2.3/2.4
   compat seam: the rest of the extension sees only the plain struct
   backscatter_settings. */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-settings.h"

#include "ext-backscatter-compat.h"
#include "ext-backscatter-common.h"

#ifdef HAVE_DOVECOT_SETTINGS_GET
#  error "Dovecot 2.4 settings are not wired up yet"
#else

/* 2.3: settings live in the plugin {} block, which Pigeonhole reads for
   us by name. */
static const char *
ext_backscatter_setting_lookup(const char *name, void *context)
{
	struct sieve_instance *svinst = context;

	return sieve_setting_get(svinst, name);
}

int ext_backscatter_settings_load(const struct sieve_extension *ext,
				  pool_t pool,
				  const struct backscatter_settings **set_r,
				  const char **error_r)
{
	return backscatter_settings_read(ext_backscatter_setting_lookup,
					 ext->svinst, pool, set_r, error_r);
}

#endif
