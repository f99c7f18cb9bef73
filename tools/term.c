/* term.c: terminal helpers of the tools: clock, progress line, colour choice. */
#include "term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double tm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tm_format_size(tx_buf *out, uint64_t bytes)
{
    const double k = 1024.0;
    double b = (double)bytes;
    if (bytes < 1024)
        return tx_buf_printf(out, "%llu B", (unsigned long long)bytes);
    if (b < k * k)
        return tx_buf_printf(out, "%.1f KB", b / k);
    if (b < k * k * k)
        return tx_buf_printf(out, "%.1f MB", b / (k * k));
    return tx_buf_printf(out, "%.2f GB", b / (k * k * k));
}

int tm_format_duration(tx_buf *out, double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    if (seconds > 359999)
        seconds = 359999; /* 99:59:59 */
    unsigned long s = (unsigned long)(seconds + 0.5);
    if (s >= 3600)
        return tx_buf_printf(out, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    return tx_buf_printf(out, "%lu:%02lu", s / 60, s % 60);
}

int tm_progress_format(tx_buf *out, uint64_t docs, uint64_t bytes, uint64_t total,
                       double elapsed)
{
    const double mb = 1024.0 * 1024.0;
    double rate = elapsed > 0 && bytes > 0 ? (double)bytes / mb / elapsed : 0;
    int rc = tx_buf_printf(out, "%llu docs  ", (unsigned long long)docs);
    if (total > 0) {
        double pct = bytes >= total ? 100.0 : 100.0 * (double)bytes / (double)total;
        rc |= tx_buf_printf(out, "%.1f/%.1f MB  %.0f%%  ", (double)bytes / mb,
                            (double)total / mb, pct);
    } else {
        rc |= tx_buf_printf(out, "%.1f MB  ", (double)bytes / mb);
    }
    if (rate > 0)
        rc |= tx_buf_printf(out, "%.1f MB/s", rate);
    else
        rc |= tx_buf_puts(out, "- MB/s");
    if (total > 0) {
        rc |= tx_buf_puts(out, "  ETA ");
        if (rate > 0)
            rc |= tm_format_duration(out, (double)(total > bytes ? total - bytes : 0) / mb / rate);
        else
            rc |= tx_buf_puts(out, "-");
    }
    return rc ? -1 : 0;
}

void tm_progress_init(tm_progress *p, FILE *out, int enabled, uint64_t total_bytes)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->enabled = enabled;
    p->start = p->last = tm_now();
    p->total = total_bytes;
    tx_buf_init(&p->line);
}

void tm_progress_update(tm_progress *p, uint64_t docs, uint64_t bytes)
{
    if (!p->enabled)
        return;
    double now = tm_now();
    if (now - p->last < TM_PROGRESS_INTERVAL)
        return;
    p->last = now;
    tx_buf_clear(&p->line);
    if (tm_progress_format(&p->line, docs, bytes, p->total, now - p->start) < 0)
        return;
    fprintf(p->out, "\r\033[K%s", tx_buf_str(&p->line));
    fflush(p->out);
    p->shown = 1;
}

void tm_progress_clear(tm_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
        p->shown = 0;
    }
}

void tm_progress_free(tm_progress *p)
{
    tm_progress_clear(p);
    tx_buf_free(&p->line);
}

int tm_parse_color(const char *when)
{
    if (strcmp(when, "never") == 0)
        return TM_COLOR_NEVER;
    if (strcmp(when, "always") == 0)
        return TM_COLOR_ALWAYS;
    if (strcmp(when, "auto") == 0)
        return TM_COLOR_AUTO;
    return -1;
}

int tm_use_color(int fd, int when)
{
    if (when != TM_COLOR_AUTO)
        return when == TM_COLOR_ALWAYS;
    const char *term = getenv("TERM");
    return isatty(fd) && !(term && strcmp(term, "dumb") == 0);
}

int tm_usage_error(const char *prog, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", prog);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
    return 2;
}
