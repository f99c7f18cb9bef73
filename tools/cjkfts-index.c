/* cjkfts-index.c: the indexer: adds folders of text, Markdown and HTML files and JSON Lines
 * files to an index, replacing documents by id.
 *
 * Exit status: 0 when every input was indexed, 1 when some inputs or records were skipped
 * (each one reported on stderr; the rest is indexed and committed), 2 on a usage error or a
 * fatal error (the index keeps its last commit), 130 when interrupted (what was read is
 * committed first).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjkfts.h"
#include "input.h"
#include "term.h"
#include "text.h"

#define PROG "cjkfts-index"
#define DEFAULT_COMMIT_BYTES (512ull << 20) /* periodic commit: every 512 MiB of input */
#define STOP_FATAL (-1)
#define STOP_INTERRUPT (-2)
#ifndef QUEUE_BYTES
#define QUEUE_BYTES (64u << 20) /* parsed documents waiting for the writer, at most */
#endif

static const char usage_text[] =
    "Usage: " PROG " [OPTION]... DIR INPUT...\n"
    "Create or open the index in folder DIR and add documents from each INPUT; a document\n"
    "whose id is already in the index replaces it.\n"
    "\n"
    "An INPUT is\n"
    "  a folder     every .txt, .md and .html/.htm file below it is one document, with its\n"
    "               path relative to the folder as id and its first line (Markdown: without\n"
    "               '#'; HTML: <title> or first <h1>) as title\n"
    "  a file       .txt/.md/.html/.htm: one document with the file name as id;\n"
    "               .jsonl/.json: one JSON object per line with fields id, title, body,\n"
    "               date, url (others are stored as extra fields; HTML bodies become text)\n"
    "\n"
    "Options:\n"
    "  --ram-budget=MB     memory for buffered postings before a segment is written\n"
    "                      (default 256)\n"
    "  --commit-every=N    commit after every N documents (default: at the end and after\n"
    "                      every 512 MB of input; 0: at the end only)\n"
    "  --optimize          merge the index into one segment at the end (INPUT optional)\n"
    "  --no-fold           new index: do not fold traditional/simplified/Japanese variants\n"
    "  --stemmer=LANG      new index: Snowball stemmer for Latin words (default english;\n"
    "                      none to disable)\n"
    "  -q, --quiet         no progress line and no summary (problems are still reported)\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "Records that cannot be indexed (malformed JSON, no id, invalid UTF-8, binary files...) are\n"
    "reported on stderr with file and line and skipped. Exit status: 0 all indexed, 1 some\n"
    "inputs skipped, 2 error, 130 interrupted (what was read is committed).\n";

typedef struct options {
    const char *dir;
    char **inputs;
    int n_inputs;
    uint64_t ram_mb;
    uint64_t commit_every; /* documents; 0: none by count */
    int commit_every_set;
    int optimize, quiet, no_fold;
    const char *stemmer;
} options;

typedef struct indexer {
    const options *o;
    cjkfts_index *ix;
    cjkfts_writer *w;
    tm_progress prog;
    uint64_t docs0;       /* live documents before this run */
    uint64_t docs_now;    /* live documents at the last commit */
    uint64_t adds;        /* documents given to the writer */
    uint64_t bytes;
    uint64_t since_commit_docs, since_commit_bytes;
    uint64_t counts[IN_KINDS];
    cjkfts_field *extra;
    size_t extra_cap;
} indexer;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

#define usage_error(...) tm_usage_error(PROG, __VA_ARGS__)

/* ---- reporting --------------------------------------------------------------------------- */

static void print_where(const char *file, unsigned long line)
{
    if (line)
        fprintf(stderr, PROG ": %s:%lu: ", file, line);
    else
        fprintf(stderr, PROG ": %s: ", file);
}

static void on_problem(void *ctx, const in_problem *p)
{
    indexer *x = ctx;
    x->counts[p->kind]++;
    tm_progress_clear(&x->prog);
    print_where(p->file, p->line);
    fprintf(stderr, "%s: %s\n", p->kind >= IN_SKIP_KINDS ? "warning" : "skipped", p->detail);
}

