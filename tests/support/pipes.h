/*
 * tests/support/pipes.h — what the tests that drive `ripvec` servers over
 * pipes share: starting the child, writing to it, reading JSON-RPC replies.
 *
 *   rv_child c;
 *   char *argv[] = {bin, "mcp", root, NULL};
 *   if (!rv_child_start(&c, argv, "/tmp/x/stderr.log")) fail();
 *   rv_child_write(&c, "...", n);
 *   ... rv_rpc_code(reply), rv_rpc_id(reply) ...
 *   rv_child_wait(&c, 60);                   // exit status, or -1
 */
#ifndef RV_TESTS_SUPPORT_PIPES_H
#define RV_TESTS_SUPPORT_PIPES_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct rv_child {
    pid_t pid;
    int to, from; /* the child's stdin (ours to write), its stdout (ours to read) */
} rv_child;

/* Starts argv[0] with its stdin/stdout on pipes and its stderr appended to
 * log (NULL: ours). 1 on success. */
int rv_child_start(rv_child *c, char *const argv[], const char *log);

/* Writes all n bytes to the child's stdin; 0 when it has gone. */
int rv_child_write(rv_child *c, const char *p, size_t n);

/* Closes the child's stdin (EOF for it). */
void rv_child_close_input(rv_child *c);

/* Waits up to timeout_s for the child to exit (then kills it); its exit
 * status, or -1 when killed or signalled. Closes both pipes. */
int rv_child_wait(rv_child *c, int timeout_s);

/* A reply's error.code (0 when none) and its id as an int (-1 for null,
 * -2 when absent or not a number). */
int rv_rpc_code(const cJSON *reply);
int rv_rpc_id(const cJSON *reply);

/* The end of a test's temporary directory: when failed, its stderr.log (the
 * server's, as rv_child_start wrote it) is printed; then it is removed. */
void rv_test_tmp_done(const char *tmp, int failed);

/* Writes text to dir/rel (the directories must exist). */
void rv_test_write_file(const char *dir, const char *rel, const char *text);

#endif
