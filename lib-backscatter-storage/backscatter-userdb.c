/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "backscatter-config.h"
#include "auth-master.h"
#include "mail-user.h"
#include "backscatter-verify.h"
#include "backscatter-userdb.h"

/* Returns 1 and the user, 0 when there is none, -1 on errors */
static int
userdb_lookup(const char *address, struct event *event,
	      const char **username_r)
{
	struct auth_user_info info;
	const char *const *fields, *username;
	pool_t pool;
	int ret;

	if (mail_user_auth_master_conn == NULL)
		return -1;
	i_zero(&info);
#ifdef HAVE_AUTH_USER_INFO_PROTOCOL
	info.protocol = "lmtp";
#else
	info.service = "lmtp";
#endif
	/* Not the data stack: the lookup runs an ioloop of its own, whose
	   callbacks allocate in other stack frames */
	pool = pool_alloconly_create("backscatter userdb lookup", 1024);
	ret = auth_master_user_lookup(mail_user_auth_master_conn, address,
				      &info, pool, &username, &fields);
	if (ret < 0) {
		e_error(event, "userdb lookup of %s failed: %s", address,
			fields != NULL && fields[0] != NULL ? fields[0] :
			"internal error");
	} else if (ret > 0) {
		*username_r = t_strdup(username);
	}
	pool_unref(&pool);
	return ret < 0 ? -1 : ret > 0 ? 1 : 0;
}

int backscatter_userdb_owner_lookup(const struct smtp_address *address,
				    void *context)
{
	struct backscatter_userdb_owner *owner = context;
	const char *username, *owner_name = owner->username;
	int ret;

	T_BEGIN {
		/* No such user (an alias, a list) tells nothing */
		ret = userdb_lookup(backscatter_address_mailbox(address,
							  owner->delimiters),
				    owner->event, &username) > 0 ? 1 : -1;
		if (ret > 0 && owner_name == NULL &&
		    userdb_lookup(backscatter_address_mailbox(owner->delivered,
							      owner->delimiters),
				  owner->event, &owner_name) <= 0)
			ret = -1;
		if (ret > 0)
			ret = strcmp(username, owner_name) == 0 ? 1 : 0;
	} T_END;
	return ret;
}
