# Data spread over a cluster of the parallel package (issue 17): `parts`, one per worker, is
# a data frame (sent once, kept on the worker) or a chunk function (sent to the worker and read
# there, so that the data never pass through the master).  Each worker reads its own chunks,
# builds their design matrices and returns what a function of them gives; the master adds
# the workers' sums.
#
# The master's side, cluster_source(), returns a list of class "moem_cluster_source":
#   id             the fit's key in the workers' store (two fits on one cluster do not clash)
#   size           the number of workers
#   map(fun, raw = FALSE)   runs fun over every worker's chunks in order: fun(matrices) of the
#                  design sent by send_design(), or with `raw = TRUE` fun(chunk, where) of the
#                  chunk itself ("where" names it, "chunk 3"); a list per worker, in the
#                  workers' order, of the results per chunk, in the chunks' order
#   send_design(design)   sends a chunk_design() to every worker, once
#   columns()      the column names of the first chunk of the first worker that has one
#   close()        removes the fit's parts and design from the workers (worker_forget());
#                  the caller calls it in on.exit().  The cluster itself is the user's, left
#                  running.
# An error on a worker (a failing chunk function, a chunk with a new level) is returned by the
# worker as a value, so that every worker's answer is read and the cluster stays in step, and
# becomes an error on the master that names the worker.  A worker that died (its connection
# fails) is an error that names it, when its process is on this machine; the cluster's other
# workers may then hold answers that were never read, so the source does not use the cluster
# again (close() does nothing) and the error says to stop it with parallel::stopCluster(),
# which also frees what the fit stored on the workers.
cluster_source <- function(parts, cluster, chunk_size, call = NULL) {
  check_cluster_parts(parts, cluster, call)
  state <- new.env(parent = emptyenv())
  state$broken <- FALSE
  state$cluster <- cluster
  state$call <- call
  state$pids <- rep(NA_integer_, length(cluster))
  state$pids <- unlist(cluster_run(state, parallel::clusterCall(cluster, Sys.getpid)))
  loaded <- unlist(cluster_run(state, parallel::clusterCall(cluster, requireNamespace, "moem",
                                                            quietly = TRUE)))
  if (!all(loaded)) {
    abort("moem cannot be loaded on worker", if (sum(!loaded) > 1L) "s", " ",
          paste(which(!loaded), collapse = ", "), " of `cluster`: start the workers with ",
          "the library paths where moem is installed (R_LIBS).", call = call)
  }
  id <- paste0("fit-", Sys.getpid(), "-", basename(tempfile("")))
  jobs <- lapply(seq_along(parts), function(i) list(part = parts[[i]], worker = i))
  cluster_run(state, parallel::clusterApply(cluster, jobs, worker_store, id = id,
                                            chunk_size = chunk_size))
  structure(list(
    id = id,
    size = length(cluster),
    map = function(fun, raw = FALSE) {
      cluster_run(state, parallel::clusterCall(cluster, worker_apply, id, fun, raw))
    },
    send_design = function(design) {
      cluster_run(state, parallel::clusterCall(cluster, worker_design, id,
                                               plain_design(design)))
      invisible(NULL)
    },
    columns = function() {
      found <- cluster_run(state, parallel::clusterCall(cluster, worker_columns, id))
      found <- Filter(Negate(is.null), found)
      if (!length(found)) abort("`data` has no rows (no chunks on any worker).", call = call)
      found[[1L]]
    },
    close = function() {
      if (!state$broken) {
        try(cluster_run(state, parallel::clusterCall(cluster, worker_forget, id)),
            silent = TRUE)
      }
      invisible(NULL)
    }
  ), class = "moem_cluster_source")
}

check_cluster_parts <- function(parts, cluster, call) {
  if (!inherits(cluster, "cluster")) {
    abort("`cluster` must be a cluster of the parallel package, such as ",
          "parallel::makePSOCKcluster(2), not ", describe(cluster), ".", call = call)
  }
  if (!is.list(parts) || is.data.frame(parts) || length(parts) != length(cluster)) {
    abort("With `cluster`, `data` must be a list of parts, one per worker (", length(cluster),
          "), not ", describe(parts), ".", call = call)
  }
  for (i in seq_along(parts)) {
    part <- parts[[i]]
    ok <- is.data.frame(part) || is.function(part) && "reset" %in% names(formals(part))
    if (!ok) {
      abort("`data[[", i, "]]` must be a data frame or a chunk function (function(reset) in ",
            "biglm's convention), not ", describe(part), ".", call = call)
    }
  }
}

