#ifndef SIEVE_BACKSCATTER_PLUGIN_H
#define SIEVE_BACKSCATTER_PLUGIN_H

/* The module interface of lib90_sieve_backscatter_plugin.so, loaded by
   Pigeonhole through sieve_plugins = sieve_backscatter. Pigeonhole's
   module loader looks these symbols up by name, so they are the only ones
   the module exports. */

#include "ext-backscatter-compat.h"

BACKSCATTER_EXPORT extern const char *sieve_backscatter_plugin_version;

BACKSCATTER_EXPORT ext_backscatter_plugin_load_result_t
sieve_backscatter_plugin_load(struct sieve_instance *svinst, void **context);
BACKSCATTER_EXPORT void
sieve_backscatter_plugin_unload(struct sieve_instance *svinst, void *context);

BACKSCATTER_EXPORT void sieve_backscatter_plugin_init(void);
BACKSCATTER_EXPORT void sieve_backscatter_plugin_deinit(void);

#endif