static void fatal(indexer *x, const char *what, const void *handle)
{
    tm_progress_clear(&x->prog);
    fprintf(stderr, PROG ": error: %s: %s\n", what, cjkfts_errmsg(handle));
}

/* ---- writing ------------------------------------------------------------------------------ */

static int refresh_count(indexer *x)
{
    cjkfts_index_stats st;
    if (cjkfts_index_stats_get(x->ix, &st) != 0) {
        fatal(x, "cannot read the index statistics", x->ix);
        return STOP_FATAL;
    }
    x->docs_now = st.docs;
    return 0;
}

static int commit(indexer *x)
{
    if (cjkfts_writer_commit(x->w) != 0) {
        fatal(x, "commit failed", x->w);
        return STOP_FATAL;
    }
    x->since_commit_docs = x->since_commit_bytes = 0;
    return refresh_count(x);
}

static int maybe_commit(indexer *x)
{
    int due = x->o->commit_every_set
                  ? x->o->commit_every && x->since_commit_docs >= x->o->commit_every
                  : x->since_commit_bytes >= DEFAULT_COMMIT_BYTES;
    return due ? commit(x) : 0;
}

/* Errors that concern one document only; anything else stops the run. */
static int is_document_error(int rc)
{
    return rc == CJKFTS_EINVAL || rc == CJKFTS_ETOOBIG || rc == CJKFTS_EUTF8;
}

static int on_doc(void *ctx, const in_doc *d)
{
    indexer *x = ctx;
    if (interrupted)
        return STOP_INTERRUPT;
    if (d->n_extra > x->extra_cap) {
        size_t cap = d->n_extra * 2;
        cjkfts_field *e = realloc(x->extra, cap * sizeof *e);
        if (!e)
            return IN_ENOMEM;
        x->extra = e, x->extra_cap = cap;
    }
    for (size_t i = 0; i < d->n_extra; i++)
        x->extra[i] = (cjkfts_field){d->extra[i].name, d->extra[i].value, d->extra[i].len};
    cjkfts_doc doc = {
        .id = d->id, .id_len = d->id_len,
        .title = d->title, .title_len = d->title_len,
        .body = d->body, .body_len = d->body_len,
        .date = d->date, .url = d->url,
        .extra = x->extra, .n_extra = d->n_extra,
    };
    int rc = cjkfts_writer_add(x->w, &doc);
    if (rc != 0 && is_document_error(rc)) {
        in_problem p = {d->file, d->line, IN_REJECTED, cjkfts_errmsg(x->w)};
        on_problem(x, &p);
        return 0;
    }
    if (rc != 0) {
        fatal(x, "cannot add a document", x->w);
        return STOP_FATAL;
    }
    x->adds++;
    x->since_commit_docs++;
    tm_progress_update(&x->prog, x->adds, x->bytes);
    return maybe_commit(x);
}

static void on_bytes(void *ctx, uint64_t n)
{
    indexer *x = ctx;
    x->bytes += n;
    x->since_commit_bytes += n;
    tm_progress_update(&x->prog, x->adds, x->bytes);
}

/* ---- reading on a second thread ----------------------------------------------------------- */

/* A reader thread runs the plan and turns each document and problem into an event queued for
 * the writer (the main thread), which replays them in order on the callbacks above: reports,
 * counts, progress and commit points are those of reading on the writer's thread. Input bytes
 * consumed before an event travel with it. The queue holds at most QUEUE_BYTES of events
 * (or one bigger event); when the writer stops, the reader stops at its next document. */

enum { EV_DOC, EV_PROBLEM };

