/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter_lmtp: the LMTP plugin (lib10_backscatter_lmtp_plugin.so).

   Return paths in subaddress form (alice+bs1=…@example.com) need nothing
   here: Dovecot's recipient_delimiter routes them. Prefix-form tags
   (bs1=…=alice@example.com, prvs=…=alice@example.com, BATV's syntax)
   would make the user lookup fail, so before it runs this plugin
   - keeps the tagged address as the original recipient (ORCPT), unless
     the MTA sent one that carries a tag itself, so that Sieve's
     returnpath test still sees the tag;
   - replaces the recipient's path by the untagged address.

   With backscatter_lmtp_reject = yes it also refuses, at RCPT, mail from
   the null sender (a bounce) whose tag is forged or expired: 550 5.7.1.
   Which tag counts is the engine's one rule
   (backscatter_verify_recipient()), the same as Sieve's, so a bounce
   Sieve would file as legitimate is never refused here. Mail with any
   other sender is never refused, nor anything whose verdict is unknown
   (no usable keys, a tag nothing ties to the mailbox). */

#include "lib.h"
#include "backscatter-config.h"
#include "ioloop.h"
#include "module-context.h"
#include "smtp-address.h"
#include "smtp-params.h"
#include "smtp-server.h"
#include "backscatter-lmtp-compat.h"
#include "backscatter-key-cache.h"
#include "backscatter-userdb.h"
#include "backscatter-verify.h"
#include "backscatter-events.h"


#define BACKSCATTER_LMTP_CONTEXT(obj) \
	MODULE_CONTEXT_REQUIRE(obj, backscatter_lmtp_client_module)

struct backscatter_lmtp_client {
	union lmtp_module_context module_ctx;
};

BACKSCATTER_EXPORT extern const char *backscatter_lmtp_plugin_version;
/* An array, not a pointer: the loader takes the symbol's address as the
   string */
BACKSCATTER_EXPORT extern const char
	backscatter_lmtp_plugin_binary_dependency[];
BACKSCATTER_EXPORT void backscatter_lmtp_plugin_init(struct module *module);
BACKSCATTER_EXPORT void backscatter_lmtp_plugin_deinit(void);

const char *backscatter_lmtp_plugin_version = DOVECOT_ABI_VERSION;
const char backscatter_lmtp_plugin_binary_dependency[] = "lmtp";

static MODULE_CONTEXT_DEFINE_INIT(backscatter_lmtp_client_module,
				  &lmtp_module_register);
static lmtp_client_created_func_t *next_hook_client_created;

static struct event_category event_category_backscatter_lmtp = {
	.parent = &event_category_lmtp,
	.name = "backscatter",
};

/* Returns TRUE when the RCPT must be refused: a bounce (null sender) to a
   forged or expired tag */
static bool
backscatter_lmtp_must_reject(struct smtp_server_recipient *rcpt,
			     const struct backscatter_settings *set,
			     struct event *event)
{
	struct smtp_server_transaction *trans;
	struct backscatter_tag_settings tag_set;
	struct backscatter_verification result;
	struct backscatter_userdb_owner owner;
	struct backscatter_recipient recipient;
	struct event *verdict_event;

	if (!set->lmtp_reject)
		return FALSE;
	/* rcpt->trans is not set until the RCPT is accepted */
	trans = smtp_server_connection_get_transaction(rcpt->conn);
	if (trans == NULL || !smtp_address_isnull(trans->mail_from))
		return FALSE;

	backscatter_settings_get_tag_settings(set, &tag_set);
	i_zero(&owner);
	owner.delivered = rcpt->path;
	owner.delimiters = tag_set.delimiters;
	owner.event = event;
	i_zero(&recipient);
	recipient.delivered = rcpt->path;
	recipient.orcpt = rcpt->params.orcpt.addr;
	recipient.owner_lookup = backscatter_userdb_owner_lookup;
	recipient.owner_context = &owner;
	backscatter_verify_recipient(
		backscatter_key_cache_get(set->key_file, event), &tag_set,
		&recipient, ioloop_time, pool_datastack_create(), &result);
	e_debug(event, "verdict %s: %s",
		backscatter_verdict_to_str(result.verdict),
		backscatter_verification_reason(&result));
	if (result.verdict != BACKSCATTER_VERDICT_FORGED &&
	    result.verdict != BACKSCATTER_VERDICT_EXPIRED)
		return FALSE;

	/* The delivery's one verdict: the message never reaches Sieve */
	verdict_event = backscatter_verdict_event_create(event,
		BACKSCATTER_TRIAGE_BOGUS,
		result.verdict == BACKSCATTER_VERDICT_FORGED ?
		BACKSCATTER_TRIAGE_CAUSE_TAG_FORGED :
		BACKSCATTER_TRIAGE_CAUSE_TAG_EXPIRED,
		&result, NULL, rcpt->path, BACKSCATTER_STAGE_LMTP);
	e_info(verdict_event, "rejecting bounce to %s: %s",
	       smtp_address_encode(rcpt->path),
	       backscatter_verification_reason(&result));
	event_unref(&verdict_event);
	return TRUE;
}

static void
backscatter_lmtp_untag(struct client *client, struct lmtp_recipient *lrcpt,
		       const struct backscatter_tag *tag,
		       const char *delimiters, struct event *event)
{
	struct smtp_server_recipient *rcpt = lrcpt->rcpt;
	const char *tagged = t_strdup(smtp_address_encode(rcpt->path));
	const struct smtp_address *orcpt = rcpt->params.orcpt.addr;
	struct backscatter_tag orcpt_tag;
	const char *error;
	/* An MTA's ORCPT with a tag of its own tells Sieve more than ours
	   could; an untagged one (an alias's) would hide the tag */
	bool keep_orcpt = orcpt != NULL &&
		backscatter_tag_parse(orcpt, delimiters, pool_datastack_create(),
				      &orcpt_tag, &error) != 0;

	if (!keep_orcpt) {
		smtp_params_rcpt_set_orcpt(&rcpt->params, rcpt->pool,
					   rcpt->path);
	}
	rcpt->path = smtp_address_create(rcpt->pool, tag->untagged.localpart,
					 tag->untagged.domain);
	backscatter_lmtp_path_changed(client, lrcpt);
	e_debug(event, "%s -> %s (ORCPT %s)", tagged,
		smtp_address_encode(rcpt->path),
		keep_orcpt ? "from the MTA kept" : "set to the tagged address");
}

static int
backscatter_lmtp_cmd_rcpt(struct client *client,
			  struct smtp_server_cmd_ctx *cmd,
			  struct lmtp_recipient *lrcpt)
{
	struct backscatter_lmtp_client *bclient =
		BACKSCATTER_LMTP_CONTEXT(client);
	struct smtp_server_recipient *rcpt = lrcpt->rcpt;
	const struct backscatter_settings *set;
	struct backscatter_tag tag;
	struct event *event;
	const char *error;
	bool reject = FALSE;
	int ret;

	event = event_create(rcpt->event);
	event_add_category(event, &event_category_backscatter_lmtp);
	event_set_append_log_prefix(event, "backscatter: ");

	if (backscatter_lmtp_settings_get(client, event, rcpt->pool, &set,
					  &error) < 0) {
		/* Without settings nothing is known about tags: deliver as
		   if the plugin were not there */
		e_error(event, "%s", error);
		event_unref(&event);
		return bclient->module_ctx.super.cmd_rcpt(client, cmd, lrcpt);
	}

	T_BEGIN {
		ret = backscatter_tag_parse(rcpt->path, set->tag_delimiter,
					    rcpt->pool, &tag, &error);
		/* a tag on the path or in the ORCPT */
		if (ret != 0 || rcpt->params.orcpt.addr != NULL) {
			reject = backscatter_lmtp_must_reject(rcpt, set,
							      event);
		}
		if (!reject && ret > 0 &&
		    tag.form == BACKSCATTER_TAG_FORM_PREFIX)
			backscatter_lmtp_untag(client, lrcpt, &tag,
					       set->tag_delimiter, event);
	} T_END;
	backscatter_lmtp_settings_free(&set);
	event_unref(&event);

	if (reject) {
		smtp_server_recipient_reply(rcpt, 550, "5.7.1",
			"Bounce to a forged or expired return-path tag: "
			"this address sent no such message");
		return -1;
	}
	return bclient->module_ctx.super.cmd_rcpt(client, cmd, lrcpt);
}

static void backscatter_lmtp_client_created(struct client **clientp)
{
	struct client *client = *clientp;
	struct backscatter_lmtp_client *bclient;

	bclient = p_new(client->pool, struct backscatter_lmtp_client, 1);
	MODULE_CONTEXT_SET(client, backscatter_lmtp_client_module, bclient);
	bclient->module_ctx.super = client->v;
	client->v.cmd_rcpt = backscatter_lmtp_cmd_rcpt;

	if (next_hook_client_created != NULL)
		next_hook_client_created(clientp);
}

void backscatter_lmtp_plugin_init(struct module *module ATTR_UNUSED)
{
	next_hook_client_created =
		lmtp_client_created_hook_set(backscatter_lmtp_client_created);
}

void backscatter_lmtp_plugin_deinit(void)
{
	lmtp_client_created_hook_set(next_hook_client_created);
	backscatter_key_cache_deinit();
}
