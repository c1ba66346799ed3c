/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter: the command-line tool. This file holds what the commands
   share: dispatch, usage and error reporting. */

#include "lib.h"
#include "str.h"
#include "unichar.h"
#include "backscatter-cli-compat.h"
#include "backscatter-config.h"
#include "backscatter-date.h"
#include "backscatter-cli.h"
#include "backscatter-cli-server.h"

#include <getopt.h>
#include <sodium.h>
#include <time.h>

static const struct cli_command {
	const char *name;
	/* the synopsis, after "backscatter <name> " */
	const char *synopsis;
	/* the options explained */
	const char *help;
	int (*run)(int argc, char *argv[]);
} cli_commands[] = {
	{
		.name = "keygen",
		.synopsis = "[--scheme bs1|prvs] [--domain DOMAIN]...\n"
			"         [--created YYYY-MM-DD] [--add FILE]",
		.help =
"Makes a new key and prints it as a key file line. With --add, appends\n"
"it to FILE instead (created mode 0600 if missing) with the lowest key\n"
"id the file does not use yet for these domains, and prints no key\n"
"material. With --domain the key serves only those domains: it signs\n"
"their senders and verifies their tags, and no other domain's.\n"
"\n"
"  -s, --scheme bs1|prvs  the key's scheme (default bs1)\n"
"  -d, --domain DOMAIN    limit the key to DOMAIN (repeat, or separate\n"
"                         with commas, for several); without it the\n"
"                         key serves every domain\n"
"  -c, --created DATE     the key's created date (default today): it\n"
"                         verifies at once but signs only from then on,\n"
"                         so that every server can have it first\n"
"  -a, --add FILE         append the key to the key file FILE\n",
		.run = cli_keygen,
	},
	{
		.name = "keys",
		.synopsis =
			"list [-k KEYFILE] [-c CONFIG] [--now YYYY-MM-DD] "
			"[--json]",
		.help =
"Lists the keys of the key file, one per line, never their secrets:\n"
"  scheme<TAB>id<TAB>created<TAB>retired<TAB>state<TAB>domains\n"
"with \"-\" for no retired date and \"*\" for a key of every domain.\n"
"States: signing (it signs for its domains, or for those without a key\n"
"of their own), active (a newer key signs), future (created later),\n"
"retired (verifies the tags it made), expired (verifies nothing any\n"
"more; its line may be removed).\n"
"\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -c, --config CONFIG     read backscatter_* settings from this Dovecot\n"
"                          configuration file (through doveconf)\n"
"  -n, --now YYYY-MM-DD    the states as on that day\n"
"  -j, --json              print one JSON object per key instead\n",
		.run = cli_keys,
	},
	{
		.name = "sign",
		.synopsis =
			"[-k KEYFILE] [-c CONFIG] [--form subaddress|prefix]\n"
			"         [--scheme bs1|prvs] [--now YYYY-MM-DD] ADDRESS...",
		.help =
"Prints each address tagged, one per line. An address that must stay\n"
"unsigned is printed unchanged, with the reason on stderr.\n"
"\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -c, --config CONFIG     read backscatter_* settings from this Dovecot\n"
"                          configuration file (through doveconf)\n"
"  -f, --form FORM         subaddress or prefix (backscatter_tag_form)\n"
"  -s, --scheme SCHEME     bs1 or prvs (backscatter_sign_scheme)\n"
"  -n, --now YYYY-MM-DD    sign as on that day (for tests)\n",
		.run = cli_sign,
	},
	{
		.name = "verify",
		.synopsis =
			"[-k KEYFILE] [-c CONFIG] [--now YYYY-MM-DD] [--json]\n"
			"         ADDRESS...",
		.help =
"Prints one line per address:\n"
"  verdict<TAB>address without tag<TAB>scheme<TAB>key id<TAB>expiry day\n"
"with \"-\" for what is absent. Verdicts: valid, expired, forged,\n"
"unsigned, unknown (no keys).\n"
"\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -c, --config CONFIG     read backscatter_* settings from this Dovecot\n"
"                          configuration file (through doveconf)\n"
"  -n, --now YYYY-MM-DD    judge as at 12:00 UTC of that day\n"
"  -j, --json              print one JSON object per line instead\n",
		.run = cli_verify,
	},
	{
		.name = "inspect",
		.synopsis = "[--json] [--max-size BYTES]\n"
			"         [--rcpt ADDRESS [--orcpt ADDRESS] [-k KEYFILE] "
			"[-c CONFIG]\n"
			"         [--now YYYY-MM-DD]] FILE...",
		.help =
"Analyzes each message FILE (\"-\" for stdin) as delivery does and says\n"
"what it is and why: its kind, the decoder that read it, the reporting\n"
"MTA; for each recipient the action, status, reason and diagnostic; and\n"
"the original message the report quotes. A file that cannot be read is\n"
"named on stderr, and with --json gets the line {\"file\":...,\"error\":...}.\n"
"\n"
"  -j, --json            print one JSON object per file, one per line\n"
"  -m, --max-size BYTES  read at most BYTES of each message (default\n"
"                        64k, as backscatter_analyze_max_size)\n"
"  -r, --rcpt ADDRESS    also give the verdict delivery would give each\n"
"                        message sent to ADDRESS: legitimate, bogus,\n"
"                        unknown or none, and its evidence (\"verdict\":\n"
"                        {\"verdict\":...,\"evidence\":...} in JSON)\n"
"  -o, --orcpt ADDRESS   the original recipient (ORCPT) too; its tag counts\n"
"                        as delivery counts it, where it names the same\n"
"                        mailbox as ADDRESS or carries the same tag (there\n"
"                        is no userdb here to ask whose an alias is)\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -c, --config CONFIG   read backscatter_* settings from this Dovecot\n"
"                        configuration file (through doveconf)\n"
"  -n, --now YYYY-MM-DD  judge as at 12:00 UTC of that day\n",
		.run = cli_inspect,
	},
	{
		.name = "socketmap",
		.synopsis =
			"[-c CONFIG] [-k KEYFILE] [--socket PATH [--mode MODE]]\n"
			"         [--verbose]",
		.help =
"Serves Postfix's socketmap_table(5) lookups: the map \"sign\" answers a\n"
"sender of backscatter_sign_domains with its tagged address, anything\n"
"else with NOTFOUND. For sender_canonical_maps =\n"
"socketmap:unix:PATH:sign in the submission service's cleanup. Without\n"
"--socket it serves one connection on stdin/stdout (systemd Accept=yes,\n"
"inetd). The key file is read again when it changes; other settings at\n"
"a restart. Logs go to stderr.\n"
"\n"
"  -c, --config CONFIG     read backscatter_* settings (sign domains,\n"
"                          scheme, form, key file) from this Dovecot\n"
"                          configuration file (through doveconf)\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -s, --socket PATH       listen on this unix socket\n"
"  -m, --mode MODE         the socket's file mode (default 0660)\n"
"  -v, --verbose           log every lookup\n"
"\n"
"Run by Dovecot's master as a service (conf.d: service\n"
"backscatter-socketmap), it serves the service's listeners and reads the\n"
"settings from Dovecot's configuration; then it takes no --socket or -c.\n",
		.run = cli_socketmap,
	},
	{
		.name = "policy",
		.synopsis =
			"[-c CONFIG] [-k KEYFILE] [--socket PATH [--mode MODE]]\n"
			"         [--verbose]",
		.help =
"Serves Postfix's policy delegation protocol (SMTPD_POLICY_README), for\n"
"check_policy_service in smtpd_recipient_restrictions: a bounce (null\n"
"sender) to a forged or expired tag is refused at RCPT with\n"
"\"550 5.7.1 <backscatter_policy_reject_text> (tag forged|tag expired)\";\n"
"an untagged one to a sign domain too, under enforcement, when\n"
"backscatter_policy_unsigned = reject. Everything else, every error and\n"
"every request it cannot read gets DUNNO, never a deferral. Without\n"
"--socket it serves one connection on stdin/stdout (spawn(8), systemd\n"
"Accept=yes). The key file is read again when it changes; other settings\n"
"at a restart. Logs go to stderr: one line per refusal.\n"
"\n"
"  -c, --config CONFIG     read backscatter_* settings (key file, tag\n"
"                          settings, sign domains, enforcement, the\n"
"                          policy settings) from this Dovecot\n"
"                          configuration file (through doveconf)\n"
"  -k, --key-file KEYFILE  the key file (overrides backscatter_key_file)\n"
"  -s, --socket PATH       listen on this unix socket\n"
"  -m, --mode MODE         the socket's file mode (default 0660)\n"
"  -v, --verbose           log every request\n"
"\n"
"Run by Dovecot's master as a service (conf.d: service\n"
"backscatter-policy), it serves the service's listeners and reads the\n"
"settings from Dovecot's configuration; then it takes no --socket or -c.\n",
		.run = cli_policy,
	},
};