typedef struct event {
    struct event *next;
    int type;
    size_t size;     /* bytes allocated, for the queue bound */
    uint64_t bytes;  /* input consumed before this event */
    in_doc doc;      /* EV_DOC: strings point into the block */
    in_problem prob; /* EV_PROBLEM */
    in_field extra[];
} event;

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_take;
    event *head, *tail;
    size_t held;        /* bytes of queued events */
    int stop;           /* the writer stopped: the reader ends */
    int done;           /* the reader ended: reader_rc, end_bytes (read after its last event) */
    int reader_rc;
    uint64_t end_bytes;
    /* reader thread only */
    const in_plan *plan;
    uint64_t pending;   /* bytes consumed since the last event */
    int oom;
} pipeline;

/* Copy len bytes and a NUL to *at; returns the copy, or NULL when s is NULL. */
static const char *copy_str(char **at, const char *s, size_t len)
{
    if (!s)
        return NULL;
    char *d = *at;
    memcpy(d, s, len);
    d[len] = '\0';
    *at += len + 1;
    return d;
}

static event *event_new(pipeline *p, int type, size_t n_extra, size_t strings)
{
    size_t size = sizeof(event) + n_extra * sizeof(in_field) + strings;
    event *e = malloc(size);
    if (!e) {
        p->oom = 1;
        return NULL;
    }
    memset(e, 0, sizeof *e);
    e->type = type, e->size = size, e->bytes = p->pending;
    p->pending = 0;
    return e;
}

static event *copy_doc(pipeline *p, const in_doc *d)
{
    size_t file_len = strlen(d->file), date_len = d->date ? strlen(d->date) : 0;
    size_t url_len = d->url ? strlen(d->url) : 0;
    size_t strings = file_len + d->id_len + d->title_len + d->body_len + date_len + url_len + 6;
    for (size_t i = 0; i < d->n_extra; i++)
        strings += strlen(d->extra[i].name) + d->extra[i].len + 2;
    event *e = event_new(p, EV_DOC, d->n_extra, strings);
    if (!e)
        return NULL;
    char *at = (char *)(e->extra + d->n_extra);
    e->doc = (in_doc){
        .file = copy_str(&at, d->file, file_len), .line = d->line,
        .id = copy_str(&at, d->id, d->id_len), .id_len = d->id_len,
        .title = copy_str(&at, d->title, d->title_len), .title_len = d->title_len,
        .body = copy_str(&at, d->body, d->body_len), .body_len = d->body_len,
        .date = copy_str(&at, d->date, date_len), .url = copy_str(&at, d->url, url_len),
        .extra = e->extra, .n_extra = d->n_extra,
    };
    for (size_t i = 0; i < d->n_extra; i++) {
        const in_field *f = &d->extra[i];
        e->extra[i].name = copy_str(&at, f->name, strlen(f->name));
        e->extra[i].value = copy_str(&at, f->value, f->len);
        e->extra[i].len = f->len;
    }
    return e;
}

/* Queue e for the writer, waiting while the queue is full; -1 (e freed) when the writer
 * stopped. */
static int put(pipeline *p, event *e)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->held > 0 && p->held + e->size > QUEUE_BYTES)
        pthread_cond_wait(&p->can_put, &p->mu);
    int stopped = p->stop;
    if (!stopped) {
        if (p->tail)
            p->tail->next = e;
        else
            p->head = e;
        p->tail = e;
        p->held += e->size;
        pthread_cond_signal(&p->can_take);
    }
    pthread_mutex_unlock(&p->mu);
    if (stopped)
        free(e);
    return stopped ? -1 : 0;
}

static int reader_on_doc(void *ctx, const in_doc *d)
{
    pipeline *p = ctx;
    event *e = p->oom ? NULL : copy_doc(p, d);
    if (!e)
        return IN_ENOMEM;
    return put(p, e) < 0 ? STOP_FATAL : 0;
}

static void reader_on_problem(void *ctx, const in_problem *pr)
{
    pipeline *p = ctx;
    if (p->oom)
        return;
    size_t file_len = strlen(pr->file), detail_len = strlen(pr->detail);
    event *e = event_new(p, EV_PROBLEM, 0, file_len + detail_len + 2);
    if (!e)
        return;
    char *at = (char *)e->extra;
    e->prob = (in_problem){copy_str(&at, pr->file, file_len), pr->line, pr->kind,
                           copy_str(&at, pr->detail, detail_len)};
    put(p, e);
}

