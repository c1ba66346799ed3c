/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Dovecot 2.4: typed settings. This declaration is compiled into the
   plugins, which read it with settings_get(), and into the settings module,
   which tells the config process about it. */

#include "lib.h"
#include "settings-parser.h"
#include "bounce-analyzer.h"
#include "backscatter-settings.h"

#define DEF(type, name) \
	SETTING_DEFINE_STRUCT_##type("backscatter_"#name, name, \
				     struct backscatter_settings),

static const struct setting_define backscatter_setting_defines[] = {
	BACKSCATTER_SETTINGS(DEF)
	SETTING_DEFINE_LIST_END
};
#undef DEF

/* As backscatter_default_settings, but enums list their values, the
   default first, as the 2.4 settings parser wants them */
static const struct backscatter_settings backscatter_parser_defaults = {
	BACKSCATTER_DEFAULT_SETTINGS_COMMON,
	.sign_scheme = "bs1:prvs",
	.tag_form = "subaddress:prefix",
	.policy_unsigned = "dunno:reject",
};

static bool
backscatter_settings_check_func(void *set, pool_t pool,
				const char **error_r)
{
	return backscatter_settings_check(set, pool, error_r);
}

const struct setting_parser_info backscatter_setting_parser_info = {
	.name = "backscatter",
	.defines = backscatter_setting_defines,
	.defaults = &backscatter_parser_defaults,
	.struct_size = sizeof(struct backscatter_settings),
	.pool_offset1 = 1 + offsetof(struct backscatter_settings, pool),
	.check_func = backscatter_settings_check_func,
};
