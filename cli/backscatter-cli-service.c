/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The daemons as services of Dovecot's master, the way quota-status is
   one:

     service backscatter-policy {
       executable = /usr/bin/backscatter policy
       user = dovecot
       group = backscatter
       unix_listener /var/spool/postfix/private/backscatter-policy { ... }
     }

   The master starts the program with its environment set, and then the
   program is a master_service one: the master owns the listeners and
   hands the process the connections (client_limit per process,
   process_limit processes), restarts it, collects its log lines, and
   the settings come from the master's configuration, with no doveconf
   run: on 2.3 the plugin {} block through the config socket, on 2.4 the
   settings the settings module declares, through the config file the
   master passes. The process starts as root, reads its settings, then
   drops to the service's user and group (the key file's group) before it
   reads the keys. Everything else -- the connections and their bounds,
   the protocols -- is backscatter-cli-server.c's, as standalone. */

#include "lib.h"
#include "array.h"
#include "restrict-access.h"
#include "master-interface.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "backscatter-config.h"
#include "backscatter-settings.h"
#include "backscatter-cli-server.h"

#ifdef HAVE_DOVECOT_SETTINGS_GET
#  include "settings.h"
#else
#  include "settings-parser.h"
#endif

static struct cli_server *cli_service_server = NULL;
#ifdef HAVE_DOVECOT_SETTINGS_GET
static const struct backscatter_settings *cli_service_set = NULL;
#endif

bool cli_service_detect(int argc, char *argv[])
{
	/* What master_service_init() itself takes for "started by the
	   master"; only the daemons can be services */
	return argc >= 2 && getenv(MASTER_UID_ENV) != NULL &&
		(strcmp(argv[1], "policy") == 0 ||
		 strcmp(argv[1], "socketmap") == 0);
}

void cli_service_init(int *argc, char **argv[])
{
	/* The data stack is ours until the end: the commands keep what
	   they allocated before master_service_init_finish() */
	const enum master_service_flags flags =
		MASTER_SERVICE_FLAG_NO_INIT_DATASTACK_FRAME |
		MASTER_SERVICE_FLAG_DONT_SEND_STATS |
		MASTER_SERVICE_FLAG_NO_SSL_INIT;
	/* No data stack yet: lib_init() is still to come */
	const char *name = strcmp((*argv)[1], "policy") == 0 ?
		"backscatter-policy" : "backscatter-socketmap";

	/* Calls lib_init(), and takes over argv for the process title */
	master_service = master_service_init(name, flags, argc, argv, "");
	master_service_init_log(master_service);
}

void cli_service_deinit(void)
{
#ifdef HAVE_DOVECOT_SETTINGS_GET
	if (cli_service_set != NULL)
		settings_free(cli_service_set);
#endif
	master_service_deinit(&master_service);
}

bool cli_service_active(void)
{
	return master_service != NULL;
}

#ifdef HAVE_DOVECOT_SETTINGS_GET

/* 2.4: the config process knows our settings from the settings module
   (lib20_backscatter_settings.so), checked as everywhere else */
int cli_service_settings_read(pool_t pool ATTR_UNUSED,
			      const struct backscatter_settings **set_r,
			      const char **error_r)
{
	const char *error;

	if (master_service_settings_read_simple(master_service, &error) < 0) {
		*error_r = t_strdup_printf("reading the configuration "
					   "failed: %s", error);
		return -1;
	}
	if (settings_get(master_service_get_event(master_service),
			 &backscatter_setting_parser_info, 0,
			 &cli_service_set, &error) < 0) {
		*error_r = t_strdup_printf("backscatter settings: %s", error);
		return -1;
	}
	*set_r = cli_service_set;
	return 0;
}

#else

/* 2.3: the plugin {} block, as a root of our own next to the master's:
   the config process sends every setting, and the parser keeps this
   block and ignores the rest */
struct cli_service_plugin_settings {
	ARRAY_TYPE(const_string) plugin_envs;
};

static const struct setting_define cli_service_plugin_setting_defines[] = {
	{ .type = SET_STRLIST, .key = "plugin",
	  .offset = offsetof(struct cli_service_plugin_settings,
			     plugin_envs) },
	SETTING_DEFINE_LIST_END
};

static const struct cli_service_plugin_settings
cli_service_plugin_default_settings = {
	.plugin_envs = ARRAY_INIT,
};

static const struct setting_parser_info cli_service_plugin_setting_info = {
	.module_name = "backscatter",
	.defines = cli_service_plugin_setting_defines,
	.defaults = &cli_service_plugin_default_settings,
	.type_offset = SIZE_MAX,
	.struct_size = sizeof(struct cli_service_plugin_settings),
	.parent_offset = SIZE_MAX,
};

/* The plugin {} strings are name, value pairs */
static const char *cli_service_plugin_lookup(const char *name, void *context)
{
	const struct cli_service_plugin_settings *set = context;
	const char *const *envs;
	unsigned int i, count;

	if (!array_is_created(&set->plugin_envs))
		return NULL;
	envs = array_get(&set->plugin_envs, &count);
	for (i = 0; i + 1 < count; i += 2) {
		if (strcmp(envs[i], name) == 0)
			return envs[i + 1];
	}
	return NULL;
}

int cli_service_settings_read(pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r)
{
	const struct setting_parser_info *roots[] = {
		&cli_service_plugin_setting_info, NULL
	};
	struct master_service_settings_input input;
	struct master_service_settings_output output;
	const struct cli_service_plugin_settings *plugin_set;
	const char *error;

	i_zero(&input);
	input.roots = roots;
	if (master_service_settings_read(master_service, &input, &output,
					 &error) < 0) {
		*error_r = t_strdup_printf("reading the configuration "
					   "failed: %s", error);
		return -1;
	}
	plugin_set = master_service_settings_get_others(master_service)[0];
	if (backscatter_settings_read(cli_service_plugin_lookup,
				      (void *)plugin_set, pool, set_r,
				      &error) < 0) {
		*error_r = t_strdup_printf("plugin { %s }", error);
		return -1;
	}
	return 0;
}

#endif

void cli_service_restrict_access(void)
{
	/* The service's user = (not root: the process dies if it stays
	   root) and group = or extra_groups = */
	restrict_access_by_env(0, NULL);
	restrict_access_allow_coredumps(TRUE);
}

static void cli_service_client_connected(struct master_service_connection *conn)
{
	master_service_client_connection_accept(conn);
	cli_server_connection_create(cli_service_server, conn->fd);
}

void cli_service_run(struct cli_server *server)
{
	cli_service_server = server;
	master_service_init_finish(master_service);
	master_service_run(master_service, cli_service_client_connected);
	cli_service_server = NULL;
}

void cli_service_connection_destroyed(void)
{
	master_service_client_connection_destroyed(master_service);
}
