/*
 * pass.c: one pass over the rows (pass.h).  pass->block adds the terms of a block of rows to a
 * vector of pass->size sums; pass_run applies it to the blocks of MOEM_CHUNK rows of the
 * pass's n rows, grouped in MOEM_STRIPES stripes of consecutive blocks.
 *
 * A narrow pass's stripes each sum into their own part of w->parts (MOEM_STRIPES x size) and
 * may run on up to w->threads OpenMP threads, each with its own scratch (w->scratch, threads x
 * scratch_size); the parts are then added in stripe order.  A wide pass (or one whose sums do
 * not fit a part) adds every block into the total, in order, on one thread.  Either way the
 * sums do not depend on the number of threads.  A pass gets the threads its work is worth
 * (pass_threads) and the machine gave the fit's last passes on threads (the gauge, threads.c).
 *
 *   sums  pass->size   the total, overwritten
 */
#include <string.h>
#include "pass.h"
#include "linalg.h"

void pass_run(const moem_pass *pass, pass_work *w, double *sums)
{
    const ptrdiff_t n = pass->n;
    const size_t size = pass->size;
    const int by_stripe = pass->narrow && size <= w->part_size,
              threads = gauge_threads(&w->gauge,
                                      pass_threads(n, pass->row_cost, by_stripe, w->threads));
    if (size > 0) memset(sums, 0, size * sizeof(double));
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic)
#endif
    for (int stripe = 0; stripe < MOEM_STRIPES; stripe++) {
        const double cpu = threads > 1 ? thread_cpu() : 0.0;
        double *sum = by_stripe ? w->parts + stripe * size : sums,
               *scratch = w->scratch + THREAD_NUMBER * w->scratch_size;
        ptrdiff_t first, last;
        if (by_stripe && size > 0) memset(sum, 0, size * sizeof(double));
        stripe_blocks(n, stripe, &first, &last);
        for (ptrdiff_t b = first; b < last; b++)
            pass->block(pass->args, b * MOEM_CHUNK, block_rows(n, b), scratch, sum);
        if (threads > 1) w->gauge.cpu[stripe] = thread_cpu() - cpu;
    }
    gauge_record(&w->gauge, threads);
    if (by_stripe)
        for (int stripe = 0; stripe < MOEM_STRIPES; stripe++)
            add_vector(size, w->parts + stripe * size, sums);
}
