/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter_submission: the submission plugin
   (lib10_backscatter_submission_plugin.so).

   Before Dovecot's submission service relays a message, this plugin
   replaces the MAIL FROM of the authenticated user by the tagged address,
   with the scheme and form of the settings, so that bounces to it can be
   told from backscatter. backscatter_signer_sign() decides what is
   signed: the null sender, other domains than backscatter_sign_domains
   and tagged addresses are relayed as they are.

   Signing never fails a transaction: a local part too long to tag, a
   missing key or broken settings are logged and the message is relayed
   unsigned. */

#include "lib.h"
#include "ioloop.h"
#include "module-context.h"
#include "smtp-address.h"
#include "smtp-server.h"
#include "backscatter-submission-compat.h"
#include "backscatter-keys.h"
#include "backscatter-signer.h"

#define BACKSCATTER_EXPORT __attribute__((visibility("default")))

#define BACKSCATTER_SUBMISSION_CONTEXT(obj) \
	MODULE_CONTEXT_REQUIRE(obj, backscatter_submission_client_module)

struct backscatter_submission_client {
	union submission_module_context module_ctx;
};

BACKSCATTER_EXPORT extern const char *backscatter_submission_plugin_version;
/* An array, not a pointer: the loader takes the symbol's address as the
   string */
BACKSCATTER_EXPORT extern const char
	backscatter_submission_plugin_binary_dependency[];
BACKSCATTER_EXPORT void
backscatter_submission_plugin_init(struct module *module);
BACKSCATTER_EXPORT void backscatter_submission_plugin_deinit(void);

const char *backscatter_submission_plugin_version = DOVECOT_ABI_VERSION;
const char backscatter_submission_plugin_binary_dependency[] = "submission";

static MODULE_CONTEXT_DEFINE_INIT(backscatter_submission_client_module,
				  &submission_module_register);
static submission_client_created_func_t *next_hook_client_created;

/* The keys, read for each MAIL that is ours to sign: the file is small,
   and a changed file counts at once without any reload */
static struct backscatter_keyring *
backscatter_submission_keyring_read(const struct backscatter_settings *set,
				    struct event *event)
{
	struct backscatter_keyring *keyring;
	const char *error;

	if (*set->key_file == '\0') {
		e_error(event, "backscatter_key_file is not set: "
			"relaying unsigned");
		return NULL;
	}
	if (backscatter_keyring_read(set->key_file, &keyring, &error) < 0) {
		e_error(event, "backscatter_key_file: %s (relaying unsigned)",
			error);
		return NULL;
	}
	return keyring;
}

/* Returns the tagged sender, or NULL to relay it as it is */
static const struct smtp_address *
backscatter_submission_sign(const struct backscatter_settings *set,
			    const struct smtp_address *sender,
			    struct event *event)
{
	struct backscatter_keyring *keyring = NULL;
	const struct smtp_address *tagged = NULL;
	const char *reason;

	/* Only our senders need the keys: read them once that is known */
	if (!smtp_address_isnull(sender) && sender->domain != NULL &&
	    backscatter_settings_is_sign_domain(set, sender->domain))
		keyring = backscatter_submission_keyring_read(set, event);

	switch (backscatter_signer_sign(set, keyring, sender, ioloop_time,
					&tagged, &reason)) {
	case BACKSCATTER_SIGNER_SIGNED:
		e_debug(event, "MAIL FROM %s -> %s",
			smtp_address_encode_path(sender),
			smtp_address_encode_path(tagged));
		break;
	case BACKSCATTER_SIGNER_SKIPPED:
		e_debug(event, "MAIL FROM %s left alone: %s",
			smtp_address_encode_path(sender), reason);
		break;
	case BACKSCATTER_SIGNER_UNSIGNED:
		e_info(event, "MAIL FROM %s relayed unsigned: %s",
		       smtp_address_encode_path(sender), reason);
		break;
	case BACKSCATTER_SIGNER_FAILED:
		/* The key file error was logged already when there is no
		   keyring */
		if (keyring != NULL) {
			e_error(event, "MAIL FROM %s relayed unsigned: %s",
				smtp_address_encode_path(sender), reason);
		}
		break;
	}
	backscatter_keyring_free(&keyring);
	return tagged;
}

static int
backscatter_submission_cmd_mail(struct client *client,
				struct smtp_server_cmd_ctx *cmd,
				struct smtp_server_cmd_mail *data)
{
	struct backscatter_submission_client *bclient =
		BACKSCATTER_SUBMISSION_CONTEXT(client);
	const struct backscatter_settings *set;
	const struct smtp_address *tagged;
	struct event *event;
	const char *error;

	event = event_create(backscatter_submission_client_event(client));
	event_set_append_log_prefix(event, "backscatter: ");

	if (backscatter_submission_settings_get(client, cmd->pool, &set,
						&error) < 0) {
		e_error(event, "%s (relaying unsigned)", error);
	} else {
		T_BEGIN {
			tagged = backscatter_submission_sign(set, data->path,
							     event);
			/* The command's pool outlives the relay's MAIL,
			   which copies the path */
			if (tagged != NULL) {
				data->path = smtp_address_clone(cmd->pool,
								tagged);
			}
		} T_END;
		backscatter_submission_settings_free(&set);
	}
	event_unref(&event);
	return bclient->module_ctx.super.cmd_mail(client, cmd, data);
}

static void backscatter_submission_client_created(struct client **clientp)
{
	struct client *client = *clientp;
	struct backscatter_submission_client *bclient;

	bclient = p_new(client->pool, struct backscatter_submission_client, 1);
	MODULE_CONTEXT_SET(client, backscatter_submission_client_module,
			   bclient);
	bclient->module_ctx.super = client->v;
	client->v.cmd_mail = backscatter_submission_cmd_mail;

	if (next_hook_client_created != NULL)
		next_hook_client_created(clientp);
}

void backscatter_submission_plugin_init(struct module *module ATTR_UNUSED)
{
	next_hook_client_created = submission_client_created_hook_set(
		backscatter_submission_client_created);
}

void backscatter_submission_plugin_deinit(void)
{
	submission_client_created_hook_set(next_hook_client_created);
}
