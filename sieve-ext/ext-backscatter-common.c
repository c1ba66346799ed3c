/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "smtp-address.h"
#include "mail-storage.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-message.h"
#include "sieve-interpreter.h"
#include "sieve-runtime.h"

#include "bounce-analyzer.h"
#include "backscatter-keys.h"
#include "ext-backscatter-common.h"

struct ext_backscatter_message_context {
	/* The analysis, once done; report is NULL when the message could
	   not be read */
	bool analyzed;
	const struct bounce_report *report;

	/* The return-path verdict, once judged */
	const struct backscatter_verification *verification;
	const struct smtp_address *recipient;
};

static const struct bounce_report *
ext_backscatter_analyze(const struct sieve_runtime_env *renv,
			const struct sieve_extension *ext, pool_t pool)
{
	const struct ext_backscatter_context *extctx = ext->context;
	struct bounce_analyzer_settings analyzer_set = {
		.max_read_size = extctx->set->analyze_max_size,
	};
	struct mail *mail = sieve_message_get_mail(renv->msgctx);
	struct bounce_report *report;
	struct istream *input;
	const char *error;
	int ret;

	if (mail_get_stream(mail, NULL, NULL, &input) < 0) {
		e_error(renv->event, "%s: failed to read message: %s",
			sieve_extension_name(ext),
			mailbox_get_last_internal_error(mail->box, NULL));
		return NULL;
	}
	T_BEGIN {
		ret = bounce_analyze(input, &analyzer_set, pool, &report,
				     &error);
		if (ret < 0) {
			e_error(renv->event,
				"%s: failed to analyze message: %s",
				sieve_extension_name(ext), error);
		} else {
			e_debug(renv->event, "%s: message analysed: "
				"kind=%s%s", sieve_extension_name(ext),
				bounce_kind_to_str(report->kind),
				report->truncated ? " (read limit reached)" :
				"");
		}
	} T_END;
	return ret < 0 ? NULL : report;
}

static struct ext_backscatter_message_context *
ext_backscatter_message_context(const struct sieve_runtime_env *renv,
				const struct sieve_extension *ext)
{
	struct ext_backscatter_message_context *mctx;
	pool_t pool;

	mctx = (struct ext_backscatter_message_context *)
		sieve_message_context_extension_get(renv->msgctx, ext);
	if (mctx == NULL) {
		pool = sieve_message_context_pool(renv->msgctx);
		mctx = p_new(pool, struct ext_backscatter_message_context, 1);
		sieve_message_context_extension_set(renv->msgctx, ext, mctx);
	}
	return mctx;
}

const struct bounce_report *
ext_backscatter_get_report(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext)
{
	struct ext_backscatter_message_context *mctx =
		ext_backscatter_message_context(renv, ext);

	if (!mctx->analyzed) {
		mctx->report = ext_backscatter_analyze(renv, ext,
			sieve_message_context_pool(renv->msgctx));
		mctx->analyzed = TRUE;
	}
	return mctx->report;
}

/*
 * Return-path verification
 */

static const struct backscatter_keyring *
ext_backscatter_get_keyring(const struct sieve_extension *ext,
			    struct event *event)
{
	struct ext_backscatter_context *extctx = ext->context;
	const char *path = extctx->set->key_file, *error;

	if (extctx->keyring_read)
		return extctx->keyring;
	extctx->keyring_read = TRUE;

	if (*path == '\0') {
		e_debug(event, "%s: backscatter_key_file is not set: "
			"return-path verdicts are unknown",
			sieve_extension_name(ext));
		return NULL;
	}
	if (backscatter_keyring_read(path, &extctx->keyring, &error) < 0) {
		/* Every verdict is then unknown, which files nothing as
		   bogus; the admin gets one error per Sieve instance */
		e_error(event, "%s: backscatter_key_file: %s "
			"(return-path verdicts are unknown)",
			sieve_extension_name(ext), error);
		extctx->keyring = NULL;
	}
	return extctx->keyring;
}

void ext_backscatter_keyring_free(struct ext_backscatter_context *extctx)
{
	backscatter_keyring_free(&extctx->keyring);
	extctx->keyring_read = FALSE;
}

/* The recipient whose tag counts: the original one (ORCPT, which MTAs
   pass on when they rewrite the recipient), unless it carries no tag */
static const struct smtp_address *
ext_backscatter_tagged_recipient(const struct sieve_runtime_env *renv,
				 const struct sieve_extension *ext)
{
	const struct ext_backscatter_context *extctx = ext->context;
	const struct smtp_address *orig, *final;
	struct backscatter_tag tag;
	const char *error;

	orig = sieve_message_get_orig_recipient(renv->msgctx);
	final = sieve_message_get_final_recipient(renv->msgctx);
	if (orig == NULL)
		return final;
	if (final == NULL || smtp_address_equals(orig, final))
		return orig;
	if (backscatter_tag_parse(orig, extctx->tag_set.delimiters,
				  pool_datastack_create(), &tag, &error) != 0)
		return orig;
	if (backscatter_tag_parse(final, extctx->tag_set.delimiters,
				  pool_datastack_create(), &tag, &error) != 0)
		return final;
	return orig;
}

const struct backscatter_verification *
ext_backscatter_get_verification(const struct sieve_runtime_env *renv,
				 const struct sieve_extension *ext,
				 const struct smtp_address **recipient_r)
{
	struct ext_backscatter_context *extctx = ext->context;
	struct ext_backscatter_message_context *mctx =
		ext_backscatter_message_context(renv, ext);
	struct backscatter_verification *verification;
	const struct backscatter_keyring *keyring;
	pool_t pool = sieve_message_context_pool(renv->msgctx);

	if (mctx->verification == NULL) {
		keyring = ext_backscatter_get_keyring(ext, renv->event);
		verification = p_new(pool, struct backscatter_verification, 1);
		T_BEGIN {
			mctx->recipient = smtp_address_clone(pool,
				ext_backscatter_tagged_recipient(renv, ext));
			backscatter_verify(keyring, &extctx->tag_set,
					   mctx->recipient, ioloop_time, pool,
					   verification);
		} T_END;
		mctx->verification = verification;
	}
	*recipient_r = mctx->recipient;
	return mctx->verification;
}