static void reader_on_bytes(void *ctx, uint64_t n)
{
    pipeline *p = ctx;
    p->pending += n;
}

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    in_sink sink = {reader_on_doc, reader_on_problem, reader_on_bytes, p};
    int rc = in_plan_run(p->plan, &sink);
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    p->reader_rc = p->oom ? IN_ENOMEM : rc;
    p->end_bytes = p->pending;
    pthread_cond_signal(&p->can_take);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Next event for the writer; NULL when the reader is done. */
static event *take(pipeline *p, int *reader_rc, uint64_t *end_bytes)
{
    pthread_mutex_lock(&p->mu);
    while (!p->head && !p->done)
        pthread_cond_wait(&p->can_take, &p->mu);
    event *e = p->head;
    if (e) {
        p->head = e->next;
        if (!p->head)
            p->tail = NULL;
        p->held -= e->size;
        pthread_cond_signal(&p->can_put);
    } else {
        *reader_rc = p->reader_rc;
        *end_bytes = p->end_bytes;
    }
    pthread_mutex_unlock(&p->mu);
    return e;
}

/* Replay the reader's events on the indexer until the end or a stop value. */
static int replay(pipeline *p, indexer *x)
{
    int rc = 0;
    uint64_t end_bytes = 0;
    event *e;
    while ((e = take(p, &rc, &end_bytes)) != NULL) {
        if (e->bytes)
            on_bytes(x, e->bytes);
        if (e->type == EV_DOC)
            rc = on_doc(x, &e->doc);
        else
            on_problem(x, &e->prob);
        free(e);
        if (rc != 0)
            return rc;
    }
    if (end_bytes)
        on_bytes(x, end_bytes);
    return rc;
}

/* Read the plan on a reader thread while this thread writes; same result as in_plan_run with
 * the indexer's sink (which it falls back to when no thread can be started). */
