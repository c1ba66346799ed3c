#ifndef BACKSCATTER_CLI_H
#define BACKSCATTER_CLI_H

/* The backscatter command-line tool: keygen, keys, sign, verify and
   inspect, for admins and scripts, and the Postfix daemons: the signer
   (socketmap) and the policy service (policy).
   Every verdict, tag and analysis comes from the engine, so the tool
   answers exactly as the Sieve extension and the LMTP plugin do. */

#include <stdio.h>

/* Exit codes, for all commands */
enum cli_exit {
	/* every address valid (verify) or signed (sign), key made */
	CLI_EXIT_OK = 0,
	/* some address was not valid or could not be signed, or no key
	   was made */
	CLI_EXIT_FAILED = 1,
	/* usage, configuration or key file errors: nothing was done;
	   inspect: some file could not be read (the others were) */
	CLI_EXIT_ERROR = 2,
};

#include "backscatter-verify.h"

struct backscatter_settings;
struct backscatter_keyring;
struct smtp_address;

/* Appends src as a JSON string, or null when src is NULL. JSON text is
   UTF-8: bytes that are not (message fields carry whatever the sender
   put there) become U+FFFD rather than invalid output. */
void cli_json_append_string(string_t *dest, const char *src);

/* Prints "backscatter: <message>" to stderr */
void cli_error(const char *fmt, ...) ATTR_FORMAT(1, 2);

/* The commands. argv[0] is "backscatter <command>", for getopt's
   messages. Each returns an exit code. */
int cli_keygen(int argc, char *argv[]);
int cli_keys(int argc, char *argv[]);
int cli_sign(int argc, char *argv[]);
int cli_verify(int argc, char *argv[]);
int cli_inspect(int argc, char *argv[]);
int cli_socketmap(int argc, char *argv[]);
int cli_policy(int argc, char *argv[]);

/* Prints the command's usage, with its options explained when long is
   TRUE; all commands' synopses when command is NULL. */
void cli_usage(FILE *out, const char *command, bool long_help);
/* Reports a usage error of the command and returns CLI_EXIT_ERROR */
int cli_usage_error(const char *command, const char *fmt, ...)
	ATTR_FORMAT(2, 3);
/* Points to the command's --help, after getopt has said what was wrong,
   and returns CLI_EXIT_ERROR */
int cli_try_help(const char *command);
/* Ends a command's option parsing at getopt's option c when it is none
   of the command's own: -h prints the command's usage and returns
   CLI_EXIT_OK, anything else (what getopt refused) cli_try_help()'s */
int cli_help_option(const char *command, int c);

/* Reads the backscatter_* settings from the Dovecot configuration file
   config_path by running doveconf, into a struct allocated from pool.
   Returns 0, or -1 with an error naming the file (doveconf's own message
   when doveconf fails) or the setting. */
int cli_config_read(const char *config_path, pool_t pool,
		    const struct backscatter_settings **set_r,
		    const char **error_r);

/* What the commands that sign or judge need: settings, tag settings and
   keys */
struct cli_tag_context {
	pool_t pool;
	const struct backscatter_settings *set;
	struct backscatter_tag_settings tag_set;
	/* "" when there is none */
	const char *key_file;
	/* NULL without a key file */
	struct backscatter_keyring *keyring;
};

/* Reads the settings (-c CONFIG; the defaults without it) and the key file
   (-k KEYFILE, or the settings' one). Returns 0, or -1 after reporting the
   error. */
int cli_tag_init(struct cli_tag_context *ctx, const char *config_path,
		 const char *key_file);
void cli_tag_deinit(struct cli_tag_context *ctx);

/* The options of every command that reads settings, keys or the time:
   -k KEYFILE, -c CONFIG, --now YYYY-MM-DD */
struct cli_common_options {
	/* NULL when not given */
	const char *key_file, *config_path;
	/* --now: noon UTC of that day, which keeps the day the same in every
	   time zone an admin may think in; else the time the command began */
	time_t now;
};
#define CLI_COMMON_OPTION_KEY_FILE \
	{ "key-file", required_argument, NULL, 'k' }
#define CLI_COMMON_OPTION_CONFIG \
	{ "config", required_argument, NULL, 'c' }
#define CLI_COMMON_OPTION_NOW \
	{ "now", required_argument, NULL, 'n' }

void cli_common_options_init(struct cli_common_options *opts);
/* Handles getopt_long()'s option c when it is one of the common ones.
   Returns 1 when it was, 0 when it is the command's own, or -1 after
   reporting a usage error of the command (which then exits with
   CLI_EXIT_ERROR). */
int cli_common_option(const char *command, int c, const char *arg,
		      struct cli_common_options *opts);
/* Parses the options of a command that has only the common ones, --json
   and --help ("keys list", "verify"), leaving optind at its first
   argument. Returns TRUE to go on, FALSE when the command is to return
   exit_r at once: after --help, or after reporting a usage error. */
bool cli_common_json_options_parse(const char *command, int argc,
				   char *argv[],
				   struct cli_common_options *opts,
				   bool *json_r, int *exit_r);

/* An address as an admin types it, with or without <>. lenient also takes
   what is no valid SMTP address but may still carry a tag: a local part
   alone, or one with characters that would need quoting. Data stack. */
int cli_address_parse(const char *arg, bool lenient,
		      const struct smtp_address **address_r,
		      const char **error_r);

#endif
