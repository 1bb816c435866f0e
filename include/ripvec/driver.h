/*
 * ripvec/driver.h — knobs of the compute driver that the front end sets
 * (the library reads no environment); rv_model_params carries them.
 *
 *   rv_model_params mp = rv_model_default_params();
 *   mp.driver.kernels = "avx2";   // force a kernel family (cpu)
 */
#ifndef RIPVEC_DRIVER_H
#define RIPVEC_DRIVER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Zero-initialised: the driver's own best choices. */
typedef struct rv_driver_params {
    /* cpu: the kernel family, NULL or "auto" for the best this CPU has;
     * "portable", "avx2", ... force one (rv_model_load fails with
     * RV_ERR_UNSUPPORTED where the CPU lacks it) */
    const char *kernels;
    /* cpu, fp32: plain weights and OpenBLAS's sgemm instead of the packed
     * kernels (for comparisons); RV_ERR_UNSUPPORTED when it cannot load */
    int blas;
} rv_driver_params;

#ifdef __cplusplus
}
#endif

#endif
