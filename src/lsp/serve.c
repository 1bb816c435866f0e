/* The stdio loop: a reader thread frames and parses messages into a queue
 * (marking queued requests cancelled on $/cancelRequest); the calling thread
 * answers them in order and refreshes changed folders while idle. */
#include "lsp/frame.h"
#include "lsp/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

rv_lsp_params rv_lsp_default_params(void) {
    rv_lsp_params p;
    memset(&p, 0, sizeof p);
    p.in_fd = 0;
    p.out_fd = 1;
    p.use_index = 1;
    return p;
}

void rv_lsp_error_set(lsp_error *err, int code, const char *fmt, ...) {
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

double rv_lsp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int rv_lsp_send(lsp_server *s, cJSON *msg) {
    if (!msg) return -1;
    if (!cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc"))
        cJSON_AddStringToObject(msg, "jsonrpc", "2.0");
    char *text = cJSON_PrintUnformatted(msg);
    cJSON_Delete(msg);
    if (!text) return -1;
    char head[64];
    size_t n = strlen(text);
    int hn = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", n);
    pthread_mutex_lock(&s->out_mu);
    int rc = write_all(s->out_fd, head, (size_t)hn) || write_all(s->out_fd, text, n) ? -1 : 0;
    pthread_mutex_unlock(&s->out_mu);
    free(text);
    return rc;
}

int rv_lsp_notify(lsp_server *s, const char *method, cJSON *params) {
    cJSON *m = cJSON_CreateObject();
    if (!m || !cJSON_AddStringToObject(m, "method", method)) {
        cJSON_Delete(m);
        cJSON_Delete(params);
        return -1;
    }
    if (params) cJSON_AddItemToObject(m, "params", params);
    return rv_lsp_send(s, m);
}

int rv_lsp_request(lsp_server *s, const char *method, cJSON *params) {
    cJSON *m = cJSON_CreateObject();
    char id[32];
    snprintf(id, sizeof id, "ripvec-%ld", ++s->next_out_id);
    if (!m || !cJSON_AddStringToObject(m, "id", id) ||
        !cJSON_AddStringToObject(m, "method", method)) {
        cJSON_Delete(m);
        cJSON_Delete(params);
        return -1;
    }
    if (params) cJSON_AddItemToObject(m, "params", params);
    return rv_lsp_send(s, m);
}

/* {"jsonrpc":"2.0","id":id|null,"error":{code,message}}; NULL without memory. */
static cJSON *error_msg(const cJSON *id, int code, const char *message) {
    cJSON *m = cJSON_CreateObject();
    cJSON *e = cJSON_CreateObject();
    if (!m || !e) {
        cJSON_Delete(m);
        cJSON_Delete(e);
        return NULL;
    }
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddItemToObject(m, "error", e);
    return m;
}

/* --- the reader thread --- */

typedef struct lsp_in {
    lsp_server *s;
    int fd;
} lsp_in;

/* Reads with a poll timeout, so the thread sees `stop` after `exit`. */
static ssize_t read_polled(void *user, char *buf, size_t n) {
    lsp_in *in = user;
    for (;;) {
        if (in->s->stop) return 0;
        struct pollfd pfd = {in->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR) return -1;
        if (pr <= 0) continue;
        ssize_t r = read(in->fd, buf, n);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

static int same_id(const cJSON *a, const cJSON *b) {
    if (!a || !b) return 0;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a) && cJSON_IsString(b)) return strcmp(a->valuestring, b->valuestring) == 0;
    return 0;
}

static void enqueue(lsp_server *s, lsp_item *it) {
    pthread_mutex_lock(&s->q_mu);
    if (s->tail)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    pthread_cond_signal(&s->q_cv);
    pthread_mutex_unlock(&s->q_mu);
}

/* $/cancelRequest: a queued request with that id is answered RequestCancelled
 * when its turn comes; one already running finishes. */
static void cancel(lsp_server *s, const cJSON *msg) {
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(params, "id");
    pthread_mutex_lock(&s->q_mu);
    for (lsp_item *it = s->head; it; it = it->next)
        if (it->msg && same_id(cJSON_GetObjectItemCaseSensitive(it->msg, "id"), id))
            it->cancelled = 1;
    pthread_mutex_unlock(&s->q_mu);
}

static lsp_item *parse_frame(int ev, const char *body, size_t len) {
    lsp_item *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    const char *why = NULL;
    if (ev == RV_FRAME_BAD_HEADER)
        why = "Parse error: bad header (no valid Content-Length)";
    else if (ev == RV_FRAME_TOO_LARGE)
        why = "Parse error: message too large";
    else if (ev == RV_FRAME_TRUNCATED)
        why = "Parse error: input ended inside a message";
    else if (!rv_lsp_utf8_valid(body, len))
        why = "Parse error: content is not valid UTF-8";
    if (!why) {
        const char *end = NULL;
        it->msg = cJSON_ParseWithLengthOpts(body, len, &end, 0);
        if (!it->msg)
            why = "Parse error: invalid JSON";
        else if (!cJSON_IsObject(it->msg))
            why = cJSON_IsArray(it->msg) ? "Invalid Request: batches are not supported"
                                         : "Invalid Request: a message must be an object";
        if (why && it->msg) {
            cJSON_Delete(it->msg);
            it->msg = NULL;
            it->reply = error_msg(NULL, RV_LSP_INVALID_REQUEST, why);
            return it;
        }
    }
    if (why) it->reply = error_msg(NULL, RV_LSP_PARSE_ERROR, why);
    return it;
}

static void *reader_main(void *arg) {
    lsp_in *in = arg;
    lsp_server *s = in->s;
    rv_lsp_frame_reader r;
    rv_lsp_frame_reader_init(&r, read_polled, in, RV_LSP_MAX_BODY);
    for (;;) {
        const char *body = NULL;
        size_t len = 0;
        int ev = rv_lsp_frame_next(&r, &body, &len);
        if (ev == RV_FRAME_EOF || ev == RV_FRAME_ERROR) break;
        lsp_item *it = parse_frame(ev, body, len);
        if (!it) break;
        const cJSON *m = it->msg ? cJSON_GetObjectItemCaseSensitive(it->msg, "method") : NULL;
        if (cJSON_IsString(m) && strcmp(m->valuestring, "$/cancelRequest") == 0 &&
            !cJSON_GetObjectItemCaseSensitive(it->msg, "id")) {
            cancel(s, it->msg);
            cJSON_Delete(it->msg);
            free(it);
            continue;
        }
        enqueue(s, it);
    }
    rv_lsp_frame_reader_free(&r);
    pthread_mutex_lock(&s->q_mu);
    s->reader_done = 1;
    pthread_cond_signal(&s->q_cv);
    pthread_mutex_unlock(&s->q_mu);
    return NULL;
}

/* Next item, or NULL after a wait of up to 100 ms (idle) / at the end. */
static lsp_item *dequeue(lsp_server *s, int *ended) {
    pthread_mutex_lock(&s->q_mu);
    if (!s->head && !s->reader_done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->q_cv, &s->q_mu, &ts);
    }
    lsp_item *it = s->head;
    if (it) {
        s->head = it->next;
        if (!s->head) s->tail = NULL;
    }
    *ended = !it && s->reader_done;
    pthread_mutex_unlock(&s->q_mu);
    return it;
}

rv_status rv_lsp_serve(int *exit_code, const rv_lsp_params *p) {
    *exit_code = 1;
    lsp_server *s = calloc(1, sizeof *s);
    if (!s) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    s->p = *p;
    s->out_fd = p->out_fd;
    s->opt_definition = s->opt_references = 1;
    s->debounce_ms = 500;
    s->exit_code = 1;
    pthread_mutex_init(&s->out_mu, NULL);
    pthread_mutex_init(&s->q_mu, NULL);
    pthread_cond_init(&s->q_cv, NULL);
    lsp_in in = {s, p->in_fd};
    pthread_t th;
    rv_status st = RV_OK;
    if (pthread_create(&th, NULL, reader_main, &in) != 0) {
        st = rv_error_set(RV_ERR_INTERNAL, "cannot start the reader thread");
        goto done;
    }
    while (!s->done) {
        int ended = 0;
        lsp_item *it = dequeue(s, &ended);
        if (!it) {
            if (ended) break;
            if (s->initialized && !s->shutdown) rv_lsp_refresh_stale(s, 0);
            continue;
        }
        if (it->reply) {
            rv_lsp_send(s, it->reply);
            it->reply = NULL;
        } else {
            rv_lsp_dispatch(s, it->msg, it->cancelled);
        }
        cJSON_Delete(it->msg);
        free(it);
    }
    s->stop = 1;
    pthread_join(th, NULL);
    *exit_code = s->exit_code;
done:
    while (s->head) {
        lsp_item *it = s->head;
        s->head = it->next;
        cJSON_Delete(it->msg);
        cJSON_Delete(it->reply);
        free(it);
    }
    for (size_t i = 0; i < s->n_docs; i++)
        rv_lsp_doc_free(&s->docs[i]);
    free(s->docs);
    for (size_t i = 0; i < s->n_folders; i++)
        rv_lsp_folder_close(&s->folders[i]);
    free(s->folders);
    pthread_mutex_destroy(&s->out_mu);
    pthread_mutex_destroy(&s->q_mu);
    pthread_cond_destroy(&s->q_cv);
    free(s);
    return st;
}

void rv_lsp_reply(lsp_server *s, const cJSON *id, cJSON *result, const lsp_error *err) {
    if (!result) {
        rv_lsp_send(s, error_msg(id, err->code ? err->code : RV_LSP_INTERNAL_ERROR,
                                 err->code ? err->message : "out of memory"));
        return;
    }
    cJSON *m = cJSON_CreateObject();
    if (!m) {
        cJSON_Delete(result);
        return;
    }
    cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, 1));
    cJSON_AddItemToObject(m, "result", result);
    rv_lsp_send(s, m);
}
