/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

/* The shared reader of bounces written as prose. MTAs word their reports
   differently but lay them out alike: some introduction, then each failed
   address at the start of a line (or after "RCPT TO:"), followed by the
   server's answer, then the original message. The family decoders steer
   this reader with their own markers; the layout rules live here, once. */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strfuncs.h"
#include "unichar.h"
#include "smtp-address.h"
#include "bounce-str.h"
#include "bounce-prose.h"
#include "bounce-phrases.h"

#include <ctype.h>

/* Lines at which the quoted original message begins (lower-case, after
   leading white space and dashes) */
static const struct {
	const char *phrase;
} original_markers[] = {
	{ "this is a copy of the message" },
	{ "below this line is a copy of the message" },
	{ "original message follows" },
	{ "original message ---" },
	{ "original message -----" },
	{ "original message header" },
	{ "message headers follow" },
	{ "headers of the original message" },
	{ "header of the original message" },
	{ "the original message headers" },
	{ "copy of the original message" },
	{ "copy of your message" },
	{ "copy of the message header" },
	{ "original message is attached" },
	{ "your message reads" },
	{ "rfc822-headers" },
	{ "content-type: message/rfc822" },
	{ "content-type: text/rfc822-headers" },
};

/* The same, but also common in an introduction's prose ("delete your
   own text from the attached returned message"): only at the start of a
   line, as in "----- Returned message -----" */
static const char *const original_line_starts[] = {
	"returned message",
	"undelivered message",
	"original message:",
};

/* Lines that quote the original's header ("Subject: ...") end the
   diagnostic that precedes them. Not From: or To:, which some MTAs
   (indimail) use in their own words. */
static const char *const quoted_header_names[] = {
	"subject:", "date:", "message-id:", "mime-version:",
	"content-type:", "received:", "return-path:",
	/* a delivery-status block, when the MIME structure is broken */
	"reporting-mta:", "received-from-mta:", "arrival-date:", "action:",
	"last-attempt-date:",
};

/* Header fields that start a quoted header block at column 0 (the space
   after the colon is optional: Zoho quotes "Received:from ...") */
static const char *const original_header_starts[] = {
	"received:", "return-path:", "dkim-signature:", "message-id:",
	"x-received:", "arc-seal:", "authentication-results:",
};

/* Labels after which an address in running text is the recipient */
static const char *const recipient_labels[] = {
	"rcpt to:",
	"recipient address:",
	"original-recipient:",
	"final-recipient:",
	"failed recipient:",
	"recipient:",
	"unknown user:",
	"to:",
	"mail to",
	"message to",
	"delivering to",
	"delivered to",
	"delivery to",
	"undeliverable to",
	/* a list manager's "not a member of this mailing list <list@x>" */
	"mailing list",
};

/* Labels after which an address is a sender or a message's identity,
   never a recipient: a transcript's "MAIL FROM:<a@b>", a quoted
   "Message-ID:<id@host>". Checked before recipient_labels, which would
   find "to:" in "Reply-To:". */
static const char *const non_recipient_labels[] = {
	"from:", "sender:", "reply-to:", "return-path:", "message-id:",
	"in-reply-to:", "references:", "resent-message-id:",
};

/* Local parts that are the reporting system, never a failed recipient */
static const char *const system_local_parts[] = {
	"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon",
	"mail.delivery.system",
};

/* The longest diagnostic kept per recipient */
#define DIAGNOSTIC_MAX_LENGTH 1000
/* The longest report text kept */
#define REPORT_TEXT_MAX_LENGTH 2000

