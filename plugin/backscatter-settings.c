/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* What both settings readers share: the defaults and the checks. */

#include "lib.h"
#include "bounce-analyzer.h"
#include "backscatter-settings.h"

const struct backscatter_settings backscatter_default_settings = {
	.analyze_max_size = BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE,
};

bool backscatter_settings_check(const struct backscatter_settings *set,
				const char **error_r)
{
	if (set->analyze_max_size == 0) {
		*error_r = "backscatter_analyze_max_size must be larger than 0";
		return FALSE;
	}
	return TRUE;
}
