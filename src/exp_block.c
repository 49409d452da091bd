/*
 * exp_block.c: x[i] = exp(x[i]) for an array of len doubles, the exponentials of the passes
 * over the rows (the E-step's gate and posterior, the softmax M-steps' class probabilities).
 *
 * On x86-64, two at a time with SSE2 (part of every x86-64 processor): x = k log 2 + r with
 * |r| <= log(2) / 2 (Cody and Waite's two-part log 2), exp(r) by the rational form of fdlibm's
 * e_exp.c (its minimax coefficients, Sun Microsystems 1993, freely usable: error below 1 ulp),
 * times 2^k made in the exponent bits.  Measured
 * within 1 ulp of the C library's exp() over [-708, 709]; an element outside that range
 * (where 2^k would not be a normal number) takes the library's exp() instead, so subnormal
 * results, 0 and Inf are as exp() gives them, and NaN stays NaN.  A last odd element goes
 * through the same code beside a 0, so that an element's result depends on its value only,
 * not on its place in the array.  Elsewhere, exp() element by element.
 *
 * exp_from_top takes the exponentials of a block's linear predictors less their largest
 * (len x m, as the E-step and the softmax objective need them).
 */
#include <math.h>
#include <stddef.h>
#include "moem.h"

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>

#define LOWEST -708.0
#define HIGHEST 709.0

static inline __m128d mul_add(__m128d a, __m128d b, __m128d c)
{
    return _mm_add_pd(_mm_mul_pd(a, b), c);
}

/* exp of two elements in [LOWEST, HIGHEST] (or NaN) */
static inline __m128d exp_pair(__m128d x)
{
    const __m128d shifter = _mm_set1_pd(6755399441055744.0); /* 1.5 2^52: rounds to integers */
    const __m128d t = _mm_add_pd(_mm_mul_pd(x, _mm_set1_pd(1.4426950408889634)), shifter);
    const __m128d k = _mm_sub_pd(t, shifter);
    const __m128i k_bits = _mm_sub_epi64(_mm_castpd_si128(t), _mm_castpd_si128(shifter));
    /* r = hi - lo = x - k log 2, log 2 in two parts so that k times the first is exact */
    const __m128d hi = _mm_sub_pd(x, _mm_mul_pd(k, _mm_set1_pd(6.93147180369123816490e-01)));
    const __m128d lo = _mm_mul_pd(k, _mm_set1_pd(1.90821492927058770002e-10));
    const __m128d r = _mm_sub_pd(hi, lo), s = _mm_mul_pd(r, r);
    /* exp(r) = 1 + r + r c / (2 - c), c = r - s R(s), s = r^2, R of degree 5 */
    __m128d poly = mul_add(s, _mm_set1_pd(4.13813679705723846039e-08),
                           _mm_set1_pd(-1.65339022054652515390e-06));
    poly = mul_add(s, poly, _mm_set1_pd(6.61375632143793436117e-05));
    poly = mul_add(s, poly, _mm_set1_pd(-2.77777777770155933842e-03));
    poly = mul_add(s, poly, _mm_set1_pd(1.66666666666666019037e-01));
    const __m128d c = _mm_sub_pd(r, _mm_mul_pd(s, poly));
    const __m128d q = _mm_div_pd(_mm_mul_pd(r, c), _mm_sub_pd(_mm_set1_pd(2.0), c));
    const __m128d y = _mm_sub_pd(_mm_set1_pd(1.0), _mm_sub_pd(_mm_sub_pd(lo, q), hi));
    const __m128i scale = _mm_slli_epi64(_mm_add_epi64(k_bits, _mm_set1_epi64x(1023)), 52);
    return _mm_mul_pd(y, _mm_castsi128_pd(scale));
}

/* exp of x[0], x[1] in place; an element outside [LOWEST, HIGHEST] (not NaN) by exp() */
static inline void exp_two(double *x)
{
    const __m128d v = _mm_loadu_pd(x);
    const int out = _mm_movemask_pd(_mm_or_pd(_mm_cmplt_pd(v, _mm_set1_pd(LOWEST)),
                                              _mm_cmpgt_pd(v, _mm_set1_pd(HIGHEST))));
    double given[2];
    if (out) _mm_storeu_pd(given, v);
    _mm_storeu_pd(x, exp_pair(v));
    if (out & 1) x[0] = exp(given[0]);
    if (out & 2) x[1] = exp(given[1]);
}

void exp_block(double *x, size_t len)
{
    size_t i = 0;
    for (; i + 2 <= len; i += 2) exp_two(x + i);
    if (i < len) {
        double pair[2] = { x[i], 0.0 };
        exp_two(pair);
        x[i] = pair[0];
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
