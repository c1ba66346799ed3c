/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "istream.h"
#include "mail-storage.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-message.h"
#include "sieve-interpreter.h"
#include "sieve-runtime.h"

#include "bounce-analyzer.h"
#include "ext-backscatter-common.h"

struct ext_backscatter_message_context {
	/* NULL when the message could not be read */
	const struct bounce_report *report;
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

const struct bounce_report *
ext_backscatter_get_report(const struct sieve_runtime_env *renv,
			   const struct sieve_extension *ext)
{
	struct ext_backscatter_message_context *mctx;
	pool_t pool;

	mctx = (struct ext_backscatter_message_context *)
		sieve_message_context_extension_get(renv->msgctx, ext);
	if (mctx != NULL)
		return mctx->report;

	pool = sieve_message_context_pool(renv->msgctx);
	mctx = p_new(pool, struct ext_backscatter_message_context, 1);
	mctx->report = ext_backscatter_analyze(renv, ext, pool);
	sieve_message_context_extension_set(renv->msgctx, ext, mctx);
	return mctx->report;
}
