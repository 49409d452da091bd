/*
 * threads.c: whether the machine gives a pass's threads the cores they need.
 *
 * A pass that pass_threads (moem.h) gives several threads times each stripe's CPU time
 * (thread_cpu) and the whole pass's elapsed time.  If its threads did less than GAUGE_CORES
 * cores' worth of work over the pass's time (they waited for cores that other programs held,
 * or for each other at its end), one thread would have been about as fast, and the fit's next
 * passes run on one thread: GAUGE_WAIT of them, then one tries threads again, and after each
 * try that fails the wait doubles, up to GAUGE_WAIT_MAX passes.  A fit on a busy machine so
 * pays for a few passes on threads, not for all of them; on an idle one, threads do some 1.8
 * cores' worth of work and every large pass keeps them.  The sums do not depend on the
 * threads, so neither does the fit.
 *
 *   g->cpu    MOEM_STRIPES  each stripe's CPU time in the last pass on threads, in seconds
 */
#include <time.h>
#include "moem.h"

#define GAUGE_CORES 1.25
#define GAUGE_WAIT 16
#define GAUGE_WAIT_MAX 1024

/* Elapsed seconds from some fixed point; 0 without OpenMP, whose passes have one thread */
static double elapsed(void)
{
#ifdef _OPENMP
    return omp_get_wtime();
#else
    return 0.0;
#endif
}

/* The threads of a pass that pass_threads gave `threads`: one while the gauge waits */
int gauge_threads(thread_gauge *g, int threads)
{
    if (threads <= 1) return 1;
    if (g->wait > 0) {
        g->wait--;
        return 1;
    }
    g->start = elapsed();
    return threads;
}

/* The calling thread's CPU time in seconds, or 0 where the system has no such clock */
double thread_cpu(void)
{
#ifdef CLOCK_THREAD_CPUTIME_ID
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0) return t.tv_sec + 1e-9 * t.tv_nsec;
#endif
    return 0.0;
}

/* After a pass on threads that did `cpu` seconds of work in `wall` seconds */
void gauge_update(thread_gauge *g, double cpu, double wall)
{
    if (!(cpu > 0.0 && wall > 0.0)) return; /* no CPU clock: the threads stay */
    if (cpu < GAUGE_CORES * wall) {
        g->wait = g->backoff > GAUGE_WAIT ? g->backoff : GAUGE_WAIT;
        g->backoff = 2 * g->wait < GAUGE_WAIT_MAX ? 2 * g->wait : GAUGE_WAIT_MAX;
    } else {
        g->backoff = GAUGE_WAIT;
    }
}

/* After a pass on `threads` threads (as gauge_threads returned), with its stripes' CPU times
 * in g->cpu */
void gauge_record(thread_gauge *g, int threads)
{
    double cpu = 0.0;
    if (threads <= 1) return;
    for (int s = 0; s < MOEM_STRIPES; s++) cpu += g->cpu[s];
    gauge_update(g, cpu, elapsed() - g->start);
}