static int run_pipelined(const in_plan *plan, indexer *x, const in_sink *direct)
{
    pipeline p;
    memset(&p, 0, sizeof p);
    p.plan = plan;
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return in_plan_run(plan, direct);
    if (pthread_cond_init(&p.can_put, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return in_plan_run(plan, direct);
    }
    if (pthread_cond_init(&p.can_take, NULL) != 0) {
        pthread_cond_destroy(&p.can_put);
        pthread_mutex_destroy(&p.mu);
        return in_plan_run(plan, direct);
    }
    /* signals go to this thread, whose on_doc sees the interruption */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_t reader;
    int started = pthread_create(&reader, NULL, reader_main, &p) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int rc;
    if (started) {
        rc = replay(&p, x);
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_signal(&p.can_put);
        pthread_mutex_unlock(&p.mu);
        pthread_join(reader, NULL);
        while (p.head) {
            event *e = p.head;
            p.head = e->next;
            free(e);
        }
    } else {
        rc = in_plan_run(plan, direct);
    }
    pthread_cond_destroy(&p.can_take);
    pthread_cond_destroy(&p.can_put);
    pthread_mutex_destroy(&p.mu);
    return rc;
}

/* ---- summary ------------------------------------------------------------------------------ */

static void print_summary(indexer *x, const in_plan *plan, double seconds)
{
    const double mb = 1024.0 * 1024.0;
    uint64_t added = x->docs_now > x->docs0 ? x->docs_now - x->docs0 : 0;
    uint64_t replaced = x->adds > added ? x->adds - added : 0;
    printf("%llu document%s indexed: %llu new, %llu replaced\n", (unsigned long long)x->adds,
           x->adds == 1 ? "" : "s", (unsigned long long)added, (unsigned long long)replaced);
    uint64_t skipped = 0, warned = 0;
    for (int k = 0; k < IN_KINDS; k++)
        *(k < IN_SKIP_KINDS ? &skipped : &warned) += x->counts[k];
    for (int pass = 0; pass < 2; pass++) {
        uint64_t n = pass ? warned : skipped;
        if (n == 0)
            continue;
        printf(pass ? "%llu warning%s:" : "%llu skipped%s:", (unsigned long long)n,
               pass && n != 1 ? "s" : "");
        const char *sep = " ";
        for (int k = pass ? IN_SKIP_KINDS : 0; k < (pass ? IN_KINDS : IN_SKIP_KINDS); k++) {
            if (x->counts[k]) {
                printf("%s%llu %s", sep, (unsigned long long)x->counts[k], in_kind_name(k));
                sep = ", ";
            }
        }
        putchar('\n');
    }
    if (plan->ignored)
        printf("%zu file%s of other types ignored\n", plan->ignored,
               plan->ignored == 1 ? "" : "s");
    cjkfts_index_stats st;
    if (cjkfts_index_stats_get(x->ix, &st) == 0)
        printf("index %s: %llu document%s, %u segment%s\n", x->o->dir,
               (unsigned long long)st.docs, st.docs == 1 ? "" : "s", st.segments,
               st.segments == 1 ? "" : "s");
    else
        memset(&st, 0, sizeof st);
    tx_buf size, isize;
    tx_buf_init(&size);
    tx_buf_init(&isize);
    tm_format_size(&size, x->bytes);
    tm_format_size(&isize, st.total_bytes);
    printf("%s read in %.2f s (%.1f MB/s), index size %s\n", tx_buf_str(&size), seconds,
           seconds > 0 ? (double)x->bytes / mb / seconds : 0.0, tx_buf_str(&isize));
    tx_buf_free(&size);
    tx_buf_free(&isize);
}

/* ---- main --------------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, options *o)
{
    enum { OPT_RAM = 256, OPT_COMMIT, OPT_OPTIMIZE, OPT_NOFOLD, OPT_STEMMER };
    static const struct option longopts[] = {
        {"ram-budget", required_argument, NULL, OPT_RAM},
        {"commit-every", required_argument, NULL, OPT_COMMIT},
        {"optimize", no_argument, NULL, OPT_OPTIMIZE},
        {"no-fold", no_argument, NULL, OPT_NOFOLD},
        {"stemmer", required_argument, NULL, OPT_STEMMER},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->ram_mb = 256;
    int c;
    while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RAM:
            if (tx_parse_u64(optarg, 1u << 20, &o->ram_mb) < 0 || o->ram_mb == 0)
                return usage_error("--ram-budget wants a number of megabytes >= 1, not '%s'",
                                   optarg);
            break;
        case OPT_COMMIT:
            if (tx_parse_u64(optarg, UINT64_MAX, &o->commit_every) < 0)
                return usage_error("--commit-every wants a number of documents, not '%s'",
                                   optarg);
            o->commit_every_set = 1;
            break;
        case OPT_OPTIMIZE: o->optimize = 1; break;
        case OPT_NOFOLD: o->no_fold = 1; break;
        case OPT_STEMMER:
            if (strlen(optarg) >= sizeof ((cjkfts_analyzer_options *)0)->stemmer)
                return usage_error("--stemmer: '%s' is too long", optarg);
            o->stemmer = optarg;
            break;
        case 'q': o->quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case 'V': printf(PROG " (cjkfts) %s\n", cjkfts_version()); return 0;
        default: return usage_error(NULL);
        }
    }
    if (optind >= argc)
        return usage_error("missing index folder DIR");
    o->dir = argv[optind++];
    o->inputs = argv + optind;
    o->n_inputs = argc - optind;
    if (o->n_inputs == 0 && !o->optimize)
        return usage_error("missing INPUT (a folder, text file or JSON Lines file)");
    return -1;
}

static void warn_ignored_settings(const options *o, const cjkfts_index_options *have)
{
    if (o->no_fold && have->analyzer.fold_variants)
        fprintf(stderr, PROG ": warning: the index exists and folds variants; --no-fold only "
                        "applies to a new index\n");
    const char *want = o->stemmer && strcmp(o->stemmer, "none") != 0 ? o->stemmer : "";
    if (o->stemmer && strcmp(want, have->analyzer.stemmer) != 0)
        fprintf(stderr, PROG ": warning: the index exists with stemmer '%s'; --stemmer only "
                        "applies to a new index\n", have->analyzer.stemmer);
}

static int open_index(indexer *x, const options *o)
{
    cjkfts_index_options io;
    cjkfts_index_options_init(&io);
    io.ram_budget = (size_t)o->ram_mb << 20;
    if (o->no_fold)
        io.analyzer.fold_variants = 0;
    if (o->stemmer)
        snprintf(io.analyzer.stemmer, sizeof io.analyzer.stemmer, "%s",
                 strcmp(o->stemmer, "none") == 0 ? "" : o->stemmer);
    if (cjkfts_index_open(o->dir, &io, CJKFTS_OPEN_CREATE, &x->ix) != 0) {
        fprintf(stderr, PROG ": error: cannot open or create the index %s: %s\n", o->dir,
                cjkfts_errmsg(x->ix));
        return STOP_FATAL;
    }
    warn_ignored_settings(o, cjkfts_index_get_options(x->ix));
    if (cjkfts_writer_open(x->ix, &x->w) != 0) {
        fprintf(stderr, PROG ": error: cannot write to the index %s: %s\n", o->dir,
                cjkfts_errmsg(x->w ? (const void *)x->w : (const void *)x->ix));
        return STOP_FATAL;
    }
    if (refresh_count(x) < 0)
        return STOP_FATAL;
    x->docs0 = x->docs_now;
    return 0;
}

static int finish(indexer *x, int rc)
{
    if (rc == 0 || rc == STOP_INTERRUPT)
        rc = commit(x) < 0 ? STOP_FATAL : rc;
    if (rc == 0 && x->o->optimize && cjkfts_writer_optimize(x->w) != 0) {
        fatal(x, "optimize failed", x->w);
        rc = STOP_FATAL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    indexer x;
    memset(&x, 0, sizeof x);
    x.o = &o;
    in_sink sink = {on_doc, on_problem, on_bytes, &x};
    in_plan plan;
    in_plan_init(&plan);
    tm_progress_init(&x.prog, stderr, !o.quiet && isatty(STDERR_FILENO), 0);
    double t0 = tm_now();
    for (int i = 0; i < o.n_inputs && rc != IN_ENOMEM; i++)
        rc = in_plan_add(&plan, o.inputs[i], &sink);
    if (rc == IN_ENOMEM) {
        fprintf(stderr, PROG ": error: out of memory\n");
        in_plan_free(&plan);
        return 2;
    }
    x.prog.total = plan.total_bytes;
    rc = open_index(&x, &o);
    if (rc == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESETHAND; /* a second signal ends the program at once */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        rc = run_pipelined(&plan, &x, &sink);
        if (rc == IN_ENOMEM) {
            tm_progress_clear(&x.prog);
            fprintf(stderr, PROG ": error: out of memory\n");
            rc = STOP_FATAL;
        }
        rc = finish(&x, rc);
        tm_progress_clear(&x.prog);
        if (rc == STOP_INTERRUPT)
            fprintf(stderr, PROG ": interrupted; the documents read so far are committed\n");
        if (rc == STOP_FATAL)
            fprintf(stderr, PROG ": the index keeps its last commit (%llu documents)\n",
                    (unsigned long long)x.docs_now);
        else if (!o.quiet)
            print_summary(&x, &plan, tm_now() - t0);
    }
    uint64_t skipped = 0;
    for (int k = 0; k < IN_SKIP_KINDS; k++)
        skipped += x.counts[k];
    cjkfts_writer_close(x.w);
    cjkfts_index_close(x.ix);
    tm_progress_free(&x.prog);
    in_plan_free(&plan);
    free(x.extra);
    if (rc == STOP_INTERRUPT)
        return 130;
    return rc != 0 ? 2 : skipped ? 1 : 0;
}
