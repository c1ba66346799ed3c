/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter sign and backscatter verify: tags on the command line. */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "unichar.h"
#include "smtp-address.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-verify.h"
#include "backscatter-settings.h"
#include "backscatter-cli-compat.h"
#include "backscatter-cli.h"

#include <getopt.h>
#include <time.h>

void cli_tag_deinit(struct cli_tag_context *ctx)
{
	backscatter_keyring_free(&ctx->keyring);
	pool_unref(&ctx->pool);
}

int cli_tag_init(struct cli_tag_context *ctx, const char *config_path,
		 const char *key_file)
{
	const char *error;

	i_zero(ctx);
	ctx->pool = pool_alloconly_create("backscatter cli", 1024);
	if (config_path == NULL)
		ctx->set = &backscatter_default_settings;
	else if (cli_config_read(config_path, ctx->pool, &ctx->set,
				 &error) < 0) {
		cli_error("%s", error);
		cli_tag_deinit(ctx);
		return -1;
	}
	backscatter_settings_get_tag_settings(ctx->set, &ctx->tag_set);

	ctx->key_file = key_file != NULL ? key_file : ctx->set->key_file;
	if (*ctx->key_file != '\0' &&
	    backscatter_keyring_read(ctx->key_file, &ctx->keyring,
				     &error) < 0) {
		cli_error("%s", error);
		cli_tag_deinit(ctx);
		return -1;
	}
	return 0;
}

int cli_address_parse(const char *arg, bool lenient,
		      const struct smtp_address **address_r,
		      const char **error_r)
{
	enum smtp_address_parse_flags flags =
		SMTP_ADDRESS_PARSE_FLAG_BRACKETS_OPTIONAL;
	struct smtp_address *address;

	if (lenient) {
		flags |= SMTP_ADDRESS_PARSE_FLAG_ALLOW_LOCALPART |
			SMTP_ADDRESS_PARSE_FLAG_ALLOW_BAD_LOCALPART;
	}
	if (smtp_address_parse_path(pool_datastack_create(), arg, flags,
				    &address, error_r) < 0)
		return -1;
	*address_r = address;
	return 0;
}

/*
 * sign
 */

