/* The aarch64 build's driver and forward-pass tests under qemu-user, on an
 * x86-64 host. mk/aarch64.mk cross-compiles them into
 * $RIPVEC_BUILD/aarch64/tests/; they run here on two qemu CPU models:
 * cortex-a53, without the dot-product extension (NEON kernels, int8 by
 * widening multiplies), and neoverse-n1, with it (q7 / q7f by sdot). A run
 * passes when it ends in "N passed, 0 failed" with N > 0, exits 0, and
 * (test_driver_neon) finds the extension exactly where the model has it.
 * Without the binaries (no cross compiler, or the sanitizer flavour), qemu
 * or one of the models, that part reports "not run". */
#include "rvtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* test_driver_cpu (the driver's ops against double references, through
 * the kernels the CPU gets) runs on the model with the most paths only: it
 * is the slowest under qemu, and the first two cover both models. */
static const char *const g_bins[] = {"test_driver_neon", "test_engine_forward", "test_driver_cpu"};
enum { N_BOTH = 2 };
/* The CPU models: without and with the dot-product extension. */
#define MODEL_PLAIN "cortex-a53"
#define MODEL_DOT "neoverse-n1"
static char g_dir[1024], g_qemu[512], g_sysroot[512];

/* Runs one cross-built test on one CPU model and checks its summary. */
static void run_one(const char *bin, const char *model, int dotprod) {
    char cmd[3072], line[1024];
    snprintf(cmd, sizeof cmd, "'%s' -cpu %s -L '%s' '%s/%s' 2>&1; echo \"exit $?\"", g_qemu, model,
             g_sysroot, g_dir, bin);
    FILE *p = popen(cmd, "r");
    RV_CHECK(p != NULL);
    if (!p) return;
    int passed = -1, failed = -1, rc = -1, saw_dot = -1;
    while (fgets(line, sizeof line, p)) {
        printf("    %s", line);
        int a, b;
        char tail;
        if (sscanf(line, "%d passed, %d failed%c", &a, &b, &tail) == 3 && tail == '\n')
            passed = a, failed = b;
        sscanf(line, "exit %d", &rc);
        if (strcmp(line, "  dotprod: yes\n") == 0) saw_dot = 1;
        if (strcmp(line, "  dotprod: no\n") == 0) saw_dot = 0;
    }
    pclose(p);
    RV_CHECK_MSG(passed > 0 && failed == 0 && rc == 0, "%s on %s: %d passed, %d failed, exit %d",
                 bin, model, passed, failed, rc);
    if (strcmp(bin, "test_driver_neon") == 0)
        RV_CHECK_MSG(saw_dot == dotprod, "%s on %s: dot-product extension %d, want %d", bin, model,
                     saw_dot, dotprod);
}

static void run_model(const char *model, int dotprod) {
    for (size_t i = 0; i < (dotprod ? sizeof g_bins / sizeof g_bins[0] : N_BOTH); i++) {
        printf("  qemu-aarch64 -cpu %s %s\n", model, g_bins[i]);
        fflush(stdout);
        run_one(g_bins[i], model, dotprod);
    }
}

RV_TEST(aarch64_tests_pass_without_dotprod) {
    run_model(MODEL_PLAIN, 0);
}

RV_TEST(aarch64_tests_pass_with_dotprod) {
    run_model(MODEL_DOT, 1);
}

/* Why the runs cannot happen here, or NULL when they can. */
static const char *unavailable(void) {
#if !defined(__x86_64__)
    return "not an x86-64 host (an aarch64 one runs test_driver_neon natively)";
#else
    const char *build = getenv("RIPVEC_BUILD"), *root = getenv("QEMU_LD_PREFIX");
    snprintf(g_dir, sizeof g_dir, "%s/aarch64/tests", build && *build ? build : "build");
    snprintf(g_sysroot, sizeof g_sysroot, "%s", root && *root ? root : "/usr/aarch64-linux-gnu");
    char path[1100];
    for (size_t i = 0; i < sizeof g_bins / sizeof g_bins[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, g_bins[i]);
        if (access(path, X_OK) != 0)
            return "no aarch64 test binaries (no cross compiler, or not the normal flavour)";
    }
    FILE *p = popen("command -v qemu-aarch64 || command -v qemu-aarch64-static", "r");
    int found = p && fgets(g_qemu, sizeof g_qemu, p) != NULL;
    if (p) pclose(p);
    g_qemu[strcspn(g_qemu, "\n")] = '\0';
    if (!found || !g_qemu[0]) return "no qemu-aarch64 (scripts/setup.d/60-aarch64.sh installs it)";
    return NULL;
#endif
}

/* 1 when this qemu offers CPU model `model` (`-cpu help` lists it). */
static int has_model(const char *model) {
    char cmd[600], line[256];
    snprintf(cmd, sizeof cmd, "'%s' -cpu help", g_qemu);
    FILE *p = popen(cmd, "r");
    int found = 0;
    while (p && fgets(line, sizeof line, p)) {
        char name[64];
        if (sscanf(line, " %63s", name) == 1 && strcmp(name, model) == 0) found = 1;
    }
    if (p) pclose(p);
    if (!found) printf("not run: qemu -cpu %s (this qemu does not offer it)\n", model);
    return found;
}

int main(void) {
    const char *why = unavailable();
    if (why) {
        printf("not run: the aarch64 tests under qemu (%s)\n", why);
        return rv_test_summary();
    }
    if (has_model(MODEL_PLAIN)) RV_RUN(aarch64_tests_pass_without_dotprod);
    if (has_model(MODEL_DOT)) RV_RUN(aarch64_tests_pass_with_dotprod);
    return rv_test_summary();
}
