/*
 * exp_block.c: x[i] = exp(x[i]) for an array of len doubles, the exponentials of the passes
 * over the rows (the E-step's gate and posterior, the softmax M-steps' class probabilities).
 *
 * On x86-64, four at a time (GCC's vector extensions, in two SSE2 instructions each, or, on a
 * processor with AVX2, where the compiler builds that version, in one AVX instruction: the
 * same operations, the same results): x = k log 2 + r with |r| <= log(2) / 2 (Cody and Waite's
 * two-part log 2), exp(r) by the rational form of fdlibm's e_exp.c (its minimax coefficients,
 * Sun Microsystems 1993, freely usable: error below 1 ulp), times 2^k made in the exponent
 * bits.  Measured within 1 ulp of the C library's exp() over [-708, 709]; an element outside
 * that range (where 2^k would not be a normal number) takes the library's exp() instead, so
 * subnormal results, 0 and Inf are as exp() gives them, and NaN stays NaN.  The last one to
 * three elements go through the same code beside zeros, so that an element's result depends
 * on its value only, not on its place in the array.  Elsewhere (and on Windows), exp()
 * element by element.
 *
 * exp_from_top takes the exponentials of a block's linear predictors less their largest
 * (len x m, as the E-step and the softmax objective need them).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "moem.h"

/* not on Windows, where GCC does not align the stack for 32-byte vectors */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(_WIN32)
#include <emmintrin.h>

#define LOWEST -708.0
#define HIGHEST 709.0

/* four doubles, and their bits; GCC's vector extensions (clang has them too) compile each
 * operation to two SSE2 instructions, or to one AVX instruction in exp_block's AVX2 clone
 * (the helpers below are always inlined, so that each clone has its own) */
typedef double vec4 __attribute__((vector_size(32)));
typedef unsigned long long bits4 __attribute__((vector_size(32))); /* unsigned: wraps, never UB */

/* exp of x[0..3] in place, each in [LOWEST, HIGHEST] (or NaN) */
static inline __attribute__((always_inline)) void exp_four(double *x)
{
    const double shifter = 6755399441055744.0; /* 1.5 2^52: adding it rounds to integers */
    const vec4 shifter4 = { shifter, shifter, shifter, shifter };
    vec4 v;
    memcpy(&v, x, sizeof v);
    const vec4 t = v * 1.4426950408889634 + shifter4, k = t - shifter4;
    const bits4 k_bits = (bits4) t - (bits4) shifter4;
    /* r = hi - lo = x - k log 2, log 2 in two parts so that k times the first is exact */
    const vec4 hi = v - k * 6.93147180369123816490e-01, lo = k * 1.90821492927058770002e-10;
    const vec4 r = hi - lo, s = r * r;
    /* exp(r) = 1 + r + r c / (2 - c), c = r - s R(s), s = r^2, R of degree 5 */
    const vec4 poly = ((((4.13813679705723846039e-08 * s - 1.65339022054652515390e-06) * s +
                         6.61375632143793436117e-05) * s - 2.77777777770155933842e-03) * s +
                       1.66666666666666019037e-01);
    const vec4 c = r - s * poly, y = 1.0 - ((lo - r * c / (2.0 - c)) - hi);
    const bits4 scale = (k_bits + 1023) << 52;
    v = y * (vec4) scale;
    memcpy(x, &v, sizeof v);
}

/* bit j set if x[j] is outside [LOWEST, HIGHEST] (not NaN), j = 0..3 */
static inline __attribute__((always_inline)) int out_of_range(const double *x)
{
    const __m128d lowest = _mm_set1_pd(LOWEST), highest = _mm_set1_pd(HIGHEST);
    const __m128d a = _mm_loadu_pd(x), b = _mm_loadu_pd(x + 2);
    return _mm_movemask_pd(_mm_or_pd(_mm_cmplt_pd(a, lowest), _mm_cmpgt_pd(a, highest))) |
           _mm_movemask_pd(_mm_or_pd(_mm_cmplt_pd(b, lowest), _mm_cmpgt_pd(b, highest))) << 2;
}

/* exp of x[0..3] in place; an element outside [LOWEST, HIGHEST] (not NaN) by exp() */
static inline __attribute__((always_inline)) void exp_four_checked(double *x)
{
    const int out = out_of_range(x);
    double given[4];
    if (out) memcpy(given, x, sizeof given);
    exp_four(x);
    for (int j = 0; out && j < 4; j++) if (out >> j & 1) x[j] = exp(given[j]);
}

/* Compiled twice where the compiler can choose between versions when the library is loaded
 * (GCC and clang on Linux with the GNU C library, whose indirect functions make the choice; not
 * musl): for any x86-64 (SSE2), and for processors with AVX2, whose version computes the same
 * operations four at a time, to the same last bit. */
#if defined(__linux__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
__attribute__((target_clones("avx2", "default")))
#endif
#endif
void exp_block(double *x, size_t len)
{
    size_t i = 0;
    for (; i + 4 <= len; i += 4) exp_four_checked(x + i);
    if (i < len) { /* the last one to three beside zeros */
        double quad[4] = { 0.0, 0.0, 0.0, 0.0 };
        memcpy(quad, x + i, (len - i) * sizeof(double));
        exp_four_checked(quad);
        memcpy(x + i, quad, (len - i) * sizeof(double));
    }
}

#else

void exp_block(double *x, size_t len)
{
    for (size_t i = 0; i < len; i++) x[i] = exp(x[i]);
}

#endif

/* top (len) = the largest of each row of a (len x m, leading dimension lda) and of least;
 * out (len x m, leading dimension ldout; it may be a itself) = exp(a - top), row by row. */
void exp_from_top(int len, int m, const double *a, int lda, double *out, int ldout,
                  double *top, double least)
{
    for (int i = 0; i < len; i++) top[i] = least;
    for (int c = 0; c < m; c++) {
        const double *ac = a + (size_t) c * lda;
        SIMD_LOOP /* without a branch: a NaN leaves top as it is */
        for (int i = 0; i < len; i++) top[i] = ac[i] > top[i] ? ac[i] : top[i];
    }
    for (int c = 0; c < m; c++) {
        const double *ac = a + (size_t) c * lda;
        double *oc = out + (size_t) c * ldout;
        SIMD_LOOP
        for (int i = 0; i < len; i++) oc[i] = ac[i] - top[i];
        exp_block(oc, len);
    }
}
