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

   A tag says "this mailbox sent this", so a sender of the sign domains is
   signed only when the logged-in user may use it:
   - the login itself, when the username is an address;
   - an address or "@domain" of the user's userdb field
     backscatter_senders (addresses separated by spaces or commas, for
     shared and role addresses; "@example.com" for all of a domain);
   - either of these with a detail after a backscatter_tag_delimiter
     character (alice+lists@example.com for alice@example.com).
   Both parts compare case-insensitively: the tag's MAC covers the
   lower-cased address, so a tag for Alice@example.com is a tag for
   alice@example.com; telling them apart here would protect nothing.
   Another sender is relayed unsigned, with an info line naming the login
   and the sender. This plugin never refuses mail for it: who may send as
   whom is for Dovecot's and the MTA's own rules (e.g. Postfix's
   reject_sender_login_mismatch); this is only about what we sign.

   Signing never fails a transaction: a local part too long to tag, a
   missing key or broken settings are logged and the message is relayed
   unsigned. */

#include "lib.h"
#include "backscatter-config.h"
#include "ioloop.h"
#include "module-context.h"
#include "smtp-address.h"
#include "smtp-server.h"
#include "backscatter-submission-compat.h"
#include "backscatter-key-cache.h"
#include "backscatter-signer.h"
#include "backscatter-events.h"


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

/* The keys, from the process's key cache: a changed file counts at once,
   and an unusable one is logged once per change, not per message */
static const struct backscatter_keyring *
backscatter_submission_keyring(const struct backscatter_settings *set,
			       struct event *event)
{
	static bool unset_logged = FALSE;

	if (*set->key_file == '\0' && !unset_logged) {
		e_error(event, "backscatter_key_file is not set: "
			"relaying unsigned");
		unset_logged = TRUE;
	}
	return backscatter_key_cache_get(set->key_file, event);
}

/* TRUE when sender is the address localpart@domain, or it with a detail
   after one of the delimiters; ASCII case does not matter */
static bool
backscatter_submission_address_matches(const struct smtp_address *sender,
				       const char *localpart,
				       const char *domain,
				       const char *delimiters)
{
	size_t len = strlen(localpart);
	char next;

	if (len == 0 || strcasecmp(sender->domain, domain) != 0 ||
	    strncasecmp(sender->localpart, localpart, len) != 0)
		return FALSE;
	next = sender->localpart[len];
	return next == '\0' || strchr(delimiters, next) != NULL;
}

/* TRUE when an entry of list, the value of backscatter_senders, covers
   sender. Entries that are neither an address nor @domain are logged
   and cover nothing. */
static bool
backscatter_submission_listed(const char *list,
			      const struct smtp_address *sender,
			      const char *delimiters, struct event *event)
{
	const char *const *entries = t_strsplit_spaces(list, " \t,");
	struct smtp_address *address;
	const char *entry, *error;

	for (; *entries != NULL; entries++) {
		entry = *entries;
		error = NULL;
		if (entry[0] == '@') {
			/* a whole domain, but not its subdomains */
			if (entry[1] == '\0' || strchr(entry + 1, '@') != NULL)
				error = "no domain after the @";
			else if (strcasecmp(entry + 1, sender->domain) == 0)
				return TRUE;
		} else if (smtp_address_parse_mailbox(pool_datastack_create(),
						      entry, 0, &address,
						      &error) < 0) {
			/* error says why */
		} else if (address->domain == NULL) {
			error = "no domain";
		} else if (backscatter_submission_address_matches(
				sender, address->localpart, address->domain,
				delimiters)) {
			return TRUE;
		}
		if (error != NULL) {
			e_error(event, "userdb field backscatter_senders: "
				"'%s' is neither an address nor @domain "
				"(%s), ignored", entry, error);
		}
	}
	return FALSE;
}

/* TRUE when the logged-in user may have sender signed: the login's own
   address or one that userdb's backscatter_senders grants, with or
   without a detail */
static bool
backscatter_submission_may_sign(const struct backscatter_settings *set,
				const struct mail_user *user,
				const struct smtp_address *sender,
				struct event *event)
{
	struct smtp_address *own;
	const char *list, *error;

