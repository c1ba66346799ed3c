/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

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

/* 2.4: typed settings, looked up for the Sieve instance's event, so that
   protocol and user filters apply. They are already checked: doveconf
   refuses a configuration with bad values. */
#include "settings.h"

int ext_backscatter_settings_load(const struct sieve_extension *ext,
				  pool_t pool ATTR_UNUSED,
				  const struct backscatter_settings **set_r,
				  const char **error_r)
{
	return settings_get(sieve_get_event(ext->svinst),
			    &backscatter_setting_parser_info, 0,
			    set_r, error_r);
}

void ext_backscatter_settings_free(const struct backscatter_settings **_set)
{
	const struct backscatter_settings *set = *_set;

	*_set = NULL;
	if (set != NULL && set != &backscatter_default_settings)
		settings_free(set);
}

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

void ext_backscatter_settings_free(const struct backscatter_settings **_set)
{
	/* allocated from the extension context's pool */
	*_set = NULL;
}

#endif
