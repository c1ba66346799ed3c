/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* Extension vnd.backscatter
 * -------------------------
 *
 * Authors: dovecot-backscatter authors
 * Specification: vendor-defined; see docs/vnd.backscatter.md
 * Implementation: backscatter, bounce, dsn and returnpath tests;
 *   bounce. variables
 * Status: experimental
 *
 */

#include "lib.h"

#include "sieve-common.h"
#include "sieve-extensions.h"
#include "sieve-validator.h"
#include "sieve-generator.h"

#include "ext-backscatter-compat.h"
#include "ext-backscatter-common.h"

/*
 * Extension
 */

static ext_backscatter_load_result_t
ext_backscatter_load(const struct sieve_extension *ext, void **context_r);
static void ext_backscatter_unload(const struct sieve_extension *ext);
static bool
ext_backscatter_validator_load(const struct sieve_extension *ext,
			       struct sieve_validator *valdtr);
static bool
ext_backscatter_generator_load(const struct sieve_extension *ext,
			       const struct sieve_codegen_env *cgenv);

static const struct sieve_operation_def *ext_backscatter_operations[] = {
	&bounce_operation,
	&returnpath_operation,
	&dsn_operation,
	&backscatter_operation,
};

const struct sieve_extension_def backscatter_extension = {
	.name = "vnd.backscatter",
	/* 3: the dsn test and the bounce. namespace; 4: the backscatter
	   test and ${bounce.verdict} */
	.version = 4,
	.load = ext_backscatter_load,
	.unload = ext_backscatter_unload,
	.validator_load = ext_backscatter_validator_load,
	.generator_load = ext_backscatter_generator_load,
	SIEVE_EXT_DEFINE_OPERATIONS(ext_backscatter_operations),
	SIEVE_EXT_DEFINE_OPERAND(bounce_namespace_operand),
};

/*
 * Load and unload
 */

static void
ext_backscatter_context_free(struct ext_backscatter_context **_extctx)
{
	struct ext_backscatter_context *extctx = *_extctx;

	if (extctx == NULL)
		return;
	*_extctx = NULL;
	ext_backscatter_settings_free(&extctx->set);
	pool_unref(&extctx->pool);
}

static ext_backscatter_load_result_t
ext_backscatter_load(const struct sieve_extension *ext, void **context_r)
{
	struct ext_backscatter_context *extctx = *context_r;
	const struct sieve_extension *var_ext;
	const char *error;
	pool_t pool;

	/* A reload replaces the old context */
	ext_backscatter_context_free(&extctx);
	*context_r = NULL;

	/* variables is built into Pigeonhole: this only fails when the
	   instance itself is broken */
	if (compat_sieve_ext_variables_get_extension(ext->svinst,
						     &var_ext) < 0) {
		e_error(sieve_get_event(ext->svinst),
			"%s: the variables extension is not available",
			sieve_extension_name(ext));
		return EXT_BACKSCATTER_LOAD_FAILED;
	}

	pool = pool_alloconly_create("vnd.backscatter", 1024);
	extctx = p_new(pool, struct ext_backscatter_context, 1);
	extctx->pool = pool;
	extctx->var_ext = var_ext;
	if (ext_backscatter_settings_load(ext, pool, &extctx->set,
					  &error) < 0) {
		/* Degrade, as spamtest does: a typo in the configuration
		   must not make every user's script fail to compile. The
		   defaults are safe; the error tells the admin. */
		e_error(sieve_get_event(ext->svinst), "%s: %s (using defaults)",
			sieve_extension_name(ext), error);
		extctx->set = &backscatter_default_settings;
	}
	backscatter_settings_get_tag_settings(extctx->set, &extctx->tag_set);
	*context_r = extctx;
	return EXT_BACKSCATTER_LOAD_OK;
}

static void ext_backscatter_unload(const struct sieve_extension *ext)
{
	struct ext_backscatter_context *extctx = ext->context;

	ext_backscatter_context_free(&extctx);
}

/*
 * Validator
 */

static bool
ext_backscatter_validator_load(const struct sieve_extension *ext,
			       struct sieve_validator *valdtr)
{
	sieve_validator_register_command(valdtr, ext, &bounce_test);
	sieve_validator_register_command(valdtr, ext, &dsn_test);
	sieve_validator_register_command(valdtr, ext, &returnpath_test);
	sieve_validator_register_command(valdtr, ext, &backscatter_test);
	ext_backscatter_variables_register(ext, valdtr);
	return TRUE;
}

/*
 * Code generation
 */

static bool
ext_backscatter_generator_load(const struct sieve_extension *ext,
			       const struct sieve_codegen_env *cgenv)
{
	return ext_backscatter_variables_generator_load(ext, cgenv);
}
