/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter -c CONFIG: the backscatter_* settings of a Dovecot
   configuration file, as doveconf reads them, in one doveconf run. Asking
   doveconf, rather than parsing the file here, gets includes, variables
   and every other rule of Dovecot's configuration right, and reports
   errors as Dovecot does. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "settings-parser.h"
#include "backscatter-config.h"
#include "backscatter-settings.h"
#include "backscatter-cli.h"

#include <poll.h>
#include <unistd.h>
#include <sys/wait.h>

/* Dovecot 2.3 keeps our settings in the plugin {} block */
#ifdef HAVE_DOVECOT_SETTINGS_GET
#  define CLI_SETTING_PREFIX ""
#else
#  define CLI_SETTING_PREFIX "plugin/"
#endif

/* Every setting's name, as doveconf is asked for it */
static const char *const cli_setting_names[] = {
#define NAME(type, name) CLI_SETTING_PREFIX "backscatter_" #name,
	BACKSCATTER_SETTINGS(NAME)
#undef NAME
	NULL
};

struct cli_doveconf {
	const char *config_path;
	/* What doveconf printed, "name = value" per line, and the value of
	   each setting (NULL where doveconf printed none: unset, on 2.3),
	   in the order of cli_setting_names */
	const char *values[N_ELEMENTS(cli_setting_names)];
};

/* Reads both pipes to their end. Reading one after the other could
   deadlock when doveconf fills the other. */
