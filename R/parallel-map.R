# fun(i) for i in 1..n on up to `cores` processes, for the restarts of a fit (restarts.R) and
# the replicates of anova()'s bootstrap (anova-bootstrap.R): in this process with one core;
# else on forked workers (mclapply) where R can fork, or on a socket cluster of fresh sessions
# that see this session's libraries and load moem (Windows).  On workers, an error comes back
# as a "try-error" result, and a worker that dies as NULL, so that the caller can say which
# one failed; in this process, errors are raised as they happen.
parallel_map <- function(n, fun, cores,
                         type = if (.Platform$OS.type == "windows") "psock" else "fork") {
  cores <- min(cores, n)
  if (cores <= 1L) return(lapply(seq_len(n), fun))
  if (type == "fork") {
    # (its warning that some failed: the caller's error says which)
    return(suppressWarnings(parallel::mclapply(seq_len(n), fun, mc.cores = cores,
                                               mc.set.seed = FALSE)))
  }
  cluster <- parallel::makePSOCKcluster(cores)
  on.exit(parallel::stopCluster(cluster))
  parallel::clusterCall(cluster, function(paths) .libPaths(paths), .libPaths())
  parallel::clusterEvalQ(cluster, loadNamespace("moem"))
  parallel::parLapply(cluster, seq_len(n), function(i) try(fun(i), silent = TRUE))
}

# The first failed result of parallel_map() (its index), or 0 when none failed, and why.
parallel_failure <- function(results) {
  failed <- which(vapply(results, function(r) inherits(r, "try-error") || is.null(r), NA))
  if (!length(failed)) return(list(index = 0L))
  first <- results[[failed[1L]]]
  list(index = failed[1L],
       condition = if (is.null(first)) {
         simpleError("the worker stopped without a result")
       } else {
         attr(first, "condition")
       })
}
