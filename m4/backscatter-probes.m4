dnl Feature probes for the Dovecot/Pigeonhole API generation we build
dnl against. Each probe compiles a fragment against the installed headers;
dnl the results are consumed only by the compat headers.

AC_DEFUN([BACKSCATTER_PROBES], [
	AC_DEFINE_UNQUOTED([BACKSCATTER_VERSION], ["$PACKAGE_VERSION"])

	old_cppflags=$CPPFLAGS
	CPPFLAGS="$CPPFLAGS -DHAVE_CONFIG_H $LIBDOVECOT_INCLUDE -I$pigeonhole_incdir"

	AC_MSG_CHECKING([whether Dovecot has typed settings (2.4 API)])
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include "lib.h"
#include "settings.h"
#include "sieve-extensions.h"
]], [[
	struct sieve_instance *svinst = NULL;
	const struct sieve_extension *ext;
	int ret = sieve_extension_register(svinst, NULL, FALSE, &ext);
	(void)ret;
	(void)settings_get;
]])], [
		AC_MSG_RESULT([yes])
		AC_DEFINE([HAVE_DOVECOT_SETTINGS_GET], [1])
		have_dovecot_settings=yes
	], [
		AC_MSG_RESULT([no])
		have_dovecot_settings=no
		AC_MSG_CHECKING([whether Dovecot has plugin {} settings (2.3 API)])
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include "lib.h"
#include "sieve-extensions.h"
#include "sieve-settings.h"
]], [[
	struct sieve_instance *svinst = NULL;
	const struct sieve_extension *ext;
	ext = sieve_extension_register(svinst, NULL, FALSE);
	(void)ext;
	(void)sieve_setting_get(svinst, "x");
]])], [
			AC_MSG_RESULT([yes])
		], [
			AC_MSG_RESULT([no])
			AC_MSG_ERROR([neither the Dovecot 2.3 nor the 2.4 plugin API compiles; see config.log])
		])
	])
	dnl struct auth_user_info's service became protocol in 2.4
	AC_MSG_CHECKING([whether struct auth_user_info has protocol])
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include "lib.h"
#include "auth-master.h"
]], [[
	struct auth_user_info info;
	info.protocol = "lmtp";
	(void)info;
]])], [
		AC_MSG_RESULT([yes])
		AC_DEFINE([HAVE_AUTH_USER_INFO_PROTOCOL], [1])
	], [
		AC_MSG_RESULT([no])
	])
	dnl json_append_escaped() moved from json-parser.h to
	dnl json-generator.h in 2.4
	AC_MSG_CHECKING([whether json-generator.h declares json_append_escaped])
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include "lib.h"
#include "json-generator.h"
]], [[
	(void)json_append_escaped;
]])], [
		AC_MSG_RESULT([yes])
		AC_DEFINE([HAVE_JSON_GENERATOR_APPEND_ESCAPED], [1])
	], [
		AC_MSG_RESULT([no])
	])

	dnl Dovecot 2.4 replaced json-parser.h's token parser with lib-json
	AC_MSG_CHECKING([whether Dovecot has json-istream.h (lib-json)])
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#include "lib.h"
#include "json-istream.h"
]], [[
	(void)json_istream_walk;
]])], [
		AC_MSG_RESULT([yes])
		AC_DEFINE([HAVE_JSON_ISTREAM], [1])
	], [
		AC_MSG_RESULT([no])
	])

	CPPFLAGS=$old_cppflags
	AM_CONDITIONAL([DOVECOT_SETTINGS_MODULES],
		       [test "$have_dovecot_settings" = yes])
])