static const struct option cli_sign_options[] = {
	CLI_COMMON_OPTION_KEY_FILE,
	CLI_COMMON_OPTION_CONFIG,
	CLI_COMMON_OPTION_NOW,
	{ "form", required_argument, NULL, 'f' },
	{ "scheme", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};


/* Signs one address and prints the result. Returns TRUE when it was
   signed. */
static bool
cli_sign_address(struct cli_tag_context *ctx, enum backscatter_scheme scheme,
		 enum backscatter_tag_form form, const char *arg, time_t now)
{
	const struct smtp_address *address, *tagged;
	const char *error, *reason;
	int ret;

	if (cli_address_parse(arg, FALSE, &address, &error) < 0) {
		reason = t_strdup_printf("bad address syntax: %s", error);
		ret = 0;
	} else {
		ret = backscatter_sign(ctx->keyring, &ctx->tag_set, scheme,
				       form, address, now, &tagged, &reason);
	}
	if (ret > 0) {
		printf("%s\n", smtp_address_encode(tagged));
		return TRUE;
	}
	/* ret < 0: no key serves the address's domain (per-domain keys);
	   it stays unsigned like any other */
	printf("%s\n", str_sanitize(arg, SIZE_MAX));
	cli_error("%s: left unsigned: %s", str_sanitize(arg, 256), reason);
	return FALSE;
}

/* Is a key of the scheme active that day, for any domain? Without one
   the key file is the problem; without one for an address's domain,
   that address is (it stays unsigned). */
static bool
cli_keyring_has_active_key(const struct backscatter_keyring *keyring,
			   enum backscatter_scheme scheme, unsigned int today)
{
	const struct backscatter_key *keys;
	unsigned int i, count;

	keys = backscatter_keyring_keys(keyring, &count);
	for (i = 0; i < count; i++) {
		if (keys[i].scheme == scheme && keys[i].created_day <= today &&
		    (keys[i].retired_day == 0 || today < keys[i].retired_day))
			return TRUE;
	}
	return FALSE;
}

int cli_sign(int argc, char *argv[])
{
	struct cli_tag_context ctx;
	struct cli_common_options opts;
	const char *scheme_name = NULL, *form_name = NULL;
	enum backscatter_scheme scheme = BACKSCATTER_SCHEME_BS1;
	enum backscatter_tag_form form = BACKSCATTER_TAG_FORM_SUBADDRESS;
	int c, ret;

	cli_common_options_init(&opts);

	while ((c = getopt_long(argc, argv, "k:c:f:s:n:h", cli_sign_options,
				NULL)) != -1) {
		if ((ret = cli_common_option("sign", c, optarg, &opts)) != 0) {
			if (ret < 0)
				return CLI_EXIT_ERROR;
			continue;
		}
		switch (c) {
		case 'f':
			form_name = optarg;
			break;
		case 's':
			scheme_name = optarg;
			break;
		default:
			/* -h, or an option getopt refused */
			return cli_help_option("sign", c);
		}
	}
	if (scheme_name != NULL &&
	    !backscatter_scheme_from_str(scheme_name, &scheme)) {
		return cli_usage_error("sign", "unknown scheme '%s' "
				       "(use bs1 or prvs)", scheme_name);
	}
	if (form_name != NULL &&
	    !backscatter_tag_form_from_str(form_name, &form)) {
		return cli_usage_error("sign", "unknown form '%s' "
				       "(use subaddress or prefix)", form_name);
	}
	if (optind >= argc)
		return cli_usage_error("sign", "no address given");

	if (cli_tag_init(&ctx, opts.config_path, opts.key_file) < 0)
		return CLI_EXIT_ERROR;
	if (scheme_name == NULL)
		scheme = ctx.set->parsed.sign_scheme;
	if (form_name == NULL)
		form = ctx.set->parsed.tag_form;

	/* Without a key nothing can be signed: that is the configuration's
	   fault, not the addresses' */
	ret = CLI_EXIT_OK;
	if (ctx.keyring == NULL) {
		cli_error("no key file: give -k KEYFILE, or -c CONFIG with "
			  "backscatter_key_file set");
		ret = CLI_EXIT_ERROR;
	} else if (!cli_keyring_has_active_key(ctx.keyring, scheme,
					       backscatter_day_of(opts.now))) {
		cli_error("%s: no active %s key to sign with", ctx.key_file,
			  backscatter_scheme_to_str(scheme));
		ret = CLI_EXIT_ERROR;
	}
	for (; ret != CLI_EXIT_ERROR && optind < argc; optind++) T_BEGIN {
		if (!cli_sign_address(&ctx, scheme, form, argv[optind],
				       opts.now))
			ret = CLI_EXIT_FAILED;
	} T_END;
	cli_tag_deinit(&ctx);
	return ret;
}

/*
 * verify
 */

/* One address judged, with what is printed about it; absent fields are
   NULL */
struct cli_judgement {
	struct backscatter_verification result;
	const char *reason;
	const char *untagged;
	const char *scheme;
	const char *key_id;
	const char *expiry;
};

/* The engine judges parsed addresses. One that does not parse may still
   claim to carry a tag (a forgery need not be a valid address): judge
   what a lenient parse finds, and never call it valid. */
static void
cli_judge(struct cli_tag_context *ctx, const char *arg, time_t now,
	  struct cli_judgement *j_r)
{
	struct backscatter_verification *result = &j_r->result;
	const struct smtp_address *address;
	const char *syntax_error = NULL, *error;
	pool_t pool = pool_datastack_create();

	i_zero(j_r);
	if (cli_address_parse(arg, FALSE, &address, &syntax_error) == 0 ||
	    cli_address_parse(arg, TRUE, &address, &error) == 0) {
		backscatter_verify(ctx->keyring, &ctx->tag_set, address, now,
				   pool, result);
		j_r->untagged = result->tagged ? NULL :
			smtp_address_encode(address);
	} else {
		result->verdict = ctx->keyring == NULL ?
			BACKSCATTER_VERDICT_UNKNOWN :
			BACKSCATTER_VERDICT_UNSIGNED;
		result->cause = ctx->keyring == NULL ?
			BACKSCATTER_CAUSE_NO_KEYS : BACKSCATTER_CAUSE_NO_TAG;
		j_r->untagged = arg;
	}
	j_r->reason = backscatter_verification_reason(result);
	if (syntax_error != NULL) {
		/* We never sign what does not parse */
		if (result->verdict == BACKSCATTER_VERDICT_VALID ||
		    result->verdict == BACKSCATTER_VERDICT_EXPIRED) {
			result->verdict = BACKSCATTER_VERDICT_FORGED;
			result->cause = BACKSCATTER_CAUSE_MALFORMED;
			result->malformed = "not an address we sign";
			result->expiry_day = 0;
			j_r->reason = backscatter_verification_reason(result);
		}
		j_r->reason = t_strdup_printf("%s (bad address syntax: %s)",
					      j_r->reason, syntax_error);
	}

	/* A malformed tag leaves the untagged address unset, and the rest
	   of the tag means nothing then */
	if (result->tagged && result->tag.untagged.domain != NULL) {
		j_r->untagged = smtp_address_encode(&result->tag.untagged);
		j_r->scheme = backscatter_scheme_to_str(result->tag.scheme);
		j_r->key_id = dec2str(result->tag.key_id);
	}
	if (result->expiry_day != 0)
		j_r->expiry = backscatter_day_to_str(result->expiry_day);
}

static void
cli_json_append_field(string_t *dest, const char *name, const char *value)
{
	if (str_len(dest) > 1)
		str_append_c(dest, ',');
	cli_json_append_string(dest, name);
	str_append_c(dest, ':');
	cli_json_append_string(dest, value);
}

static void
cli_verify_print_json(const char *arg, const struct cli_judgement *j)
{
	string_t *line = t_str_new(256);

	str_append_c(line, '{');
	cli_json_append_field(line, "address", arg);
	cli_json_append_field(line, "verdict",
			      backscatter_verdict_to_str(j->result.verdict));
	cli_json_append_field(line, "untagged", j->untagged);
	cli_json_append_field(line, "scheme", j->scheme);
	/* a number, not a string */
	str_append(line, ",\"key_id\":");
	str_append(line, j->key_id != NULL ? j->key_id : "null");
	cli_json_append_field(line, "expiry", j->expiry);
	cli_json_append_field(line, "reason", j->reason);
	str_append(line, "}\n");
	fwrite(str_data(line), 1, str_len(line), stdout);
}

static const char *cli_tsv_field(const char *value)
{
	/* A tab or newline in the field would shift the columns */
	return value == NULL ? "-" : str_sanitize(value, SIZE_MAX);
}

static void cli_verify_print_tsv(const struct cli_judgement *j)
{
	printf("%s\t%s\t%s\t%s\t%s\n",
	       backscatter_verdict_to_str(j->result.verdict),
	       cli_tsv_field(j->untagged), cli_tsv_field(j->scheme),
	       cli_tsv_field(j->key_id), cli_tsv_field(j->expiry));
}

int cli_verify(int argc, char *argv[])
{
	struct cli_tag_context ctx;
	struct cli_common_options opts;
	struct cli_judgement j;
	bool json;
	int ret;

	if (!cli_common_json_options_parse("verify", argc, argv, &opts, &json,
					   &ret))
		return ret;
	if (optind >= argc)
		return cli_usage_error("verify", "no address given");

	ret = CLI_EXIT_OK;
	if (cli_tag_init(&ctx, opts.config_path, opts.key_file) < 0)
		return CLI_EXIT_ERROR;
	if (ctx.keyring == NULL) {
		cli_error("no key file (give -k KEYFILE, or -c CONFIG with "
			  "backscatter_key_file set): every verdict is "
			  "unknown");
	}
	for (; optind < argc; optind++) T_BEGIN {
		cli_judge(&ctx, argv[optind], opts.now, &j);
		if (json)
			cli_verify_print_json(argv[optind], &j);
		else
			cli_verify_print_tsv(&j);
		if (j.result.verdict != BACKSCATTER_VERDICT_VALID)
			ret = CLI_EXIT_FAILED;
	} T_END;
	cli_tag_deinit(&ctx);
	return ret;
}
