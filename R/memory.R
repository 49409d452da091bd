# Memory: what a computation would need, checked against what is available before anything
# large is allocated, so that a design too wide for the machine is a clear error at once rather
# than an allocation failure (or a machine swapping) deep in the C code.

# The bytes that may be allocated: the option `moem.max_memory` when set, else the kernel's
# estimate of the memory available to a new allocation (MemAvailable in /proc/meminfo, on
# Linux), else Inf (unknown: no check).
available_memory <- function() {
  limit <- getOption("moem.max_memory")
  if (!is.null(limit)) {
    if (!is.numeric(limit) || length(limit) != 1L || is.na(limit) || limit <= 0) {
      abort("The option `moem.max_memory` must be a number of bytes > 0 (or NULL), not ",
            describe(limit), ".")
    }
    return(as.double(limit))
  }
  if (!file.exists("/proc/meminfo")) return(Inf)
  lines <- tryCatch(readLines("/proc/meminfo", warn = FALSE), error = function(e) character())
  line <- grep("^MemAvailable:", lines, value = TRUE)
  kb <- suppressWarnings(as.numeric(sub("^MemAvailable:\\s*([0-9]+)\\s*kB.*$", "\\1", line)))
  if (length(kb) != 1L || is.na(kb)) return(Inf)
  kb * 1024
}

# An error when `bytes` are more than available_memory(): "<what> would need about X GB of
# memory, more than is available (Y GB); <hint>".
check_memory <- function(bytes, what, hint, call = NULL) {
  available <- available_memory()
  if (bytes > available) {
    source <- if (is.null(getOption("moem.max_memory"))) " free" else {
      " by options(moem.max_memory)"
    }
    abort(what, " would need about ", format_bytes(bytes), " of memory, more than is ",
          "available (", format_bytes(available), source, "); ", hint, call = call)
  }
  invisible(bytes)
}

# "7,450 GB", "1.5 GB", "12 MB", "97.7 kB", "800 bytes", in units of 2^30, 2^20 and 2^10 bytes.
format_bytes <- function(bytes) {
  units <- c(GB = 2^30, MB = 2^20, kB = 2^10)
  for (unit in names(units)) {
    if (bytes >= units[[unit]]) {
      return(paste(format(signif(bytes / units[[unit]], 3), big.mark = ",",
                          scientific = FALSE), unit))
    }
  }
  paste(format(round(bytes), scientific = FALSE), "bytes")
}