static int
cli_read_pipes(int fds[2], string_t *dests[2], const char **error_r)
{
	struct pollfd pfd[2];
	unsigned char buf[1024];
	unsigned int i, open_count = 2;
	ssize_t ret;

	for (i = 0; i < 2; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (open_count > 0) {
		if (poll(pfd, N_ELEMENTS(pfd), -1) < 0) {
			if (errno == EINTR)
				continue;
			*error_r = t_strdup_printf("poll() failed: %m");
			return -1;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			ret = read(pfd[i].fd, buf, sizeof(buf));
			if (ret < 0 && errno == EINTR)
				continue;
			if (ret < 0) {
				*error_r = t_strdup_printf(
					"read(doveconf pipe) failed: %m");
				return -1;
			}
			if (ret == 0) {
				/* poll() ignores negative fds */
				pfd[i].fd = -1;
				open_count--;
			} else {
				str_append_data(dests[i], buf, (size_t)ret);
			}
		}
	}
	return 0;
}

/* The message of a failed doveconf run: its Fatal line, without the
   prefix, or else its last line. */
static const char *
cli_doveconf_failure(const char *stderr_text, int status)
{
	const char *const *lines = t_strsplit(stderr_text, "\n");
	const char *last = NULL, *fatal;

	for (; *lines != NULL; lines++) {
		if (**lines == '\0')
			continue;
		fatal = strstr(*lines, "Fatal: ");
		if (fatal != NULL)
			return fatal + strlen("Fatal: ");
		last = *lines;
	}
	if (last != NULL)
		return last;
	if (WIFSIGNALED(status))
		return t_strdup_printf("killed by signal %d", WTERMSIG(status));
	return t_strdup_printf("exited with status %d", WEXITSTATUS(status));
}

/* Runs doveconf -c config with every setting's name. Returns 0 and what
   it printed, or -1 and doveconf's error. */
static int
cli_doveconf_run(struct cli_doveconf *conf, const char **output_r,
		 const char **error_r)
{
	ARRAY_TYPE(const_string) argv;
	int out_pipe[2], err_pipe[2], read_fds[2], status, ret;
	string_t *out = t_str_new(512), *err = t_str_new(256);
	string_t *dests[2] = { out, err };
	const char *const *name, *const *args;
	pid_t pid;

	t_array_init(&argv, N_ELEMENTS(cli_setting_names) + 4);
	array_push_back(&argv, &(const char *){ "doveconf" });
	array_push_back(&argv, &(const char *){ "-c" });
	array_push_back(&argv, &conf->config_path);
	for (name = cli_setting_names; *name != NULL; name++)
		array_push_back(&argv, name);
	array_append_zero(&argv);
	args = array_front(&argv);

	if (pipe(out_pipe) < 0) {
		*error_r = t_strdup_printf("pipe() failed: %m");
		return -1;
	}
	if (pipe(err_pipe) < 0) {
		*error_r = t_strdup_printf("pipe() failed: %m");
		i_close_fd(&out_pipe[0]);
		i_close_fd(&out_pipe[1]);
		return -1;
	}
	/* Pipes, not files: doveconf 2.4.1 writes wrongly to a
	   regular file at a non-zero offset */
	pid = fork();
	if (pid == 0) {
		if (dup2(out_pipe[1], STDOUT_FILENO) < 0 ||
		    dup2(err_pipe[1], STDERR_FILENO) < 0)
			_exit(127);
		(void)close(out_pipe[0]);
		(void)close(out_pipe[1]);
		(void)close(err_pipe[0]);
		(void)close(err_pipe[1]);
		(void)execvp(args[0], (char *const *)args);
		fprintf(stderr, "doveconf: Fatal: execvp(doveconf) failed: "
			"%s\n", strerror(errno));
		_exit(127);
	}
	i_close_fd(&out_pipe[1]);
	i_close_fd(&err_pipe[1]);
	if (pid < 0) {
		*error_r = t_strdup_printf("fork() failed: %m");
		i_close_fd(&out_pipe[0]);
		i_close_fd(&err_pipe[0]);
		return -1;
	}

	read_fds[0] = out_pipe[0];
	read_fds[1] = err_pipe[0];
	ret = cli_read_pipes(read_fds, dests, error_r);
	i_close_fd(&out_pipe[0]);
	i_close_fd(&err_pipe[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			*error_r = t_strdup_printf("waitpid() failed: %m");
			return -1;
		}
	}
	if (ret < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*error_r = t_strdup_printf("doveconf -c %s: %s",
			conf->config_path,
			cli_doveconf_failure(str_c(err), status));
		return -1;
	}
	/* warnings, such as obsolete settings elsewhere in the file */
	if (str_len(err) > 0)
		fwrite(str_data(err), 1, str_len(err), stderr);
	*output_r = str_c(out);
	return 0;
}

/* Reads the settings' values from doveconf's "name = value" lines */
static int cli_doveconf_read(struct cli_doveconf *conf, const char **error_r)
{
	const char *output, *const *lines, *value;
	unsigned int i;
	size_t len;

	if (cli_doveconf_run(conf, &output, error_r) < 0)
		return -1;
	for (lines = t_strsplit(output, "\n"); *lines != NULL; lines++) {
		for (i = 0; cli_setting_names[i] != NULL; i++) {
			len = strlen(cli_setting_names[i]);
			if (strncmp(*lines, cli_setting_names[i], len) != 0 ||
			    strncmp(*lines + len, " =", 2) != 0)
				continue;
			value = *lines + len + 2;
			conf->values[i] = *value == ' ' ? value + 1 : value;
			break;
		}
	}
	return 0;
}

/* The value doveconf printed for the setting of that name, or NULL */
static const char *
cli_doveconf_value(const struct cli_doveconf *conf, const char *name)
{
	unsigned int i;

	for (i = 0; cli_setting_names[i] != NULL; i++) {
		if (strcmp(cli_setting_names[i], name) == 0)
			return conf->values[i];
	}
	return NULL;
}

#ifdef HAVE_DOVECOT_SETTINGS_GET
/* Dovecot 2.4: doveconf knows our settings from the settings module and
   prints every one, set or not. Its values go through the same parser
   and checks as in the config process, so they mean the same here. */
static int
cli_settings_parse(struct cli_doveconf *conf, pool_t pool,
		   const struct backscatter_settings **set_r,
		   const char **error_r)
{
	struct setting_parser_context *parser;
	const struct setting_define *def;
	const char *value;
	int ret = 0;

	parser = settings_parser_init(pool, &backscatter_setting_parser_info,
				      0);
	for (def = backscatter_setting_parser_info.defines;
	     def->key != NULL && ret == 0; def++) {
		value = cli_doveconf_value(conf, def->key);
		if (value == NULL)
			continue;
		if (settings_parse_keyvalue(parser, def->key, value) <= 0) {
			*error_r = t_strdup_printf("%s: %s: %s",
				conf->config_path, def->key,
				settings_parser_get_error(parser));
			ret = -1;
		}
	}
	if (ret == 0 && !settings_parser_check(parser, pool, NULL, error_r)) {
		*error_r = t_strdup_printf("%s: %s", conf->config_path,
					   *error_r);
		ret = -1;
	}
	if (ret == 0)
		*set_r = settings_parser_get_set(parser);
	settings_parser_unref(&parser);
	return ret;
}
#else
/* Dovecot 2.3: the settings are strings of the plugin {} block, which
   doveconf prints only when they are set */
static const char *cli_plugin_setting_lookup(const char *name, void *context)
{
	struct cli_doveconf *conf = context;
	const char *value =
		cli_doveconf_value(conf, t_strconcat("plugin/", name, NULL));

	return value == NULL || *value == '\0' ? NULL : value;
}

static int
cli_settings_parse(struct cli_doveconf *conf, pool_t pool,
		   const struct backscatter_settings **set_r,
		   const char **error_r)
{
	const char *error;

	if (backscatter_settings_read(cli_plugin_setting_lookup, conf, pool,
				      set_r, &error) < 0) {
		*error_r = t_strdup_printf("%s: %s", conf->config_path,
					   error);
		return -1;
	}
	return 0;
}
#endif

int cli_config_read(const char *config_path, pool_t pool,
		    const struct backscatter_settings **set_r,
		    const char **error_r)
{
	struct cli_doveconf conf;

	i_zero(&conf);
	conf.config_path = config_path;
	if (cli_doveconf_read(&conf, error_r) < 0)
		return -1;
	return cli_settings_parse(&conf, pool, set_r, error_r);
}