static bool line_starts_with_any(const char *line, size_t len,
				 const char *const *list, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		size_t n = strlen(list[i]);

		if (n <= len && memcmp(line, list[i], n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* memmem() is a GNU extension; this is all we need of it */
static const char *
find_in(const char *data, size_t size, const char *needle)
{
	size_t n = strlen(needle);
	const char *p = data, *end = data + size;

	i_assert(n > 0);
	while ((size_t)(end - p) >= n &&
	       (p = memchr(p, needle[0], end - p - n + 1)) != NULL) {
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

static bool line_contains(const char *line, size_t len, const char *needle)
{
	return find_in(line, len, needle) != NULL;
}

static bool line_contains_any(const char *line, size_t len,
			      const char *const *list)
{
	if (list == NULL)
		return FALSE;
	for (; *list != NULL; list++) {
		if (line_contains(line, len, *list))
			return TRUE;
	}
	return FALSE;
}

static size_t line_end(const struct bounce_message *msg, size_t pos)
{
	const char *nl = memchr(msg->text + pos, '\n', msg->text_len - pos);

	return nl == NULL ? msg->text_len : (size_t)(nl - msg->text);
}

/* Finds where the quoted original begins, after start: returns the
   offset of its first line, and sets *report_end_r to where the report
   ends -- before the line that announces the original, if one does */
static size_t
find_original(const struct bounce_message *msg,
	      const struct bounce_family *decoder, size_t start,
	      size_t *report_end_r)
{
	static struct bounce_phrases original_index =
		BOUNCE_PHRASES_INIT(original_markers, phrase);
	const char *lc = msg->text_lcase;
	size_t pos, end, skip;

	for (pos = start; pos < msg->text_len; pos = end + 1) {
		*report_end_r = pos;
		end = line_end(msg, pos);
		if (line_starts_with_any(lc + pos, end - pos,
					 original_header_starts,
					 N_ELEMENTS(original_header_starts)))
			return pos;
		for (skip = pos; skip < end &&
		     (lc[skip] == ' ' || lc[skip] == '\t' || lc[skip] == '-' ||
		      lc[skip] == '=' || lc[skip] == '>' || lc[skip] == '*');
		     skip++) ;
		if ((decoder != NULL &&
		     line_contains_any(lc + skip, end - skip,
				       decoder->end_markers)) ||
		    bounce_phrases_find(&original_index, lc + skip,
					end - skip) >= 0 ||
		    line_starts_with_any(lc + skip, end - skip,
					 original_line_starts,
					 N_ELEMENTS(original_line_starts)))
			return I_MIN(end + 1, msg->text_len);
	}
	*report_end_r = msg->text_len;
	return msg->text_len;
}

size_t bounce_prose_original_offset(const struct bounce_message *msg)
{
	const char *lc = msg->text_lcase;
	size_t report_end, pos, end;

	pos = find_original(msg, NULL, 0, &report_end);
	/* The announcement may go on for more lines in the same dashes
	   (Exim moan.c: "------ This is a copy of your message, including
	   all the headers.\n------ No more than 10K characters of the body
	   are included."): the header block starts after them */
	while (pos < msg->text_len && strncmp(lc + pos, "------ ", 7) == 0) {
		end = line_end(msg, pos);
		pos = I_MIN(end + 1, msg->text_len);
	}
	return pos;
}

static bool is_local_part_char(unsigned char c)
{
	return i_isalnum(c) || c >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool is_domain_char(unsigned char c)
{
	return i_isalnum(c) || c >= 0x80 || c == '-' || c == '.';
}

/* An address is valid when Dovecot's SMTP address parser accepts it
   (UTF-8 ones, RFC 6531, are taken as they are) */
static bool address_is_valid(const char *address)
{
	struct smtp_address *parsed;
	const char *error, *p;

	for (p = address; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			return TRUE;
	}
	return smtp_address_parse_mailbox(pool_datastack_create(), address, 0,
					  &parsed, &error) >= 0 &&
		parsed->domain != NULL;
}

const char *bounce_prose_find_address(const char *data, size_t size,
				     size_t *pos_r, size_t *len_r)
{
	const char *at;
	size_t at_pos, start, end, search = 0;

	while ((at = memchr(data + search, '@', size - search)) != NULL) {
		at_pos = at - data;
		search = at_pos + 1;
		for (start = at_pos; start > 0 &&
		     is_local_part_char(data[start-1]); start--) ;
		for (end = at_pos + 1; end < size &&
		     is_domain_char(data[end]); end++) ;
		/* a sentence's full stop is no part of the domain */
		while (end > at_pos + 1 && data[end-1] == '.')
			end--;
		while (start < at_pos && data[start] == '.')
			start++;
		if (start == at_pos || end == at_pos + 1)
			continue;

		const char *address = t_strndup(data + start, end - start);
		if (!address_is_valid(address))
			continue;
		if (start > 0 && data[start-1] == '<' &&
		    end < size && data[end] == '>') {
			start--;
			end++;
		}
		*pos_r = start;
		*len_r = end - start;
		return address;
	}
	return NULL;
}

static bool address_is_system(const struct bounce_message *msg,
			      const char *address)
{
	const char *at = strchr(address, '@');
	unsigned int i;

	if (strcasecmp(address, msg->from_address) == 0 ||
	    strcasecmp(address, msg->to_address) == 0)
		return TRUE;
	/* a mail system's channel, not a domain: Sun/Oracle Messaging
	   Server's "user@ims-ms-daemon" */
	if (strchr(at + 1, '.') == NULL && strlen(at + 1) > 7 &&
	    strcasecmp(at + 1 + strlen(at + 1) - 7, "-daemon") == 0)
		return TRUE;
	for (i = 0; i < N_ELEMENTS(system_local_parts); i++) {
		if (strncasecmp(address, system_local_parts[i],
				at - address) == 0 &&
		    system_local_parts[i][at - address] == '\0')
			return TRUE;
	}
	return FALSE;
}

/* A diagnostic of at most DIAGNOSTIC_MAX_LENGTH bytes, cut between
   characters: a diagnostic line may be as long as the text */
static const char *diagnostic_dup(pool_t pool, const char *text)
{
	size_t len = uni_utf8_data_truncate((const unsigned char *)text,
					    strlen(text),
					    DIAGNOSTIC_MAX_LENGTH);

	return p_strndup(pool, text, len);
}

struct bounce_recipient *
bounce_prose_add_recipient(pool_t pool, struct bounce_report *report,
			  const char *address, const char *diagnostic)
{
	struct bounce_recipient *rcpt;

	array_foreach_modifiable(&report->recipients, rcpt) {
		if (strcasecmp(rcpt->final_recipient, address) != 0)
			continue;
		if (diagnostic == NULL || *diagnostic == '\0')
			return rcpt;
		if (rcpt->diagnostic_code == NULL) {
			rcpt->diagnostic_code = diagnostic_dup(pool, diagnostic);
		} else if (strlen(rcpt->diagnostic_code) <
			   DIAGNOSTIC_MAX_LENGTH) {
			rcpt->diagnostic_code = diagnostic_dup(pool,
				t_strconcat(rcpt->diagnostic_code, " ",
					    diagnostic, NULL));
		}
		return rcpt;
	}
	if (array_count(&report->recipients) >= BOUNCE_REPORT_MAX_RECIPIENTS)
		return NULL;
	rcpt = array_append_space(&report->recipients);
	rcpt->final_recipient = p_strndup(pool, address,
					  BOUNCE_REPORT_MAX_FIELD_LENGTH);
	rcpt->action = "failed";
	if (diagnostic != NULL && *diagnostic != '\0')
		rcpt->diagnostic_code = diagnostic_dup(pool, diagnostic);
	return rcpt;
}

/* "Some explanation: <address>" -- the address ends the line, after a
   colon */
static bool
address_ends_labelled_line(const char *line, size_t len, size_t pos,
			   size_t alen)
{
	size_t end = pos + alen;

	while (end < len && strchr(" \t.>\"", line[end]) != NULL)
		end++;
	while (pos > 0 && (line[pos-1] == ' ' || line[pos-1] == '\t' ||
			   line[pos-1] == '"'))
		pos--;
	return end == len && pos > 0 && line[pos-1] == ':';
}

/* Sendmail sums up a transcript a line per recipient or host, its reply
   code first: "554 <bob@example.net>... Remote protocol error", "421
   example.org (smtp)... Deferred". Returns what the line sums up: '<'
   for an address, 'h' for a host, '\0' when it is no such line. */
static char sendmail_summary_line(const char *line, size_t len)
{
	if (len < 8 || line[0] < '4' || line[0] > '5' ||
	    !i_isdigit(line[1]) || !i_isdigit(line[2]) || line[3] != ' ')
		return '\0';
	if (line[4] == '<' && find_in(line + 5, len - 5, ">...") != NULL)
		return '<';
	if (i_isalpha(line[4]) && find_in(line + 4, len - 4, ")...") != NULL)
		return 'h';
	return '\0';
}

/* Returns TRUE when lc[0..pos) ends with a label of a sender or a
   message id */
static bool non_recipient_label_precedes(const char *lc, size_t pos)
{
	unsigned int i;

	while (pos > 0 && strchr(" \t<\"", lc[pos-1]) != NULL)
		pos--;
	for (i = 0; i < N_ELEMENTS(non_recipient_labels); i++) {
		size_t n = strlen(non_recipient_labels[i]);

		if (n <= pos &&
		    memcmp(lc + pos - n, non_recipient_labels[i], n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Returns TRUE when a recipient label precedes lc[0..pos) */
static bool label_precedes(const char *lc, size_t pos)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(recipient_labels); i++) {
		if (find_in(lc, pos, recipient_labels[i]) != NULL)
			return TRUE;
	}
	return FALSE;
}

/* The address the line names as a recipient, if any: one that starts the
   line, or follows a recipient label (only the latter for a family whose
   recipient_in_sentence is set). *rest_r is the text after it, or the
   whole sentence for such a family. */
static const char *
line_recipient(const struct bounce_message *msg,
	       const struct bounce_family *decoder, const char *line,
	       const char *lc, size_t len, const char **rest_r)
{
	bool in_sentence = decoder != NULL && decoder->recipient_in_sentence;
	const char *address;
	size_t skip, pos, alen, code = 0;

	/* list bullets, and sendmail's ">>> " before a failed address */
	for (skip = 0; skip < len && (line[skip] == ' ' || line[skip] == '\t' ||
				      line[skip] == '*' || line[skip] == '-' ||
				      line[skip] == '"' || line[skip] == '>');
	     skip++) ;
	/* a sendmail summary's address follows its reply code */
	if (sendmail_summary_line(line + skip, len - skip) == '<')
		code = skip += 4;
	address = bounce_prose_find_address(line + skip, len - skip,
					   &pos, &alen);
	if (address == NULL || non_recipient_label_precedes(lc + skip, pos))
		return NULL;
	if (in_sentence) {
		if (!label_precedes(lc + skip, pos))
			return NULL;
	} else if (pos != 0 &&
		   !address_ends_labelled_line(line + skip, len - skip,
					       pos, alen) &&
		   !label_precedes(lc + skip, pos)) {
		/* not at the start: only after a label */
		return NULL;
	}
	if (address_is_system(msg, address))
		return NULL;
	if (in_sentence) {
		*rest_r = t_str_trim(t_strndup(line + skip, len - skip), " \t");
		return address;
	}
	pos += skip;
	/* "name <address>" (RFC 5322's name-addr): the mailbox is the one
	   in brackets, whatever the name looks like ("bob@example.net
	   <alice@example.net>: malformed address") */
	if (line[pos] != '<') {
		const char *after = line + pos + alen, *inner;
		size_t ipos, ilen, gap = 0;

		while (pos + alen + gap < len &&
		       (after[gap] == ' ' || after[gap] == '\t'))
			gap++;
		inner = gap == 0 || after[gap] != '<' ? NULL :
			bounce_prose_find_address(after + gap,
						 len - pos - alen - gap,
						 &ipos, &ilen);
		if (inner != NULL && ipos == 0 && after[gap + ilen - 1] == '>' &&
		    !address_is_system(msg, inner)) {
			address = inner;
			pos += alen + gap;
			alen = ilen;
		}
	}
	*rest_r = t_strndup(line + pos + alen, len - pos - alen);
	*rest_r = t_str_trim(*rest_r, " \t:.,;-()[]>");
	/* "bob@example.net <bob@example.net>" says no more than bob */
	if (strcasecmp(t_str_trim(*rest_r, "<>"), address) == 0)
		*rest_r = "";
	if (code > 0)
		*rest_r = t_strdup_printf("%.3s %s", line + code - 4, *rest_r);
	return address;
}

static bool address_in_list(const char *address, const char *list)
{
	const char *const *items;

	if (list == NULL)
		return TRUE;
	for (items = t_strsplit(list, ", \t"); *items != NULL; items++) {
		if (strcasecmp(t_str_trim(*items, "<>"), address) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Where the report starts: after the first begin marker found */
static size_t
report_start(const struct bounce_message *msg,
	     const struct bounce_family *decoder)
{
	const char *const *marker, *found;

	if (decoder == NULL || decoder->begin_markers == NULL)
		return 0;
	for (marker = decoder->begin_markers; *marker != NULL; marker++) {
		found = strstr(msg->text_lcase, *marker);
		if (found != NULL) {
			return I_MIN(line_end(msg, found - msg->text_lcase) + 1,
				     msg->text_len);
		}
	}
	return 0;
}

/* "----- Transcript of session follows -----": a section's title */
static bool line_is_banner(const char *line)
{
	size_t len = strlen(line);

	return len >= 6 && (strncmp(line, "---", 3) == 0 ||
			    strncmp(line, "===", 3) == 0) &&
		(strcmp(line + len - 3, "---") == 0 ||
		 strcmp(line + len - 3, "===") == 0);
}

static bool line_has_alnum(const char *line)
{
	for (; *line != '\0'; line++) {
		if (i_isalnum(*line) || (unsigned char)*line >= 0x80)
			return TRUE;
	}
	return FALSE;
}

/* A diagnostic that ends in a colon ("Technical details:") announces
   what follows, even after a blank line */
static bool str_ends_with_colon(string_t *str)
{
	size_t len = str_len(str);

	return len > 0 && str_c(str)[len - 1] == ':';
}

/* msg->text[start..end) with white space folded, bounded */
static const char *
region_text(pool_t pool, const struct bounce_message *msg, size_t start,
	    size_t end)
{
	string_t *str = t_str_new(256);

	bounce_str_append_folded(str, msg->text + start, end - start,
				 REPORT_TEXT_MAX_LENGTH);
	return str_len(str) == 0 ? NULL : p_strdup(pool, str_c(str));
}

const char *bounce_prose_report_text(pool_t pool,
				    const struct bounce_message *msg,
				    const struct bounce_family *decoder)
{
	size_t start = report_start(msg, decoder), end;

	(void)find_original(msg, decoder, start, &end);
	return region_text(pool, msg, start, end);
}

/* Exim and Google name the failed recipients in a header too: trusted
   when the text named none of them */
static void
add_failed_recipients(pool_t pool, const char *failed,
		      struct bounce_report *report)
{
	const char *const *items, *address;
	size_t pos, len;

	for (items = t_strsplit(failed, ", \t"); *items != NULL; items++) {
		address = bounce_prose_find_address(*items, strlen(*items),
						   &pos, &len);
		if (address != NULL &&
		    bounce_prose_add_recipient(pool, report, address,
					      NULL) == NULL)
			break;
	}
}

void bounce_prose_decode(pool_t pool, const struct bounce_message *msg,
			const struct bounce_family *decoder,
			struct bounce_report *report)
{
	const char *lc = msg->text_lcase, *address, *rest;
	const char *failed = msg->hdr.x_failed_recipients;
	const char *cur = NULL;
	string_t *diag = t_str_new(256);
	size_t region_start = report_start(msg, decoder), pos, end, region_end;
	/* a blank line after some diagnostic, or a quoted header line,
	   ends the diagnostic */
	bool blank_after_text = FALSE, header_seen = FALSE;

	(void)find_original(msg, decoder, region_start, &region_end);
	pos = region_start;

	for (; pos < region_end; pos = end + 1) {
		end = line_end(msg, pos);
		if (end > region_end)
			end = region_end;
		address = line_recipient(msg, decoder, msg->text + pos,
					 lc + pos,
					 end - pos, &rest);
		if (address != NULL && address_in_list(address, failed)) {
			if (cur != NULL && strcasecmp(cur, address) == 0 &&
			    !blank_after_text) {
				/* named again in its own diagnostic */
				if (str_len(diag) > 0)
					str_append_c(diag, ' ');
				str_append(diag, rest);
				continue;
			}
			if (cur != NULL && str_len(diag) > 0) {
				(void)bounce_prose_add_recipient(pool, report,
					cur, str_c(diag));
			}
			str_truncate(diag, 0);
			if (bounce_prose_add_recipient(pool, report, address,
						      NULL) == NULL)
				break;
			cur = address;
			str_append(diag, rest);
			blank_after_text = FALSE;
			header_seen = FALSE;
			continue;
		}
		if (cur == NULL)
			continue;

		/* The diagnostic: the lines after the address, up to a
		   blank line once there is some */
		const char *line = t_str_trim(t_strndup(msg->text + pos,
							end - pos), " \t");
		/* a rule of "=====" or "-----" parts like a blank line, and
		   so do a section's title, and a new session or a summary in
		   sendmail's transcript */
		if (!line_has_alnum(line) || line_is_banner(line) ||
		    strncasecmp(line, "while talking to ", 17) == 0 ||
		    sendmail_summary_line(line, strlen(line)) == 'h') {
			blank_after_text = str_len(diag) > 0 &&
				!str_ends_with_colon(diag);
			continue;
		}
		if (line_starts_with_any(t_str_lcase(line), strlen(line),
					 quoted_header_names,
					 N_ELEMENTS(quoted_header_names)))
			header_seen = TRUE;
		/* "The error that the other server returned was:" after a
		   blank line introduces the server's answer: it goes on */
		if (blank_after_text && !header_seen &&
		    line[strlen(line) - 1] == ':')
			blank_after_text = FALSE;
		if (blank_after_text || header_seen ||
		    str_len(diag) >= DIAGNOSTIC_MAX_LENGTH)
			continue;
		if (str_len(diag) > 0)
			str_append_c(diag, ' ');
		str_append(diag, line);
	}
	if (cur != NULL && str_len(diag) > 0)
		(void)bounce_prose_add_recipient(pool, report, cur, str_c(diag));
	if (failed != NULL && array_count(&report->recipients) == 0)
		add_failed_recipients(pool, failed, report);
	if (array_count(&report->recipients) > 0) {
		report->report_text =
			region_text(pool, msg, region_start, region_end);
	}
	/* The text that named nobody is all the explanation there is
	   ("The group you tried to contact may not exist"): the lone
	   recipient's diagnostic */
	if (cur == NULL && array_count(&report->recipients) == 1) {
		struct bounce_recipient *rcpt =
			array_front_modifiable(&report->recipients);

		if (report->report_text != NULL) {
			rcpt->diagnostic_code =
				diagnostic_dup(pool, report->report_text);
		}
	}
}
