/*
 * pass.h: one pass over the rows, the primitive of every sum over the data (pass.c).
 *
 * A pass is a block function, which adds the terms of a block of at most MOEM_CHUNK
 * consecutive rows to a vector of sums, and its arguments: the parameters it is evaluated at,
 * the data, and where it writes results by row (the E-step's posterior, the class
 * probabilities of a softmax pass), if any.  pass_run applies it to all the rows, block by
 * block, and reduces the blocks' sums in a fixed order, whatever the number of threads.  The
 * passes of an in-memory fit also read what earlier passes left by row (the E-step's
 * posterior, which the M-steps' passes weight their rows by); a data source whose rows are
 * not all in memory will have to recompute that from the E-step's parameters in each block.
 */
#ifndef MOEM_PASS_H
#define MOEM_PASS_H

#include <stddef.h>

/* Rows per block when a design is scaled by weights before a BLAS product. */
#define MOEM_CHUNK 1024

/* A pass sums over MOEM_STRIPES stripes of consecutive blocks of rows, each stripe apart, and
 * then adds the stripes' sums in order: the stripes may run on several threads (OpenMP), and
 * the sums, so the fit, are the same whatever their number. */
#define MOEM_STRIPES 16

/* Stripes run on several threads only when a row's products have at most this many terms:
 * wider designs leave the threads to the BLAS, whose products then dominate the pass, and add
 * every stripe's gradient, statistics or Hessian into one sum, in order, with no copy by
 * stripe. */
#define MOEM_NARROW 256

#ifdef _OPENMP
#include <omp.h>
#define THREAD_NUMBER omp_get_thread_num()
#else
#define THREAD_NUMBER 0
#endif

/* Before a loop of elementwise arithmetic over rows (no reductions, no branches): lets the
 * compiler use vector registers, which R's default -O2 does not for a loop whose length it
 * does not know.  Each element is computed as without it, so the results are the same. */
#ifdef _OPENMP
#define SIMD_LOOP _Pragma("omp simd")
#else
#define SIMD_LOOP
#endif

/* The blocks of stripe `stripe` of n rows are *first .. *last - 1 (block b: rows b MOEM_CHUNK
 * onwards, block_rows(n, b) of them). */
static inline void stripe_blocks(ptrdiff_t n, int stripe, ptrdiff_t *first, ptrdiff_t *last)
{
    const ptrdiff_t blocks = (n + MOEM_CHUNK - 1) / MOEM_CHUNK;
    *first = blocks * stripe / MOEM_STRIPES;
    *last = blocks * (stripe + 1) / MOEM_STRIPES;
}

static inline int block_rows(ptrdiff_t n, ptrdiff_t b)
{
    return (int) (n - b * MOEM_CHUNK < MOEM_CHUNK ? n - b * MOEM_CHUNK : MOEM_CHUNK);
}

/* Whether a pass whose rows' products have `terms` terms keeps its sums by stripe and may run
 * on several threads (see MOEM_NARROW). */
static inline int narrow_terms(size_t terms)
{
    return terms <= MOEM_NARROW;
}

/* A narrow pass runs its stripes on several threads only when its work, n rows times a row's
 * cost, is at least MOEM_THREAD_WORK.  The cost of a row is an estimate of its time on one core
 * in nanoseconds, from the pass's shape (estep_row_cost, softmax.c's row_cost, glm_row_cost
 * and the others' own), measured on the development machine.  A pass on two threads gains at
 * most half its time, and on a machine whose cores are busy with other programs it loses from
 * a few to some 30 ms: a thread that
 * shares its core waits for its timeslice while the other waits for it at the end of the pass,
 * and OpenMP's waiting threads spin (for some 3 ms, libgomp's default) in the time the other
 * would use.  From 10 ms of work (an E-step of 1e5 rows with d = 5 covariates, K = 3 gaussian
 * experts and the gate on the same) the gain on an idle machine is worth it, and a fit too
 * small for that never risks the loss.  A fit that does get the work also watches what its
 * passes on threads get from the machine (thread_gauge, threads.c) and keeps to one thread
 * while the cores are busy. */
#define MOEM_THREAD_WORK 1e7

/* The threads of a pass over n rows whose rows cost row_cost each: one when the work is small,
 * there is a single block or the pass is wide. */
static inline int pass_threads(ptrdiff_t n, double row_cost, int narrow, int threads)
{
    return narrow && n > MOEM_CHUNK && (double) n * row_cost >= MOEM_THREAD_WORK ? threads : 1;
}

/* Whether a fit's passes on threads get the cores they need (threads.c); zero at the start. */
typedef struct {
    double cpu[MOEM_STRIPES]; /* each stripe's CPU time in the last pass on threads */
    double start;             /* the elapsed time (omp_get_wtime) at that pass's start */
    int wait;                 /* passes to run on one thread before threads are tried again */
    int backoff;              /* the wait after the next try that fails */
} thread_gauge;

/* The terms of rows i0 .. i0 + len - 1 (len <= MOEM_CHUNK) added to sums; scratch is the
 * calling thread's (pass_work.scratch_size doubles).  A block function writes results by row
 * only to its own rows, so that blocks may run on several threads. */
typedef void pass_block(const void *args, ptrdiff_t i0, int len, double *scratch, double *sums);

typedef struct {
    pass_block *block;
    const void *args;  /* the block function's arguments */
    ptrdiff_t n;       /* rows */
    size_t size;       /* doubles of the sums */
    double row_cost;   /* a row's cost on one core, in nanoseconds (pass_threads) */
    int narrow;        /* 1: each stripe sums apart, and the stripes may run on several threads;
                          0 (a wide design, whose products give the BLAS its threads): every
                          block adds into the total, in order, on one thread */
} moem_pass;

/* The workspace of a fit's passes, allocated once per fit (ffi.c) for its largest pass. */
typedef struct {
    int threads;         /* at most, from 1 to MOEM_STRIPES */
    thread_gauge gauge;  /* how the fit's passes on threads went (threads.c) */
    size_t scratch_size; /* doubles of each thread's scratch */
    double *scratch;     /* threads x scratch_size */
    size_t part_size;    /* doubles of each stripe's sums: a narrow pass of more runs as wide */
    double *parts;       /* MOEM_STRIPES x part_size */
} pass_work;

/* pass.c */
void pass_run(const moem_pass *pass, pass_work *w, double *sums);

/* threads.c */
int gauge_threads(thread_gauge *g, int threads);
double thread_cpu(void);
void gauge_update(thread_gauge *g, double cpu, double wall);
void gauge_record(thread_gauge *g, int threads);

#endif