static const char cli_exit_help[] =
"Exit status: 0 when every address is valid (verify) or signed (sign),\n"
"the key was made (keygen), the keys listed (keys) or every file was\n"
"read (inspect); 1 otherwise;\n"
"2 on usage, configuration or key file errors, or when a file could not\n"
"be read (inspect).\n";

void cli_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	fprintf(stderr, "backscatter: %s\n", t_strdup_vprintf(fmt, args));
	va_end(args);
}

static const struct cli_command *cli_command_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(cli_commands); i++) {
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	}
	return NULL;
}

void cli_usage(FILE *out, const char *command, bool long_help)
{
	const struct cli_command *cmd;
	unsigned int i;

	if (command != NULL) {
		cmd = cli_command_find(command);
		i_assert(cmd != NULL);
		fprintf(out, "Usage: backscatter %s %s\n", cmd->name,
			cmd->synopsis);
		if (long_help)
			fprintf(out, "\n%s\n%s", cmd->help, cli_exit_help);
		return;
	}
	for (i = 0; i < N_ELEMENTS(cli_commands); i++) {
		fprintf(out, "%s backscatter %s %s\n",
			i == 0 ? "Usage:" : "      ", cli_commands[i].name,
			cli_commands[i].synopsis);
	}
	if (long_help) {
		fprintf(out, "\nSee 'backscatter COMMAND --help' for the "
			"options of each command.\n\n%s", cli_exit_help);
	}
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	fprintf(stderr, "backscatter %s: %s\n", command,
		t_strdup_vprintf(fmt, args));
	va_end(args);
	return cli_try_help(command);
}

