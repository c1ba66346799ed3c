/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* backscatter -c CONFIG: the backscatter_* settings of a Dovecot
   configuration file, as doveconf reads them. Asking doveconf, rather than
   parsing the file here, gets includes, variables and every other rule of
   Dovecot's configuration right, and reports errors as Dovecot does. */

#include "lib.h"
#include "str.h"
#include "settings-parser.h"
#include "backscatter-config.h"
#include "backscatter-settings.h"
#include "backscatter-cli.h"

#include <poll.h>
#include <unistd.h>
#include <sys/wait.h>

struct cli_doveconf {
	const char *config_path;
	/* doveconf's warnings are the same for every setting: show them
	   once */
	bool warnings_shown;
	/* the first failure, for lookups that cannot return one */
	const char *error;
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

/* Runs doveconf -c config -h name. Returns 0 and the value, without the
   final newline, or -1 and doveconf's error. */
static int
cli_doveconf_get(struct cli_doveconf *conf, const char *name,
		 const char **value_r, const char **error_r)
{
	const char *argv[] = {
		"doveconf", "-c", conf->config_path, "-h", name, NULL
	};
	int out_pipe[2], err_pipe[2], read_fds[2], status, ret;
	string_t *out = t_str_new(128), *err = t_str_new(256);
	string_t *dests[2] = { out, err };
	pid_t pid;

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
	/* Pipes, not files: doveconf 2.4.1's -h writes wrongly to a
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
		(void)execvp(argv[0], (char *const *)argv);
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
	if (str_len(err) > 0 && !conf->warnings_shown) {
		fwrite(str_data(err), 1, str_len(err), stderr);
		conf->warnings_shown = TRUE;
	}
	if (str_len(out) > 0 && str_c(out)[str_len(out) - 1] == '\n')
		str_truncate(out, str_len(out) - 1);
	*value_r = str_c(out);
	return 0;
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
		if (cli_doveconf_get(conf, def->key, &value, error_r) < 0)
			ret = -1;
		else if (settings_parse_keyvalue(parser, def->key,
						 value) <= 0) {
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
   doveconf prints empty when they are not set */
static const char *cli_plugin_setting_lookup(const char *name, void *context)
{
	struct cli_doveconf *conf = context;
	const char *value;

	if (conf->error != NULL)
		return NULL;
	if (cli_doveconf_get(conf, t_strconcat("plugin/", name, NULL),
			     &value, &conf->error) < 0)
		return NULL;
	return *value == '\0' ? NULL : value;
}

static int
cli_settings_parse(struct cli_doveconf *conf, pool_t pool,
		   const struct backscatter_settings **set_r,
		   const char **error_r)
{
	const char *error;

	if (backscatter_settings_read(cli_plugin_setting_lookup, conf, pool,
				      set_r, &error) < 0 &&
	    conf->error == NULL) {
		*error_r = t_strdup_printf("%s: %s", conf->config_path,
					   error);
		return -1;
	}
	if (conf->error != NULL) {
		*error_r = conf->error;
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
	return cli_settings_parse(&conf, pool, set_r, error_r);
}
