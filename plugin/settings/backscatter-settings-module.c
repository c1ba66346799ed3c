/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* lib20_backscatter_settings.so (Dovecot 2.4): the config process loads
   every module of $moduledir/settings and learns the settings they declare,
   so that doveconf accepts, checks and documents backscatter_* settings
   even in processes that never load our plugins. */

#include "lib.h"
#include "backscatter-config.h"
#include "settings-parser.h"
#include "backscatter-settings.h"


BACKSCATTER_EXPORT extern const char *backscatter_settings_version;
BACKSCATTER_EXPORT extern const struct setting_parser_info *
	backscatter_settings_set_infos[];

const char *backscatter_settings_version = DOVECOT_ABI_VERSION;

const struct setting_parser_info *backscatter_settings_set_infos[] = {
	&backscatter_setting_parser_info,
	NULL
};
