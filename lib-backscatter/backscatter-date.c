/* Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file
 */

#include "lib.h"
#include "backscatter-date.h"

#include <time.h>

bool backscatter_day_parse(const char *str, unsigned int *day_r)
{
	unsigned int year, month, mday;
	struct tm tm;
	time_t t;

	if (strlen(str) != 10 || str[4] != '-' || str[7] != '-' ||
	    str_to_uint(t_strndup(str, 4), &year) < 0 ||
	    str_to_uint(t_strndup(str + 5, 2), &month) < 0 ||
	    str_to_uint(str + 8, &mday) < 0 ||
	    year < 1970 || month < 1 || month > 12 || mday < 1 || mday > 31)
		return FALSE;
	i_zero(&tm);
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = (int)month - 1;
	tm.tm_mday = (int)mday;
	t = timegm(&tm);
	if (t < 0 || t % BACKSCATTER_SECS_PER_DAY != 0)
		return FALSE;
	/* timegm() moves 2026-02-30 to March: refuse what does not come
	   back the same */
	if (strcmp(backscatter_day_to_str(backscatter_day_of(t)), str) != 0)
		return FALSE;
	*day_r = backscatter_day_of(t);
	return TRUE;
}

const char *backscatter_day_to_str(unsigned int day)
{
	time_t t = (time_t)day * BACKSCATTER_SECS_PER_DAY;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		i_unreached();
	return t_strdup_printf("%04d-%02d-%02d", tm.tm_year + 1900,
			       tm.tm_mon + 1, tm.tm_mday);
}
