# The starts of a fit, run one after the other or side by side on `cores` processes, with one
# random-number stream per start so that the fit does not depend on the number of cores.

#' @importFrom parallel mclapply nextRNGStream makePSOCKcluster parLapply stopCluster
#'   clusterCall
#' @noRd
NULL

# Runs the starts of a problem; list(best = the best start's C result, starts = each start's
# final log-posterior).  `given` is a start made from `init` (the first start), or NULL;
# `strategy` the named strategy of the others (see start-strategies.R).
run_starts <- function(problem, given, strategy, nstart, cores, call) {
  if (is.null(cores)) cores <- 1L
  streams <- start_streams(nstart)
  if (identical(strategy, "short_em") && is.null(given)) {
    return(run_short_em(problem, nstart, streams, cores, call))
  }
  one <- function(s, problem) {
    start <- if (s == 1L && !is.null(given)) given else {
      strategy_start(strategy, problem, call)
    }
    run_em(problem, start)
  }
  results <- map_starts(nstart, one, streams, cores, problem, call)
  logpost <- vapply(results, function(r) r$logpost, 0)
  list(best = results[[best_start(logpost)]], starts = logpost)
}

# "short_em": `nstart` short runs of EM (short_em_iterations each) from random starts, the one
# with the highest log-likelihood continued to convergence (as Rmixmod's and mclust's small-EM
# starts).  `starts` are the short runs' log-posteriors.
run_short_em <- function(problem, nstart, streams, cores, call) {
  short <- problem
  short$control$maxit <- min(problem$control$maxit, short_em_iterations)
  results <- map_starts(nstart, function(s, short) run_em(short, start_random(short)), streams,
                        cores, short, call)
  logpost <- vapply(results, function(r) r$logpost, 0)
  chosen <- results[[best_start(logpost)]]
  best <- if (!is.finite(chosen$logpost)) chosen else {
    run_em(problem, list(beta = chosen$beta, gate = chosen$gate, sigma = chosen$sigma,
                         post = NULL))
  }
  list(best = best, starts = logpost)
}

# The first start with the highest finite log-posterior (the first start when none is finite).
best_start <- function(logpost) {
  finite <- which(is.finite(logpost))
  if (!length(finite)) return(1L)
  finite[which.max(logpost[finite])]
}

# One random-number state per start, made in the master before any start runs, and the
# master's state after them.  With RNGkind("L'Ecuyer-CMRG"): stream s is the s-th
# parallel::nextRNGStream() from the master's state, and the master moves on to the stream
# after the last.  With another generator: seed s is the s-th of `nstart` integers drawn from
# the master's generator, set by set.seed() with the same kinds (the starts' random numbers
# then still derive from the master's seed, though without L'Ecuyer's guarantee that the
# streams do not overlap).
start_streams <- function(nstart) {
  if (!exists(".Random.seed", envir = globalenv(), inherits = FALSE)) stats::runif(1L)
  kind <- RNGkind()
  if (kind[1L] == "L'Ecuyer-CMRG") {
    streams <- vector("list", nstart)
    state <- get(".Random.seed", envir = globalenv())
    for (s in seq_len(nstart)) streams[[s]] <- state <- parallel::nextRNGStream(state)
    return(list(streams = streams, after = parallel::nextRNGStream(state)))
  }
  seeds <- sample.int(.Machine$integer.max, nstart, replace = TRUE)
  list(streams = lapply(seeds, function(seed) list(seed = seed, kind = kind)),
       after = get(".Random.seed", envir = globalenv()))
}

use_stream <- function(stream) {
  if (is.list(stream)) {
    set.seed(stream$seed, kind = stream$kind[1L], normal.kind = stream$kind[2L],
             sample.kind = stream$kind[3L])
  } else {
    assign(".Random.seed", stream, envir = globalenv())
  }
}

# fun(s, problem) for s in 1..n, start s on stream s: in this process (cores = 1, or a single start),
# on forked workers, or on a socket cluster where there is no fork (Windows).  Each worker's
# fit runs on threads %/% cores threads.  An error in any start is an error of the fit.
map_starts <- function(n, fun, streams, cores, problem, call,
                       type = if (.Platform$OS.type == "windows") "psock" else "fork") {
  on.exit(assign(".Random.seed", streams$after, envir = globalenv()))
  run <- function(s, problem) {
    use_stream(streams$streams[[s]])
    fun(s, problem)
  }
  cores <- min(cores, n)
  if (cores == 1L) return(lapply(seq_len(n), run, problem))
  # (the fit is the same on any number of threads)
  problem$control$threads <- as.integer(max(1L, problem$control$threads %/% cores))
  results <- parallel_map(n, function(s) run(s, problem), cores, type)
  failure <- parallel_failure(results)
  if (failure$index > 0L) {
    abort("Start ", failure$index, " failed on a parallel worker (`cores = ", cores,
          "` in moem_control()): ", conditionMessage(failure$condition), call = call)
  }
  results
}

