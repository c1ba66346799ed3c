#ifndef BACKSCATTER_LMTP_COMPAT_H
#define BACKSCATTER_LMTP_COMPAT_H

/* The LMTP plugin's part of the 2.3/2.4 seam: how settings reach an LMTP
   plugin before any user is known, and what must follow a change of the
   recipient's path. */

#include "backscatter-config.h"
#include "smtp-address.h"
#include "lmtp-common.h"
#include "lmtp-recipient.h"
#include "lda-settings.h"
#include "mail-user.h"
#include "backscatter-settings.h"

#ifdef HAVE_DOVECOT_SETTINGS_GET

#include "settings.h"

/* 2.4: typed settings, for the recipient's event, so that protocol,
   local and remote filters apply */
static inline int
backscatter_lmtp_settings_get(struct client *client ATTR_UNUSED,
			      struct event *event, pool_t pool ATTR_UNUSED,
			      const struct backscatter_settings **set_r,
			      const char **error_r)
{
	return settings_get(event, &backscatter_setting_parser_info, 0,
			    set_r, error_r);
}

static inline void
backscatter_lmtp_settings_free(const struct backscatter_settings **_set)
{
	const struct backscatter_settings *set = *_set;

	*_set = NULL;
	settings_free(set);
}

/* 2.4 takes the user name from the path in lmtp_recipient_create(),
   before cmd_rcpt: a new path must be parsed again */
static inline void
backscatter_lmtp_path_changed(struct client *client,
			      struct lmtp_recipient *lrcpt)
{
	struct smtp_server_recipient *rcpt = lrcpt->rcpt;
	const char *username, *detail;
	char delim = '\0';

	smtp_address_detail_parse_temp(client->lda_set->recipient_delimiter,
				       rcpt->path, &username, &delim, &detail);
	lrcpt->username = p_strdup(rcpt->pool, username);
	lrcpt->detail = p_strdup(rcpt->pool, detail);
	lrcpt->delim = delim;
	event_add_str(rcpt->event, "user", lrcpt->username);
}

#else

/* 2.3: plugin {} strings of the connection's settings (protocol, local
   and remote filters applied) */
static inline const char *
backscatter_lmtp_setting_lookup(const char *name, void *context)
{
	const struct mail_user_settings *user_set = context;

	return mail_user_set_plugin_getenv(user_set, name);
}

static inline int
backscatter_lmtp_settings_get(struct client *client,
			      struct event *event ATTR_UNUSED, pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r)
{
	return backscatter_settings_read(backscatter_lmtp_setting_lookup,
					 (void *)client->user_set, pool,
					 set_r, error_r);
}

static inline void
backscatter_lmtp_settings_free(const struct backscatter_settings **set)
{
	/* allocated from the recipient's pool */
	*set = NULL;
}

/* 2.3 parses the path in client_default_cmd_rcpt(), after us */
static inline void
backscatter_lmtp_path_changed(struct client *client ATTR_UNUSED,
			      struct lmtp_recipient *lrcpt ATTR_UNUSED)
{
}

#endif

#endif
