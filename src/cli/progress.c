/* The progress line on a terminal; the line itself comes from the sink. */
#include "cli/cli.h"
#include "ripvec/sink.h"

#include <stdio.h>
#include <string.h>

void rv_cli_progress_draw(void *user, const rv_progress *p) {
    rv_cli_progress *ps = user;
    if (!ps || !ps->on) return;
    if (strcmp(p->phase, "done") == 0) {
        rv_cli_progress_clear(ps);
        return;
    }
    int last = p->chunks_total && p->chunks_done == p->chunks_total;
    if (ps->active && p->elapsed_s - ps->last < 0.1 && !last) return;
    ps->last = p->elapsed_s;
    ps->active = 1;
    char line[200];
    fprintf(stderr, "\r\x1b[Kripvec: %s", rv_sink_progress_line(line, sizeof line, p));
    fflush(stderr);
}

void rv_cli_progress_clear(rv_cli_progress *ps) {
    if (!ps || !ps->active) return;
    fputs("\r\x1b[K", stderr);
    fflush(stderr);
    ps->active = 0;
}

void rv_cli_note(void *user, const char *msg) {
    rv_cli_progress_clear(user);
    fprintf(stderr, "ripvec: %s\n", msg);
}

void rv_cli_progress_skip(void *user, const char *path, const char *why, const char *detail) {
    rv_cli_progress_clear(user);
    /* a path is text from the file system: no control bytes on a terminal */
    fputs("ripvec: skipped ", stderr);
    for (const char *c = path; *c; c++)
        fputc((unsigned char)*c < 0x20 || *c == 0x7F ? '?' : *c, stderr);
    if (detail && detail[0])
        fprintf(stderr, ": %s (%s)\n", why, detail);
    else
        fprintf(stderr, ": %s\n", why);
}
