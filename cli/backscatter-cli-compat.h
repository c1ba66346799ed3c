#ifndef BACKSCATTER_CLI_COMPAT_H
#define BACKSCATTER_CLI_COMPAT_H

/* The CLI's part of the Dovecot 2.3/2.4 seam: where lib functions moved
   between the two. (Settings differ more; see backscatter-settings.h.
   Reading JSON differs entirely: lib-bounce's bounce-json.c holds both.
   The Sieve, LMTP and submission glue have their own compat headers.) */

#include "backscatter-config.h"

/* json_append_escaped() */
#ifdef HAVE_JSON_GENERATOR_APPEND_ESCAPED
#  include "json-generator.h"
#else
#  include "json-parser.h"
#endif

#endif
