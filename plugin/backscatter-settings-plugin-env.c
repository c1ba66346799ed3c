/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Dovecot 2.3: settings are strings of the plugin {} block. */

#include "lib.h"
#include "settings-parser.h"
#include "backscatter-settings.h"

enum backscatter_setting_type {
	BACKSCATTER_SET_SIZE,
};

/* Every setting, once: its name, type and place in the struct. Keep in
   step with backscatter-settings-parser.c. */
static const struct backscatter_setting_def {
	const char *name;
	enum backscatter_setting_type type;
	size_t offset;
} backscatter_setting_defs[] = {
	{ "backscatter_analyze_max_size", BACKSCATTER_SET_SIZE,
	  offsetof(struct backscatter_settings, analyze_max_size) },
};

static int
backscatter_setting_parse(const struct backscatter_setting_def *def,
			  const char *value, void *dest,
			  const char **error_r)
{
	const char *error;

	switch (def->type) {
	case BACKSCATTER_SET_SIZE:
		if (settings_get_size(value, dest, &error) < 0) {
			*error_r = t_strdup_printf("%s: %s", def->name, error);
			return -1;
		}
		return 0;
	}
	i_unreached();
}

int backscatter_settings_read(backscatter_setting_lookup_t *lookup,
			      void *context, pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r)
{
	struct backscatter_settings *set;
	unsigned int i;

	set = p_new(pool, struct backscatter_settings, 1);
	*set = backscatter_default_settings;

	for (i = 0; i < N_ELEMENTS(backscatter_setting_defs); i++) {
		const struct backscatter_setting_def *def =
			&backscatter_setting_defs[i];
		const char *value = lookup(def->name, context);

		if (value == NULL || *value == '\0')
			continue;
		if (backscatter_setting_parse(def, value,
					      PTR_OFFSET(set, def->offset),
					      error_r) < 0)
			return -1;
	}
	if (!backscatter_settings_check(set, error_r))
		return -1;
	*set_r = set;
	return 0;
}
