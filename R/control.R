#' Settings of the EM algorithm
#'
#' Every tuning value of a [moem()] fit, checked once, here.
#'
#' @param maxit Maximum number of EM iterations (a whole number from 0, which evaluates the
#'   start, to 1e6; the trace is allocated for `maxit` rows).
#' @param tol Convergence tolerance: EM stops when the change of the log-likelihood between
#'   iterations satisfies \eqn{|\Delta| < \mathrm{tol}\,(|\ell| + 0.1\,\bar w)}{|change| < tol
#'   (|loglik| + 0.1 mean(w))}, where \eqn{\bar w}{mean(w)} is the mean case weight (the
#'   weights' sum over the number of observations, zero weights included; 1 without weights),
#'   much as [glm.control()] stops on the deviance; with a `penalty`, the rule is on the
#'   log-posterior. `tol = 0` runs exactly `maxit` iterations.
#' @param inner_maxit Maximum number of Newton steps of one M-step block (the gate, or one
#'   logistic expert).
#' @param inner_tol Tolerance of the M-step's Newton iterations: they stop when half the Newton
#'   decrement, an estimate of the distance to the block's optimum, is below
#'   `inner_tol * (|objective| + 0.1 mean(v))`, with v the block's row weights (the case weights
#'   times the expert's posterior probabilities).
#' @param inner_slack Lets an M-step block stop early once what is left of its gain is below
#'   `inner_slack` times EM's last change of the objective (the log-likelihood, or the
#'   log-posterior with a penalty): early EM iterations, whose steps are large, then spend fewer
#'   Newton steps on a precision the next iteration discards, while near convergence, as EM's
#'   changes shrink, the blocks are solved ever more precisely (every step still climbs, so EM
#'   stays monotone). `0` solves every M-step to `inner_tol`.
#' @param sigma_min Floor of a gaussian expert's standard deviation, relative to the standard
#'   deviation of the response. An expert that fits a few observations exactly would otherwise
#'   drive its sigma to 0 and the likelihood to infinity; one that reaches the floor is held
#'   there and reported.
#' @param min_weight An expert whose total posterior weight falls below `min_weight` times the
#'   total weight is frozen: it keeps its parameters and is reported as degenerate.
#' @param step Step size of gradient descent (`method = "gd"`): `NULL` (the default) for Armijo
#'   backtracking, which starts each iteration from twice the previous step and halves it until
#'   the average negative log-likelihood decreases enough; a positive number for a fixed step.
#'   For gradient EM (`method = "gradient_em"`), a multiplier of its curvature steps: `NULL`
#'   (or 1) takes them as they are, which guarantees that every step increases EM's objective;
#'   a larger multiplier may converge faster or overshoot.
#' @param path Whether to keep the free parameters of every iteration in the fit's `path`, a
#'   matrix with a row per iteration, for studying convergence.
#' @param penalty Ridge penalty \eqn{\lambda \ge 0}{lambda >= 0}: the fit maximises the
#'   log-posterior \eqn{\log L - \frac{\lambda}{2} \sum \beta^2}{loglik - lambda/2 sum(beta^2)}
#'   (a MAP-EM), summed over every expert's coefficients and the gate's, intercepts excepted.
#'   One number for both, or two: `c(experts, gating)`. Default 0, plain maximum likelihood.
#'   `"cv"`, or [penalty_cv()] with its settings, chooses one penalty for both by
#'   cross-validated held-out log-likelihood over a grid.
#' @param solver How the M-steps of logistic and multinomial experts and of the gate are solved:
#'   `"newton"` (Newton's method with backtracking, whose Hessian has \eqn{(q m)^2}{(q m)^2}
#'   entries for q covariates and m free classes), `"bound"` (Böhning's bound: steps with a
#'   fixed curvature matrix whose two q x q Cholesky factors are computed once per fit, each
#'   step a few matrix products; for hundreds of covariates) or `"auto"` (the default): Newton
#'   when every block has at most 200 coefficients, the bound otherwise.
#' @param threads Threads of the passes over the data (the E-step, the Newton steps of the gate
#'   and of logistic or multinomial experts), which run over 16 fixed stripes of rows whose
#'   sums are added in order, so that the fit is the same, to the last bit, whatever the
#'   number of threads (and in a build without OpenMP, where it is 1). The default is the
#'   option `moem.threads`, or 2; it is capped by OpenMP's thread limit (`OMP_THREAD_LIMIT`)
#'   and at 16. These are the most a pass uses: on a machine whose cores are busy with other
#'   work, each pass on threads can lose milliseconds waiting for them (OpenMP's waiting
#'   threads spin), so a pass runs on threads only when its work is large enough for them to
#'   gain on an idle machine (for gaussian experts with 5 covariates, K = 3 and the gate on
#'   the same covariates: the E-step from about 1e5 rows, the gate's passes from 1.5e5 to 3e5;
#'   fewer rows with more covariates or experts), and a small fit runs on one thread whatever
#'   `threads` says. A larger fit watches what its passes on threads get: when they did not
#'   do more than 1.25 cores' worth of work (the cores were busy), its next passes run on one
#'   thread, trying threads again after 16 passes, then 32, 64, ... up to 1024. Designs with
#'   many columns (over 256 products per row) leave the threads to the BLAS.
#' @param cores Number of processes that run the starts of a fit (`nstart` in [moem()], and
#'   the short runs of `init = "short_em"`) side by side: 1 (the default) runs them one after
#'   the other; more run them on forked workers ([parallel::mclapply()]) where the platform
#'   has them, and on a socket cluster ([parallel::makePSOCKcluster()]) on Windows. Each
#'   start draws its random numbers from a stream of its own, made before any start runs, so
#'   that a fit is the same on any number of cores (see the section "Random starts" of
#'   [moem()]). So that cores x threads do not oversubscribe the machine, each start then runs
#'   on `max(1, threads %/% cores)` threads (which leaves the fit unchanged, see `threads`);
#'   the BLAS's own threads, if any, are not controlled.
#' @param order How the experts of the final fit are numbered (see [relabel()]): `"none"` (as
#'   EM left them, the default), `"weight"` (by decreasing total posterior weight, so that the
#'   largest expert is expert 1, the gate's reference) or `"intercept"` (by increasing
#'   intercept of the experts, of the first free class for multinomial experts; the experts'
#'   formula must have an intercept). Ties keep EM's order. Reports then do not depend on the
#'   start that won.
#' @return A list of class `"moem_control"` with the settings.
#' @seealso [moem()]
#' @examples
#' moem_control(maxit = 200, tol = 1e-10)
#' @export
moem_control <- function(maxit = 1000, tol = 1e-8, inner_maxit = 25, inner_tol = 1e-10,
                         sigma_min = 1e-6, min_weight = 1e-8, step = NULL, path = FALSE,
                         penalty = 0, solver = c("auto", "newton", "bound"), inner_slack = 0.1,
                         threads = getOption("moem.threads", 2L), cores = 1L,
                         order = c("none", "weight", "intercept")) {
  call <- sys.call()
  check <- function(ok, name, what, value) {
    if (!ok) abort("`", name, "` must be ", what, ", not ", describe(value), ".", call = call)
  }
  check(is_whole(maxit, 0) && maxit <= 1e6, "maxit", "a whole number between 0 and 1e6", maxit)
  check(is_number(tol, 0), "tol", "a number >= 0", tol)
  check(is_whole(inner_maxit, 1), "inner_maxit", "a whole number >= 1", inner_maxit)
  check(is_number(inner_tol, 0, strict = TRUE), "inner_tol", "a number > 0", inner_tol)
  check(is_number(inner_slack, 0), "inner_slack", "a number >= 0", inner_slack)
  check(is_number(sigma_min, 0, strict = TRUE), "sigma_min", "a number > 0", sigma_min)
  check(is_number(min_weight, 0) && min_weight < 1, "min_weight", "a number in [0, 1)",
        min_weight)
  check(is.null(step) || is_number(step, 0, strict = TRUE), "step", "NULL or a number > 0",
        step)
  check(is.logical(path) && length(path) == 1L && !is.na(path), "path", "TRUE or FALSE", path)
  if (identical(penalty, "cv")) penalty <- penalty_cv()
  check(is_penalty_cv(penalty) || is.numeric(penalty) && length(penalty) %in% 1:2 &&
          all(is.finite(penalty)) && all(penalty >= 0), "penalty",
        "one or two numbers >= 0, \"cv\" or penalty_cv()", penalty)
  check(is.character(solver) && length(solver) >= 1L && solver[1L] %in% c("auto", "newton", "bound"),
        "solver", "\"auto\", \"newton\" or \"bound\"", solver)
  check(is_whole(threads, 1) && threads <= 1024, "threads",
        "a whole number between 1 and 1024", threads)
  check(is_whole(cores, 1) && cores <= 1024, "cores", "a whole number between 1 and 1024",
        cores)
  check(is.character(order) && length(order) >= 1L &&
          order[1L] %in% c("none", "weight", "intercept") &&
          (length(order) == 1L || identical(order, c("none", "weight", "intercept"))),
        "order", "\"none\", \"weight\" or \"intercept\"", order)
  structure(
    list(maxit = as.integer(maxit), tol = as.double(tol), inner_maxit = as.integer(inner_maxit),
         inner_tol = as.double(inner_tol), inner_slack = as.double(inner_slack),
         sigma_min = as.double(sigma_min),
         min_weight = as.double(min_weight), step = if (!is.null(step)) as.double(step),
         path = path,
         penalty = if (is_penalty_cv(penalty)) penalty else rep_len(as.double(penalty), 2L),
         solver = solver[1L], threads = as.integer(threads), cores = as.integer(cores),
         order = order[1L]),
    class = "moem_control"
  )
}

#' @export
print.moem_control <- function(x, ...) {
  cat("EM settings:\n")
  str <- vapply(x, function(v) if (is.null(v)) "NULL" else paste(format(v), collapse = ", "), "")
  print(noquote(str))
  invisible(x)
}

as_control <- function(control, call) {
  if (inherits(control, "moem_control")) return(control)
  if (is.list(control)) return(do.call("moem_control", control))
  abort("`control` must be made by moem_control(), not ", describe(control), ".", call = call)
}
