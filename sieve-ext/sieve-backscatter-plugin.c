/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "pigeonhole-config.h"

#include "ext-backscatter-common.h"
#include "sieve-backscatter-plugin.h"

/* Checked by Dovecot's module loader against the running Pigeonhole */
const char *sieve_backscatter_plugin_version = PIGEONHOLE_ABI_VERSION;

ext_backscatter_plugin_load_result_t
sieve_backscatter_plugin_load(struct sieve_instance *svinst, void **context)
{
	const struct sieve_extension *ext;

	/* Registered, not enabled: like every vnd.* extension, admins
	   enable it with sieve_extensions (or sieve_global_extensions). */
	if (compat_sieve_extension_register(svinst, &backscatter_extension,
					    FALSE, &ext) < 0) {
		e_error(sieve_get_event(svinst),
			"%s: failed to register the extension",
			backscatter_extension.name);
		return EXT_BACKSCATTER_PLUGIN_LOAD_FAILED;
	}
	e_debug(sieve_get_event(svinst), "%s: plugin %s loaded",
		backscatter_extension.name, BACKSCATTER_VERSION);
	*context = (void *)ext;
	return EXT_BACKSCATTER_PLUGIN_LOAD_OK;
}

void sieve_backscatter_plugin_unload(struct sieve_instance *svinst ATTR_UNUSED,
				     void *context)
{
	const struct sieve_extension *ext = context;

	sieve_extension_unregister(ext);
}

void sieve_backscatter_plugin_init(void)
{
	/* Everything happens per Sieve instance, in _load */
}

void sieve_backscatter_plugin_deinit(void)
{
	/* The key cache stays: the module is linked with -z nodelete, so it
	   serves the next delivery of this process (see sieve-ext/Makefile.am) */
}
