/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* libFuzzer target: arbitrary bytes as what the edge policy service
   (backscatter-policy.h) reads from Postfix, fed to
   backscatter_policy_input() whole and in pieces, with keys, a signing
   domain and enforcement of untagged bounces fixed at start and a fixed
   time. Built and run by tests/fuzz/run.

   Besides "no crash, no leak, no undefined behaviour", it checks what
   must hold for every input, and panics (a crash to libFuzzer) if not:
   - a request answered whole is answered the same when it comes in
     pieces (fuzz-request-common.h);
   - every reply is "action=DUNNO" or the configured 550 refusal, each
     ended by an empty line: never DEFER or a 4xx, on which Postfix
     would hold mail back;
   - a refusal names one of the three things it may name. */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "backscatter-date.h"
#include "backscatter-keys.h"
#include "backscatter-settings.h"
#include "backscatter-verify.h"
#include "backscatter-policy.h"
#include "fuzz-request-common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REJECT "action=550 5.7.1 " \
	BACKSCATTER_DEFAULT_POLICY_REJECT_TEXT " ("
static const char *const fuzz_reject_what[] = {
	"tag forged)", "tag expired)", "no tag)",
};

static struct backscatter_daemon fuzz_policy;

static bool reply_is_refusal(const char *line)
{
	unsigned int i;

	if (strncmp(line, FUZZ_REJECT, strlen(FUZZ_REJECT)) != 0)
		return FALSE;
	line += strlen(FUZZ_REJECT);
	for (i = 0; i < N_ELEMENTS(fuzz_reject_what); i++) {
		if (strcmp(line, fuzz_reject_what[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Every reply is one action line and an empty line */
static void check_replies(string_t *replies)
{
	const char *const *lines = t_strsplit(str_c(replies), "\n");
	unsigned int i, count = str_array_length(lines);

	/* "a\n\n" splits to "a", "", "" */
	if (count > 0 && *lines[count - 1] == '\0')
		count--;
	for (i = 0; i < count; i += 2) {
		if (i + 1 >= count || *lines[i + 1] != '\0')
			i_panic("reply without its empty line: '%s'",
				str_sanitize(str_c(replies), 200));
		if (strcmp(lines[i], "action=DUNNO") != 0 &&
		    !reply_is_refusal(lines[i]))
			i_panic("reply '%s'", str_sanitize(lines[i], 200));
	}
}

/* Untagged bounces refused too, so that all three refusals can be
   reached */
static void policy_set_override(struct backscatter_settings *set)
{
	set->enforce_since = "2020-01-01";
	set->policy_unsigned = "reject";
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_request_init(policy_set_override, &fuzz_policy);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		check_replies(fuzz_request_check_split(
			backscatter_policy_input, &fuzz_policy, data, size));
	} T_END;
	return 0;
}
