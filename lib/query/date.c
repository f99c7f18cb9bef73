/* date.c: the date: filter grammar (YYYY, YYYY-MM, YYYY-MM-DD, and ranges A..B, A.., ..B)
 * turned into inclusive ranges of days since 1970-01-01. */
#include <stdint.h>
#include <string.h>

#include "query/query.h"

/* Days since 1970-01-01 of year y, month m (1..12), day d, proleptic Gregorian calendar:
 * count in 400-year eras starting on March 1st so that the leap day ends each year. */
int32_t qy_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;                                   /* 0..399 */
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* 0..365, from March 1st */
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
    return (int32_t)(era * 146097 + doe - 719468);
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Exactly n ASCII digits at s; -1 otherwise. */
static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One bound: its first and last day. */
static int parse_one(const char *s, size_t len, int32_t *first, int32_t *last, const char **why)
{
    int y, m = 0, d = 0;
    if ((len != 4 && len != 7 && len != 10) || (y = digits(s, 4)) < 0) {
        *why = "expected YYYY, YYYY-MM or YYYY-MM-DD";
        return -1;
    }
    if (len >= 7 && (s[4] != '-' || (m = digits(s + 5, 2)) < 0)) {
        *why = "expected YYYY, YYYY-MM or YYYY-MM-DD";
        return -1;
    }
    if (len == 10 && (s[7] != '-' || (d = digits(s + 8, 2)) < 0)) {
        *why = "expected YYYY, YYYY-MM or YYYY-MM-DD";
        return -1;
    }
    if (len >= 7 && (m < 1 || m > 12)) {
        *why = "month out of range 01..12";
        return -1;
    }
    if (len == 10 && (d < 1 || d > month_days(y, m))) {
        *why = "day out of range for the month";
        return -1;
    }
    *first = qy_days_from_civil(y, m ? m : 1, d ? d : 1);
    int lm = m ? m : 12;
    *last = qy_days_from_civil(y, lm, d ? d : month_days(y, lm));
    return 0;
}

int qy_date_range(const char *s, size_t len, int32_t *lo, int32_t *hi, const char **why)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    int32_t f, l;
    if (!dots) {
        if (parse_one(s, len, &f, &l, why))
            return -1;
        *lo = f, *hi = l;
        return 0;
    }
    size_t a = (size_t)(dots - s), b = len - a - 2;
    if (a == 0 && b == 0) {
        *why = "a range needs at least one bound";
        return -1;
    }
    *lo = INT32_MIN, *hi = INT32_MAX;
    if (a > 0) {
        if (parse_one(s, a, &f, &l, why))
            return -1;
        *lo = f;
    }
    if (b > 0) {
        if (parse_one(dots + 2, b, &f, &l, why))
            return -1;
        *hi = l;
    }
    if (*lo > *hi) {
        *why = "the range starts after it ends";
        return -1;
    }
    return 0;
}

void qy_civil_from_days(int32_t days, int *y, int *m, int *d)
{
    long z = (long)days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;                                 /* 0..146096 */
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0..365 */
    long mp = (5 * doy + 2) / 153;                               /* 0..11, from March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}
