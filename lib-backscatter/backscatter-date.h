#ifndef BACKSCATTER_DATE_H
#define BACKSCATTER_DATE_H

/* Calendar days as the tags count them: days since 1970-01-01 UTC. */

#define BACKSCATTER_SECS_PER_DAY (24 * 60 * 60)

static inline unsigned int backscatter_day_of(time_t t)
{
	return t < 0 ? 0 : (unsigned int)(t / BACKSCATTER_SECS_PER_DAY);
}

/* Parses "YYYY-MM-DD" (UTC). Returns FALSE for anything else, including
   impossible dates such as 2026-02-30. */
bool backscatter_day_parse(const char *str, unsigned int *day_r);
/* Formats a day as "YYYY-MM-DD". Data stack. */
const char *backscatter_day_to_str(unsigned int day);

#endif
