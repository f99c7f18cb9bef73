/* term.h: terminal helpers of the tools: clock, progress line, colour choice. */
#ifndef CJKFTS_TOOLS_TERM_H
#define CJKFTS_TOOLS_TERM_H

#include <stdint.h>
#include <stdio.h>

#include "text.h"

/* Seconds on a monotonic clock. */
double tm_now(void);

/* A progress line redrawn in place ("\r" + erase) at most a few times per second. Disabled
 * progress does nothing; the tools enable it only when the output is a terminal. */
typedef struct tm_progress {
    FILE *out;
    int enabled;
    int shown;        /* a line is on screen */
    double start;     /* tm_now() at init */
    double last;      /* time of the last redraw */
    uint64_t total;   /* expected input bytes, 0 when unknown */
    tx_buf line;
} tm_progress;

#define TM_PROGRESS_INTERVAL 0.25 /* seconds between redraws */

void tm_progress_init(tm_progress *p, FILE *out, int enabled, uint64_t total_bytes);
/* Redraw if TM_PROGRESS_INTERVAL has passed since the last redraw. */
void tm_progress_update(tm_progress *p, uint64_t docs, uint64_t bytes);
/* Erase the line (before printing something else, and at the end). */
void tm_progress_clear(tm_progress *p);
void tm_progress_free(tm_progress *p);

/* The text of a progress line: "1234 docs  12.3/25.0 MB  49%  8.1 MB/s  ETA 0:02".
 * The total, percentage and ETA are left out when total is 0; the rate and ETA are "-" until
 * something was read. Returns 0 or -1 (out of memory). */
int tm_progress_format(tx_buf *out, uint64_t docs, uint64_t bytes, uint64_t total,
                       double elapsed);

/* Append a byte count for people: "512 B", "43.0 KB", "25.6 MB", "1.25 GB" (powers of 1024). */
int tm_format_size(tx_buf *out, uint64_t bytes);

/* Append a duration as "m:ss" or "h:mm:ss". */
int tm_format_duration(tx_buf *out, double seconds);

/* Colour choice for --color=WHEN: TM_COLOR_AUTO uses colour when fd is a terminal whose TERM
 * is not "dumb". */
#define TM_COLOR_NEVER 0
#define TM_COLOR_ALWAYS 1
#define TM_COLOR_AUTO 2
/* Print "PROG: message" (when fmt is not NULL) and the --help hint to stderr; returns the
 * usage exit status 2. */
int tm_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int tm_parse_color(const char *when); /* TM_COLOR_* or -1 */
int tm_use_color(int fd, int when);

#endif