# Runs `expr`, a call to the cluster; a worker's error (returned as a value) and a failed
# connection become errors that name the worker.
cluster_run <- function(state, expr) {
  if (state$broken) {
    abort("The cluster failed before; stop it with parallel::stopCluster().", call = state$call)
  }
  results <- tryCatch(expr, error = function(e) {
    state$broken <- TRUE
    dead <- which(!vapply(state$pids, process_running, NA))
    abort(if (length(dead)) {
      paste0("Worker ", paste(dead, collapse = ", "), " of `cluster` (process ",
             paste(state$pids[dead], collapse = ", "), ") stopped")
    } else {
      "A worker of `cluster` stopped answering"
    }, " (", conditionMessage(e), "). The cluster can no longer be used: stop it with ",
    "parallel::stopCluster().", call = state$call)
  })
  failed <- vapply(results, inherits, NA, "moem_worker_error")
  if (any(failed)) {
    i <- which(failed)[1L]
    abort("Worker ", i, " of `cluster`: ", results[[i]]$message, call = state$call)
  }
  results
}

# Whether the process `pid` of this machine runs (not a zombie); TRUE when it cannot be told
# (NA, or a platform without a way to ask).
process_running <- function(pid) {
  if (is.na(pid)) return(TRUE)
  if (dir.exists("/proc/self")) {
    stat <- suppressWarnings(tryCatch(readLines(sprintf("/proc/%d/stat", pid), n = 1L),
                                      error = function(e) NULL))
    if (is.null(stat) || !length(stat)) return(FALSE)
    return(!grepl("^[0-9]+ \\(.*\\) [ZX]", stat))
  }
  isTRUE(tools::pskill(pid, 0L))
}

# The workers' side: a store of each fit's part and design, keyed by the fit's id, in the
# moem namespace of the worker's process.
worker_registry <- new.env(parent = emptyenv())

# On a worker: the value of `expr`, or its error as a value of class "moem_worker_error".
worker_try <- function(expr) {
  tryCatch(expr, error = function(e) {
    structure(list(message = conditionMessage(e)), class = "moem_worker_error")
  })
}

# On worker job$worker: keeps the part job$part (a data frame, read in chunks of chunk_size
# rows, or a chunk function) under `id`.
worker_store <- function(job, id, chunk_size) {
  worker_try({
    part <- job$part
    source <- if (is.data.frame(part)) frame_source(part, chunk_size) else function_source(part)
    assign(id, list(source = source, design = NULL, worker = job$worker), worker_registry)
    TRUE
  })
}

worker_entry <- function(id) {
  if (!exists(id, worker_registry, inherits = FALSE)) {
    stop("this worker holds no part of the fit ", id, ".", call. = FALSE)
  }
  get(id, worker_registry, inherits = FALSE)
}

# On a worker: keeps the design (chunk_design()) of the fit `id`.
worker_design <- function(id, design) {
  worker_try({
    entry <- worker_entry(id)
    entry$design <- with_matrices(design)
    assign(id, entry, worker_registry)
    TRUE
  })
}

# On a worker: fun(matrices) over the worker's chunks (or fun(chunk, where) with `raw`), a
# list in the chunks' order.
worker_apply <- function(id, fun, raw = FALSE) {
  worker_try({
    entry <- worker_entry(id)
    if (!raw && is.null(entry$design)) stop("this worker has no design of the fit.", call. = FALSE)
    out <- list()
    fold_chunks(entry$source, NULL, function(state, chunk, index) {
      where <- paste("chunk", index)
      out[[index]] <<- if (raw) fun(chunk, where) else entry$design$matrices(chunk, where)
      if (!raw) out[[index]] <<- fun(out[[index]])
      NULL
    })
    out
  })
}

# On a worker: the column names of its first chunk, or NULL when it has none.
worker_columns <- function(id) {
  worker_try({
    source <- worker_entry(id)$source
    source$reset()
    chunk <- source$read()
    if (!is.null(chunk)) names(chunk)
  })
}

# On a worker: forgets the fit `id`.
worker_forget <- function(id) {
  if (exists(id, worker_registry, inherits = FALSE)) rm(list = id, envir = worker_registry)
  TRUE
}