	/* A username without a domain ("alice") is no address: such logins
	   need their addresses in backscatter_senders */
	if (smtp_address_parse_username(pool_datastack_create(),
					user->username, &own, &error) == 0 &&
	    own->domain != NULL &&
	    backscatter_submission_address_matches(sender, own->localpart,
						   own->domain,
						   set->tag_delimiter))
		return TRUE;

	list = backscatter_submission_userdb_field(user,
						   "backscatter_senders");
	return list != NULL &&
		backscatter_submission_listed(list, sender,
					      set->tag_delimiter, event);
}

/* Returns the tagged sender, or NULL to relay it as it is. Each sender
   gets one backscatter_signed event (backscatter-events.h). */
static const struct smtp_address *
backscatter_submission_sign(const struct backscatter_settings *set,
			    const struct mail_user *user,
			    const struct smtp_address *sender,
			    struct event *parent)
{
	const struct backscatter_keyring *keyring = NULL;
	struct backscatter_signing signing;
	struct event *event;

	/* Only our senders need the keys, and only those the user may
	   use: read them once that is known */
	if (!smtp_address_isnull(sender) && sender->domain != NULL &&
	    backscatter_settings_is_sign_domain(set, sender->domain)) {
		if (!backscatter_submission_may_sign(set, user, sender,
						     parent)) {
			i_zero(&signing);
			signing.result = BACKSCATTER_SIGNER_UNSIGNED;
			signing.unsigned_reason =
				BACKSCATTER_UNSIGNED_NOT_USER_ADDRESS;
			event = backscatter_signed_event_create(parent,
				BACKSCATTER_SIGNER_SUBMISSION, sender,
				&signing);
			e_info(event, "MAIL FROM %s relayed unsigned: "
			       "not an address of user %s "
			       "(see backscatter_senders)",
			       smtp_address_encode_path(sender),
			       user->username);
			event_unref(&event);
			return NULL;
		}
		keyring = backscatter_submission_keyring(set, parent);
	}

	(void)backscatter_signer_sign(set, keyring, sender, ioloop_time,
				      &signing);
	event = backscatter_signed_event_create(parent,
		BACKSCATTER_SIGNER_SUBMISSION, sender, &signing);
	switch (signing.result) {
	case BACKSCATTER_SIGNER_SIGNED:
		e_debug(event, "MAIL FROM %s -> %s",
			smtp_address_encode_path(sender),
			smtp_address_encode_path(signing.tagged));
		break;
	case BACKSCATTER_SIGNER_SKIPPED:
		e_debug(event, "MAIL FROM %s left alone: %s",
			smtp_address_encode_path(sender), signing.reason);
		break;
	case BACKSCATTER_SIGNER_UNSIGNED:
		e_info(event, "MAIL FROM %s relayed unsigned: %s",
		       smtp_address_encode_path(sender), signing.reason);
		break;
	case BACKSCATTER_SIGNER_FAILED:
		/* The key file's state was logged already when there is
		   no keyring */
		if (keyring != NULL) {
			e_error(event, "MAIL FROM %s relayed unsigned: %s",
				smtp_address_encode_path(sender),
				signing.reason);
		} else {
			e_debug(event, "MAIL FROM %s relayed unsigned: %s",
				smtp_address_encode_path(sender),
				signing.reason);
		}
		break;
	}
	event_unref(&event);
	return signing.tagged;
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
		struct backscatter_signing signing = {
			.result = BACKSCATTER_SIGNER_FAILED,
			.unsigned_reason = BACKSCATTER_UNSIGNED_ERROR,
		};
		struct event *signed_event =
			backscatter_signed_event_create(event,
				BACKSCATTER_SIGNER_SUBMISSION, data->path,
				&signing);

		e_error(signed_event, "%s (relaying unsigned)", error);
		event_unref(&signed_event);
	} else {
		T_BEGIN {
			tagged = backscatter_submission_sign(set, client->user,
							     data->path, event);
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
	backscatter_key_cache_deinit();
}