# The doubles of a fit's largest allocations, by part, for n rows, p expert and q gate columns
# (before aliased columns are dropped, so an upper bound): what src/ffi.c allocates in
# ffi_aliased() (the weighted Gram matrix of one design, freed before the fit), and in ffi_em():
# alloc_work(), alloc_estep() and setup_curvature(), with the n x K posterior, the trace and
# the path.  Sizes that do not grow with n, p, q or K (a few per expert) are left out.
fit_workspace <- function(n, p, q, K, M, family, method, control, same_design, keep_path,
                          p_fixed = 0) {
  n <- as.double(n) # (products of dimensions overflow integers)
  p <- as.double(p)
  q <- as.double(q)
  K <- as.double(K)
  M <- as.double(M)
  chunk <- 1024     # MOEM_CHUNK: rows of a block
  stripes <- 16     # MOEM_STRIPES
  narrow_max <- 256 # MOEM_NARROW
  # the experts' M-steps, as ffi.c allocates for them: least squares from the E-step's
  # statistics, softmax regression, or Newton's method (also for shared coefficients)
  mstep <- family_info(family)$mstep
  least_squares <- mstep == "least_squares" && p_fixed == 0
  softmax <- mstep == "softmax" && p_fixed == 0
  newton <- resolve_solver(control$solver, family, p, q, K, M) == 1L
  threads <- min(control$threads, stripes)
  cols <- max(p, q)
  m <- max(M, K - 1, 1)
  D <- max(p * M, q * (K - 1), cols)
  H <- if (newton) D else cols
  P <- p * M * K + q * (K - 1) + K
  Dx <- if (softmax) p * M else 0
  Dz <- q * (K - 1)
  narrow <- max(0, Dx[Dx <= narrow_max], Dz[Dz <= narrow_max])
  grad <- p * M * K + q * K + 3 * K
  stats <- (if (least_squares) p * p * K + p * K else 0) + q * max(K - 1, 1)
  by_stripe <- p * M * K + q * (K - 1) <= narrow_max
  bound_x <- !newton && softmax
  bound_z <- !newton && K > 1
  eigen <- method == "gradient_em"
  derived <- least_squares && K > 1 && method == "em"
  fit <- c(
    rows = n * (2 * K + 3) + (if (softmax) n * (m + 1) else 0),
    estep = threads * chunk * (M * K + 3 * K + 4) + (grad + stats) * (1 + by_stripe * stripes),
    glm_newton = if (mstep == "newton" || p_fixed > 0) {
      experts <- if (p_fixed > 0) K else 1
      joint <- if (p_fixed > 0) K * (p - p_fixed) + p_fixed else p
      chunk * (4 + p) + experts * (p + p^2) + 2 * joint^2 + 5 * joint
    } else 0,
    blocks = threads * chunk * (m + cols),
    hessians = 2 * H^2 + stripes * narrow * (1 + newton * narrow) +
      (if (newton && K > 1) Dz^2 else 0),
    gram = (if (bound_x || eigen || derived) p^2 else 0) +
      (if ((bound_z || eigen) && !same_design) q^2 else 0) +
      (if (bound_x) 2 * p^2 else 0) + (if (bound_z) 2 * q^2 else 0),
    trace = (control$maxit + 1) * (7 + if (keep_path) P else 0)
  )
  list(fit = fit, aliased = cols^2 + chunk * cols, newton = newton)
}

# The error of fit_matrices() when the fit's workspace would not fit in memory.
check_fit_memory <- function(x, z, K, M, family, method, control, same_design, truth, call,
                             p_fixed = 0) {
  keep_path <- control$path || !is.null(truth)
  n <- nrow(x)
  p <- ncol(x)
  q <- ncol(z)
  work <- fit_workspace(n, p, q, K, M, family, method, control, same_design, keep_path, p_fixed)
  bytes <- 8 * max(sum(work$fit), work$aliased)
  if (bytes <= available_memory()) return(invisible(bytes))
  what <- paste0("A fit of ", K, if (K == 1L) " expert" else " experts", " to ",
                 format(n, big.mark = ","), " rows and ", format(p, big.mark = ","),
                 if (same_design) " columns" else {
                   paste0(" columns for the experts and ", format(q, big.mark = ","),
                          " for the gate")
                 })
  largest <- names(which.max(work$fit))
  bound <- if (work$newton) {
    control$solver <- "bound"
    with_bound <- fit_workspace(n, p, q, K, M, family, method, control, same_design, keep_path,
                                p_fixed)
    8 * max(sum(with_bound$fit), with_bound$aliased)
  } else bytes
  hint <- if (bound < bytes / 2) {
    paste0("use `solver = \"bound\"` in moem_control() (about ", format_bytes(bound),
           ": its M-steps need no Hessian), or fewer columns.")
  } else if (largest == "trace" && work$aliased < sum(work$fit)) {
    "lower `maxit` in moem_control(), or leave out `path` and `truth`."
  } else {
    gram <- max(p, q)^2
    paste0("use fewer columns", if (8 * gram > bytes / 4) {
      paste0(" (a cross-product matrix of the ", if (same_design) "" else "widest ",
             "design alone has ", format(gram, big.mark = ",", scientific = FALSE),
             " entries)")
    }, ", fewer experts, or a gate with fewer covariates (`gating`).")
  }
  check_memory(bytes, what, hint, call)
}
