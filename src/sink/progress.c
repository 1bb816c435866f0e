/* The progress line shared by the CLI's terminal display and the MCP log. */
#include "ripvec/sink.h"

#include <string.h>

/* "N" or "N/TOTAL" when the total is known. */
static int count(char *buf, size_t cap, size_t done, size_t total) {
    return total ? snprintf(buf, cap, "%zu/%zu", done, total) : snprintf(buf, cap, "%zu", done);
}

char *rv_sink_progress_line(char *buf, size_t cap, const rv_progress *p) {
    char files[48], chunks[48], tail[64] = "";
    count(files, sizeof files, p->files_done, p->files_total);
    count(chunks, sizeof chunks, p->chunks_done, p->chunks_total);
    double t = p->elapsed_s > 0 ? p->elapsed_s : 0;
    if (t > 0 && p->chunks_done > 0) {
        double rate = (double)p->chunks_done / t;
        /* what is left: by the run's chunks as estimated from the bytes read
         * so far when known, else by the chunk total, else by files */
        double left = -1;
        size_t total =
            p->bytes_total && p->chunks_total ? rv_progress_chunks_estimate(p) : p->chunks_total;
        if (total >= p->chunks_done)
            left = (double)(total - p->chunks_done) / rate;
        else if (p->files_total >= p->files_done && p->files_done > 0)
            left = t * (double)(p->files_total - p->files_done) / (double)p->files_done;
        int n = snprintf(tail, sizeof tail, ", %.0f chunks/s", rate);
        if (left >= 0 && n > 0 && (size_t)n < sizeof tail)
            snprintf(tail + n, sizeof tail - (size_t)n, ", ETA %.0fs", left);
    }
    snprintf(buf, cap, "%s: %s files, %s chunks%s", p->phase ? p->phase : "index", files, chunks,
             tail);
    return buf;
}
