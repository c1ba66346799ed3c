/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Dovecot 2.3: settings are strings of the plugin {} block. */

#include "lib.h"
#include "settings-parser.h"
#include "backscatter-settings.h"

enum backscatter_setting_type {
	BACKSCATTER_SET_SIZE,
	BACKSCATTER_SET_TIME,
	BACKSCATTER_SET_BOOL,
	BACKSCATTER_SET_STR,
	/* a string here; backscatter_settings_check() looks it up */
	BACKSCATTER_SET_ENUM,
};

/* Every setting: its name, type and place in the struct */
static const struct backscatter_setting_def {
	const char *name;
	enum backscatter_setting_type type;
	size_t offset;
} backscatter_setting_defs[] = {
#define DEF(type, name) \
	{ "backscatter_"#name, BACKSCATTER_SET_##type, \
	  offsetof(struct backscatter_settings, name) },
	BACKSCATTER_SETTINGS(DEF)
#undef DEF
};

static int
backscatter_setting_parse(const struct backscatter_setting_def *def,
			  const char *value, pool_t pool, void *dest,
			  const char **error_r)
{
	const char *error = NULL;
	int ret = 0;

	switch (def->type) {
	case BACKSCATTER_SET_SIZE:
		ret = settings_get_size(value, dest, &error);
		break;
	case BACKSCATTER_SET_TIME:
		ret = settings_get_time(value, dest, &error);
		break;
	case BACKSCATTER_SET_BOOL:
		if (strcasecmp(value, "yes") == 0)
			*(bool *)dest = TRUE;
		else if (strcasecmp(value, "no") == 0)
			*(bool *)dest = FALSE;
		else {
			error = t_strdup_printf("Invalid boolean value: "
						"%s (use yes or no)", value);
			ret = -1;
		}
		break;
	case BACKSCATTER_SET_STR:
	case BACKSCATTER_SET_ENUM:
		*(const char **)dest = p_strdup(pool, value);
		break;
	}
	if (ret < 0) {
		*error_r = t_strdup_printf("%s: %s", def->name, error);
		return -1;
	}
	return 0;
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

		if (value == NULL)
			continue;
		if (*value == '\0' && def->type != BACKSCATTER_SET_STR &&
		    def->type != BACKSCATTER_SET_ENUM)
			continue;
		if (backscatter_setting_parse(def, value, pool,
					      PTR_OFFSET(set, def->offset),
					      error_r) < 0)
			return -1;
	}
	if (!backscatter_settings_check(set, pool, error_r))
		return -1;
	*set_r = set;
	return 0;
}
