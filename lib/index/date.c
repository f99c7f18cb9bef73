/* date.c: ISO 8601 date parsing for the date column: the calendar date as written, in days
 * since 1970-01-01. */
#include <string.h>

#include "index/index.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (era arithmetic). */
int32_t ix_days_from_civil(int32_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/* Read exactly n digits at s[*i]; false when any is missing. */
static bool digits(const char *s, size_t len, size_t *i, int n, unsigned *v)
{
    unsigned r = 0;
    for (int k = 0; k < n; k++, (*i)++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return false;
        r = r * 10 + (unsigned)(s[*i] - '0');
    }
    *v = r;
    return true;
}

/* hh[:mm[:ss[.fff]]] or hh[mm[ss]] in the same style as the date, then an optional zone:
 * Z, +hh, +hh:mm or +hhmm. */
static bool parse_time(const char *s, size_t len, size_t *i, bool ext)
{
    unsigned h, mi = 0, se = 0;
    if (!digits(s, len, i, 2, &h))
        return false;
    if (*i < len && (ext ? s[*i] == ':' : (s[*i] >= '0' && s[*i] <= '9'))) {
        *i += ext;
        if (!digits(s, len, i, 2, &mi))
            return false;
        if (*i < len && (ext ? s[*i] == ':' : (s[*i] >= '0' && s[*i] <= '9'))) {
            *i += ext;
            if (!digits(s, len, i, 2, &se))
                return false;
            if (*i < len && (s[*i] == '.' || s[*i] == ',')) {
                (*i)++;
                size_t start = *i;
                while (*i < len && s[*i] >= '0' && s[*i] <= '9')
                    (*i)++;
                if (*i == start)
                    return false;
            }
        }
    }
    if (h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se)))
        return false;
    if (*i < len && s[*i] == 'Z') {
        (*i)++;
    } else if (*i < len && (s[*i] == '+' || s[*i] == '-')) {
        (*i)++;
        unsigned zh, zm = 0;
        if (!digits(s, len, i, 2, &zh))
            return false;
        if (*i < len && s[*i] == ':')
            (*i)++;
        if (*i < len && !digits(s, len, i, 2, &zm))
            return false;
        if (zh > 23 || zm > 59)
            return false;
    }
    return true;
}

int ix_parse_date(const char *s, size_t len, int32_t *days, cf_err *err)
{
    size_t i = 0;
    unsigned y, m, d;
    bool ext = len >= 5 && s[4] == '-';
    bool ok = digits(s, len, &i, 4, &y);
    if (ok && ext)
        i++;
    ok = ok && digits(s, len, &i, 2, &m);
    if (ok && ext)
        ok = i < len && s[i++] == '-';
    ok = ok && digits(s, len, &i, 2, &d);
    ok = ok && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
    if (ok && i < len) {
        ok = (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && ++i < len;
        ok = ok && parse_time(s, len, &i, ext);
        ok = ok && i == len;
    }
    if (!ok)
        return cf_fail(err, CJKFTS_EINVAL, "date \"%.*s\" is not an ISO 8601 date (expected "
                       "YYYY-MM-DD, optionally with a time such as T14:30:00+09:00)",
                       (int)(len > 64 ? 64 : len), s);
    *days = ix_days_from_civil((int32_t)y, m, d);
    return 0;
}
