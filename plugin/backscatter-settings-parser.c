/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Dovecot 2.4: typed settings. This declaration is compiled into the
   plugins, which read it with settings_get(), and into the settings module,
   which tells the config process about it. */

#include "lib.h"
#include "settings-parser.h"
#include "backscatter-settings.h"

#undef DEF
#define DEF(type, name) \
	SETTING_DEFINE_STRUCT_##type("backscatter_"#name, name, \
				     struct backscatter_settings)

static const struct setting_define backscatter_setting_defines[] = {
	DEF(SIZE, analyze_max_size),

	SETTING_DEFINE_LIST_END
};

static bool
backscatter_settings_check_func(void *set, pool_t pool ATTR_UNUSED,
				const char **error_r)
{
	return backscatter_settings_check(set, error_r);
}

const struct setting_parser_info backscatter_setting_parser_info = {
	.name = "backscatter",
	.defines = backscatter_setting_defines,
	.defaults = &backscatter_default_settings,
	.struct_size = sizeof(struct backscatter_settings),
	.pool_offset1 = 1 + offsetof(struct backscatter_settings, pool),
	.check_func = backscatter_settings_check_func,
};
