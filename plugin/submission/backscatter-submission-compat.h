#ifndef BACKSCATTER_SUBMISSION_COMPAT_H
#define BACKSCATTER_SUBMISSION_COMPAT_H

/* The submission plugin's part of the 2.3/2.4 seam: where a submission
   client's event lives and how its settings are read. */

#include "backscatter-config.h"
#include "mail-user.h"
#include "submission-common.h"
#include "backscatter-settings.h"

/* The value of the user's userdb field name, or NULL when userdb did not
   return it. Both generations keep the userdb reply, "key=value" strings
   (uid, home and the extra fields), in mail_user.userdb_fields, so this
   reads the same on 2.3 and 2.4. Only userdb can set such a field: not
   the configuration files, where a value would apply to every user. */
static inline const char *
backscatter_submission_userdb_field(const struct mail_user *user,
				    const char *name)
{
	const char *const *field;
	size_t len = strlen(name);

	if (user->userdb_fields == NULL)
		return NULL;
	for (field = user->userdb_fields; *field != NULL; field++) {
		if (strncmp(*field, name, len) == 0 && (*field)[len] == '=')
			return *field + len + 1;
	}
	return NULL;
}

#ifdef HAVE_DOVECOT_SETTINGS_GET

#include "settings.h"

/* 2.4: the client has its own event */
static inline struct event *
backscatter_submission_client_event(struct client *client)
{
	return client->event;
}

/* 2.4: typed settings, for the user's event, so that protocol and
   userdb-provided values apply */
static inline int
backscatter_submission_settings_get(struct client *client,
				    pool_t pool ATTR_UNUSED,
				    const struct backscatter_settings **set_r,
				    const char **error_r)
{
	return settings_get(client->user->event,
			    &backscatter_setting_parser_info, 0,
			    set_r, error_r);
}

static inline void
backscatter_submission_settings_free(const struct backscatter_settings **_set)
{
	const struct backscatter_settings *set = *_set;

	*_set = NULL;
	settings_free(set);
}

#else

/* 2.3: struct client has no event; the user's has the session's
   log prefix */
static inline struct event *
backscatter_submission_client_event(struct client *client)
{
	return client->user->event;
}

/* 2.3: plugin {} strings of the user (protocol filters and userdb extra
   fields applied) */
static inline const char *
backscatter_submission_setting_lookup(const char *name, void *context)
{
	struct mail_user *user = context;

	return mail_user_plugin_getenv(user, name);
}

static inline int
backscatter_submission_settings_get(struct client *client, pool_t pool,
				    const struct backscatter_settings **set_r,
				    const char **error_r)
{
	return backscatter_settings_read(
		backscatter_submission_setting_lookup, client->user, pool,
		set_r, error_r);
}

static inline void
backscatter_submission_settings_free(const struct backscatter_settings **set)
{
	/* allocated from the command's pool */
	*set = NULL;
}

#endif

#endif
