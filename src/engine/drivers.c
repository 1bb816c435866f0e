/* The table of compiled-in drivers (see driver.h). A backend that needs an
 * optional toolkit registers here behind the macro its mk/ file defines. */
#include "engine/driver.h"

#include <string.h>

static const rv_driver *const g_drivers[] = {
#ifdef RV_HAVE_CUDA
    &rv_driver_cuda,
#endif
    &rv_driver_cpu,
};

const rv_driver *rv_driver_find(const char *name) {
    if (!name || !*name || strcmp(name, "cpu") == 0) return &rv_driver_cpu;
    if (strcmp(name, "auto") == 0) return g_drivers[0];
    for (size_t i = 0; i < sizeof g_drivers / sizeof g_drivers[0]; i++)
        if (strcmp(g_drivers[i]->name, name) == 0) return g_drivers[i];
    return NULL;
}
