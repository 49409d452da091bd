# The parametric bootstrap of the likelihood-ratio statistic, for anova(test = "bootstrap"):
# B data sets simulated from the smaller fit, both models refitted to each, one L'Ecuyer-CMRG
# stream per replicate made in the calling session, so that the result does not depend on how
# the replicates are spread over processes.

anova_bootstrap <- function(fits, B, nstart, cores, call) {
  if (!is_whole(B, 1) || B > 1e6) {
    abort("`B` must be a whole number between 1 and 1e6, not ", describe(B), ".", call = call)
  }
  if (!is_whole(nstart, 1)) {
    abort("`nstart` must be a whole number >= 1, not ", describe(nstart), ".", call = call)
  }
  if (!is_whole(cores, 1) || cores > 1024) {
    abort("`cores` must be a whole number between 1 and 1024, not ", describe(cores), ".",
          call = call)
  }
  for (i in 1:2) {
    if (!is.null(fits[[i]]$gating_offset)) {
      abort("Fit ", i, " has a gate offset: the bootstrap does not refit gate offsets.",
            call = call)
    }
  }
  small <- fits[[1L]]
  big <- fits[[2L]]
  observed <- 2 * (big$loglik - small$loglik)
  designs <- lapply(fits, refit_design)
  streams <- replicate_streams(B)
  one <- function(b) {
    bootstrap_replicate(streams[[b]], small, big, designs, nstart, threads = cores == 1L)
  }
  stats <- run_replicates(one, B, cores)
  stats <- as.data.frame(do.call(rbind, stats))
  failed <- sum(is.na(stats$lrt))
  if (failed > 0L) {
    warn(failed, " of ", B, " bootstrap replicates failed (a refit with no finite start); ",
         "the p-value uses the others.", call = call)
  }
  used <- stats$lrt[!is.na(stats$lrt)]
  table <- lrt_table(fits)
  table$LRT <- c(NA, observed)
  table$`Pr(boot)` <- c(NA, (1 + sum(used >= observed)) / (length(used) + 1))
  out <- lrt_result(table, fits, paste0(
    "Parametric bootstrap likelihood-ratio test of mixtures of experts (", length(used),
    " replicates simulated from model 1, each refitted with ", nstart, " start",
    if (nstart > 1L) "s", ")"))
  attr(out, "bootstrap") <- stats
  out
}

# B L'Ecuyer-CMRG streams: the first seeded by one draw from the caller's generator, each next
# by nextRNGStream(); the caller's generator and kind are restored.
replicate_streams <- function(B) {
  seed <- sample.int(.Machine$integer.max, 1L)
  old <- get(".Random.seed", envir = .GlobalEnv)
  on.exit(assign(".Random.seed", old, envir = .GlobalEnv))
  set.seed(seed, kind = "L'Ecuyer-CMRG")
  stream <- get(".Random.seed", envir = .GlobalEnv)
  streams <- vector("list", B)
  for (b in seq_len(B)) {
    streams[[b]] <- stream
    stream <- parallel::nextRNGStream(stream)
  }
  streams
}

# The replicates one(1), ..., one(B) on `cores` processes (parallel_map); a replicate's error
# is the test's.
run_replicates <- function(one, B, cores) {
  out <- parallel_map(B, one, cores)
  failure <- parallel_failure(out)
  if (failure$index > 0L) stop(failure$condition)
  out
}

# One replicate on its own stream: a response simulated from `small` at the training
# covariates, both models refitted; the statistic and the two log-likelihoods.
bootstrap_replicate <- function(stream, small, big, designs, nstart, threads) {
  old <- if (exists(".Random.seed", envir = .GlobalEnv)) get(".Random.seed", envir = .GlobalEnv)
  on.exit(if (!is.null(old)) assign(".Random.seed", old, envir = .GlobalEnv))
  assign(".Random.seed", stream, envir = .GlobalEnv)
  y <- simulated_response(small)
  loglik <- c(refit_loglik(small, designs[[1L]], y, nstart, threads),
              refit_loglik(big, designs[[2L]], y, nstart, threads))
  c(lrt = 2 * (loglik[2L] - loglik[1L]), loglik0 = loglik[1L], loglik1 = loglik[2L])
}

# A response drawn from the fit at its training rows, in the form fit_matrices() takes: counts
# cbind(successes, failures) for binomial trials.
simulated_response <- function(fit) {
  y <- simulate(fit)[[1L]]
  if (inherits(fit$na.action, "exclude")) y <- y[-fit$na.action]
  if (!is.null(fit$size)) {
    successes <- round(y * fit$size)
    y <- cbind(successes, fit$size - successes)
  }
  y
}

# The log-likelihood of the fit's model refitted to the response y from `nstart` random starts,
# as moem() draws them; NA when no start gives a finite fit.
refit_loglik <- function(fit, design, y, nstart, threads) {
  control <- fit$control
  if (!threads) control$threads <- 1L
  sigma <- if (isTRUE(fit$sigma_fixed)) fit$sigma else if (isTRUE(fit$equal_dispersion)) "equal"
  refit <- tryCatch(suppressWarnings(
    fit_matrices(design$x, y, design$z, fit$K, fit$family, fit$prior.weights, init = NULL,
                 nstart = nstart, control = control, method = fit$method, sigma = sigma,
                 symmetric = isTRUE(fit$symmetric), call = NULL, offset = design$offset,
                 fixed = design$fixed)
  ), error = function(e) NULL)
  if (is.null(refit)) NA_real_ else refit$loglik
}

# The design matrices of a fit, all columns (aliased ones too, as its coefficients have them),
# as moem() built them: the experts', the gate's, the shared covariates' and the offset.
refit_design <- function(fit) {
  mf <- fit$model
  x <- model.matrix(fit$terms, mf, contrasts.arg = fit$contrasts$experts)
  z <- if (same_terms(fit$terms, fit$gating_terms)) x else {
    model.matrix(fit$gating_terms, mf, contrasts.arg = fit$contrasts$gating)
  }
  fixed <- if (!is.null(fit$fixed_terms)) {
    fixed_design(fit$terms, fit$fixed_terms, mf, fit$contrasts$fixed)
  }
  list(x = x, z = z, fixed = fixed, offset = frame_offset(mf, fit$terms, argument = TRUE))
}