int cli_help_option(const char *command, int c)
{
	if (c != 'h')
		return cli_try_help(command);
	cli_usage(stdout, command, TRUE);
	return CLI_EXIT_OK;
}

int cli_try_help(const char *command)
{
	fprintf(stderr, "Try 'backscatter %s --help'.\n", command);
	return CLI_EXIT_ERROR;
}

static int cli_run(int argc, char *argv[])
{
	const struct cli_command *cmd;

	if (argc < 2) {
		cli_usage(stderr, NULL, FALSE);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout, NULL, TRUE);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("backscatter %s\n", BACKSCATTER_VERSION);
		return CLI_EXIT_OK;
	}
	cmd = cli_command_find(argv[1]);
	if (cmd == NULL) {
		cli_error("unknown command '%s'", argv[1]);
		cli_usage(stderr, NULL, FALSE);
		return CLI_EXIT_ERROR;
	}
	/* getopt names the program by argv[0] in its messages */
	argv[1] = t_strdup_noconst(t_strconcat("backscatter ",
						 cmd->name, NULL));
	return cmd->run(argc - 1, argv + 1);
}

int main(int argc, char *argv[])
{
	/* A daemon started by Dovecot's master is a master_service program,
	   which initializes lib itself */
	bool service = cli_service_detect(argc, argv);
	int ret;

	if (service)
		cli_service_init(&argc, &argv);
	else {
		lib_init();
		i_set_failure_prefix("backscatter: ");
	}
	if (sodium_init() < 0) {
		cli_error("sodium_init() failed");
		ret = CLI_EXIT_ERROR;
	} else {
		ret = cli_run(argc, argv);
	}
	/* A full disk or a closed pipe must not pass for success */
	if (fflush(stdout) != 0 || ferror(stdout) != 0) {
		cli_error("write(stdout) failed: %s", strerror(errno));
		ret = CLI_EXIT_ERROR;
	}
	if (service)
		cli_service_deinit();
	else
		lib_deinit();
	return ret;
}

void cli_json_append_string(string_t *dest, const char *src)
{
	string_t *valid;

	if (src == NULL) {
		str_append(dest, "null");
		return;
	}
	valid = t_str_new(strlen(src) + 16);
	if (!uni_utf8_get_valid_data((const unsigned char *)src, strlen(src),
				     valid))
		src = str_c(valid);
	str_append_c(dest, '"');
	json_append_escaped(dest, src);
	str_append_c(dest, '"');
}

void cli_common_options_init(struct cli_common_options *opts)
{
	i_zero(opts);
	opts->now = time(NULL);
}

int cli_common_option(const char *command, int c, const char *arg,
		      struct cli_common_options *opts)
{
	unsigned int day;

	switch (c) {
	case 'k':
		opts->key_file = arg;
		return 1;
	case 'c':
		opts->config_path = arg;
		return 1;
	case 'n':
		if (!backscatter_day_parse(arg, &day)) {
			(void)cli_usage_error(command, "--now: '%s' is not a "
					      "date YYYY-MM-DD", arg);
			return -1;
		}
		opts->now = (time_t)day * BACKSCATTER_SECS_PER_DAY +
			BACKSCATTER_SECS_PER_DAY / 2;
		return 1;
	}
	return 0;
}

static const struct option cli_common_json_options[] = {
	CLI_COMMON_OPTION_KEY_FILE,
	CLI_COMMON_OPTION_CONFIG,
	CLI_COMMON_OPTION_NOW,
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

bool cli_common_json_options_parse(const char *command, int argc,
				   char *argv[],
				   struct cli_common_options *opts,
				   bool *json_r, int *exit_r)
{
	int c, ret;

	cli_common_options_init(opts);
	*json_r = FALSE;
	while ((c = getopt_long(argc, argv, "k:c:n:jh",
				cli_common_json_options, NULL)) != -1) {
		if ((ret = cli_common_option(command, c, optarg, opts)) != 0) {
			if (ret < 0) {
				*exit_r = CLI_EXIT_ERROR;
				return FALSE;
			}
			continue;
		}
		switch (c) {
		case 'j':
			*json_r = TRUE;
			break;
		default:
			/* -h, or an option getopt refused */
			*exit_r = cli_help_option(command, c);
			return FALSE;
		}
	}
	return TRUE;
}
