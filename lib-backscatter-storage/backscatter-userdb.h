#ifndef BACKSCATTER_USERDB_H
#define BACKSCATTER_USERDB_H

/* Whose is an address? The owner lookup of backscatter_verify_recipient()
   for the programs that run under Dovecot's mail storage service (LMTP
   and the Sieve interpreter in it): a userdb lookup through the auth
   master connection the storage service keeps. Host glue, not engine:
   it is linked into those modules only. */

#include "smtp-address.h"

struct event;

struct backscatter_userdb_owner {
	/* The user delivered to, as userdb names it; NULL to look it up
	   from delivered */
	const char *username;
	/* The delivered address, untagged, for that lookup */
	const struct smtp_address *delivered;
	/* What starts a detail (backscatter_tag_delimiter): looked up is
	   the mailbox, without it */
	const char *delimiters;
	struct event *event;
};

/* backscatter_recipient.owner_lookup: 1 when userdb gives address the
   same user as the delivery, 0 another user, -1 no such user, no auth
   connection, or a failed lookup (logged). Blocking, as LMTP's own user
   lookups are; asked only for a bounce whose ORCPT carries a tag on an
   address other than the delivered one. */
int backscatter_userdb_owner_lookup(const struct smtp_address *address,
				    void *context);

#endif
