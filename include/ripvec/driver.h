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
    /* cuda: 1 lets cuBLAS use TF32 tensor cores (faster, ~1e-3 relative
     * error; off so results match the cpu driver). The CLI sets it from
     * $RIPVEC_CUDA_TF32=1. */
    int cuda_tf32;
    /* cuda: the driver library to load; NULL: libripvec_cuda.so next to the
     * executable or one level up. The CLI passes $RIPVEC_CUDA_LIB. Loaded once
     * per process, on the first request for cuda: later values are unused. */
    const char *cuda_lib;
} rv_driver_params;

#ifdef __cplusplus
}
#endif

#endif
