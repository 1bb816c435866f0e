/*
 * mk/aarch64/cblas.h — the CBLAS declarations src/driver/cpu/cpu_blas.c
 * names, for the aarch64 cross build (mk/aarch64.mk), which has no arm64
 * OpenBLAS headers. The driver only dlopens OpenBLAS; under qemu it finds
 * no arm64 library and computes with its portable sgemm.
 */
#ifndef RV_MK_AARCH64_CBLAS_H
#define RV_MK_AARCH64_CBLAS_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m,
                 int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);
void openblas_set_num_threads(int n);

#endif
