#ifndef BACKSCATTER_SETTINGS_H
#define BACKSCATTER_SETTINGS_H

/* The backscatter_* settings, read into one plain struct.

   These files are the only ones that know how settings reach us; every
   other part of the plugin reads struct backscatter_settings and nothing
   more. How they arrive differs between Dovecot generations, and configure
   builds exactly one of the two readers:

   - Dovecot 2.3 (backscatter-settings-plugin-env.c): strings in the
     plugin {} block, which each host (Sieve, LMTP, CLI) fetches in its own
     way and hands in through a lookup function;
   - Dovecot 2.4 (backscatter-settings-parser.c): typed settings, declared
     by backscatter_setting_parser_info and read with settings_get(). The
     settings module lib20_backscatter_settings.so exports the same
     declaration to the config process, so doveconf knows and checks
     every setting. */

#include "net.h"
#include "backscatter-tag.h"

struct setting_parser_info;
struct backscatter_tag_settings;

#define BACKSCATTER_DEFAULT_TAG_LIFETIME (7 * 24 * 60 * 60)
#define BACKSCATTER_DEFAULT_TAG_GRACE (24 * 60 * 60)
#define BACKSCATTER_DEFAULT_TAG_CLOCK_SKEW (60 * 60)
#define BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT \
	"Bounce refused: this address sent no such message"

/* The defaults both readers share (for use where bounce-analyzer.h is
   included); enums differ in how they are written: 2.4's parser wants
   every value listed */
#define BACKSCATTER_DEFAULT_SETTINGS_COMMON \
	.analyze_max_size = BOUNCE_ANALYZER_DEFAULT_MAX_READ_SIZE, \
	.key_file = "", \
	.tag_delimiter = "+", \
	.tag_lifetime = BACKSCATTER_DEFAULT_TAG_LIFETIME, \
	.tag_grace = BACKSCATTER_DEFAULT_TAG_GRACE, \
	.tag_clock_skew = BACKSCATTER_DEFAULT_TAG_CLOCK_SKEW, \
	.lmtp_reject = FALSE, \
	.sign_domains = "", \
	.own_relays = "", \
	.enforce_since = "", \
	.policy_reject_text = BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT

/* Every backscatter_* setting, once, as S(type, name): both readers
   expand this list. The type is the 2.4 parser's (SIZE, STR, ENUM, TIME,
   BOOL); 2.3 reads an ENUM as a string, which
   backscatter_settings_check() then looks up. */
#define BACKSCATTER_SETTINGS(S) \
	S(SIZE, analyze_max_size) \
	S(STR, key_file) \
	S(ENUM, sign_scheme) \
	S(ENUM, tag_form) \
	S(STR, tag_delimiter) \
	S(TIME, tag_lifetime) \
	S(TIME, tag_grace) \
	S(TIME, tag_clock_skew) \
	S(BOOL, lmtp_reject) \
	S(STR, sign_domains) \
	S(STR, own_relays) \
	S(STR, enforce_since) \
	S(ENUM, policy_unsigned) \
	S(STR, policy_reject_text)

/* One of backscatter_own_relays: a host name or an IP address */
struct backscatter_relay {
	/* Lower-cased host name; NULL when the entry is an IP address */
	const char *host;
	/* The address when host is NULL */
	struct ip_addr ip;
};
ARRAY_DEFINE_TYPE(backscatter_relay, struct backscatter_relay);

struct backscatter_settings {
	/* Owns the struct when it came from settings_get() (2.4) */
	pool_t pool;

	/* backscatter_analyze_max_size: bytes of a message the analyzer
	   reads at most */
	uoff_t analyze_max_size;

	/* backscatter_key_file: the keys; "" for none, and then every
	   verdict is unknown */
	const char *key_file;
	/* backscatter_sign_scheme: bs1 or prvs */
	const char *sign_scheme;
	/* backscatter_tag_form: subaddress or prefix */
	const char *tag_form;
	/* backscatter_tag_delimiter: the characters that may separate a
	   subaddress tag; the first one is used for signing */
	const char *tag_delimiter;
	/* backscatter_tag_lifetime, _grace, _clock_skew: seconds; the
	   first two count in whole days */
	unsigned int tag_lifetime;
	unsigned int tag_grace;
	unsigned int tag_clock_skew;
	/* backscatter_lmtp_reject: reject forged or expired tags of
	   null-sender mail at RCPT */
	bool lmtp_reject;
	/* backscatter_sign_domains: space-separated domains whose senders
	   are signed; "" for none */
	const char *sign_domains;
	/* backscatter_own_relays: space-separated host names and IP
	   addresses of our outgoing relays; an untagged bounce whose
	   reporting MTA received the original from one of them is not
	   bogus (backscatter-triage.h) */
	const char *own_relays;
	/* backscatter_enforce_since: YYYY-MM-DD from which on mail of the
	   sign domains must carry a tag; "" never enforces */
	const char *enforce_since;
	/* backscatter_policy_unsigned: what the Postfix policy service
	   answers a bounce to an untagged address of the sign domains under
	   enforcement: dunno or reject */
	const char *policy_unsigned;
	/* backscatter_policy_reject_text: the text of the policy service's
	   550 reply; printable ASCII */
	const char *policy_reject_text;

	/* Filled in by backscatter_settings_check(). The arrays are not
	   created when their list is empty (and in
	   backscatter_default_settings). */
	struct {
		enum backscatter_scheme sign_scheme;
		enum backscatter_tag_form tag_form;
		/* lower-cased */
		ARRAY_TYPE(const_string) sign_domains;
		ARRAY_TYPE(backscatter_relay) own_relays;
		/* enforce_since as days since 1970-01-01, valid when
		   enforce is set */
		unsigned int enforce_since_day;
		bool enforce;
		/* policy_unsigned is reject */
		bool policy_unsigned_reject;
	} parsed;
};

extern const struct backscatter_settings backscatter_default_settings;

/* Checks values that parse but make no sense, and fills in set->parsed,
   allocating the parsed lists from pool (the one that owns set). Returns
   FALSE with an error naming the setting. */
bool backscatter_settings_check(struct backscatter_settings *set, pool_t pool,
				const char **error_r);

/* Returns TRUE when domain is one of backscatter_sign_domains: a whole,
   case-insensitive match ("Example.COM" is "example.com"; neither
   "mail.example.com" nor "example.com.evil" is). */
bool backscatter_settings_is_sign_domain(const struct backscatter_settings *set,
					 const char *domain);

/* The settings the tag engine needs, from the admin's ones */
void backscatter_settings_get_tag_settings(
	const struct backscatter_settings *set,
	struct backscatter_tag_settings *tag_set_r);

/* Dovecot 2.3: returns the raw string value of the named setting, or NULL
   when it is not set. */
typedef const char *
backscatter_setting_lookup_t(const char *name, void *context);

/* Dovecot 2.3: reads every setting through lookup into a struct allocated
   from pool. Unset settings keep their defaults. Returns 0 on success, -1
   with an error naming the setting and its bad value otherwise. */
int backscatter_settings_read(backscatter_setting_lookup_t *lookup,
			      void *context, pool_t pool,
			      const struct backscatter_settings **set_r,
			      const char **error_r);

/* Dovecot 2.4: the declaration of every backscatter_* setting */
extern const struct setting_parser_info backscatter_setting_parser_info;

#endif
