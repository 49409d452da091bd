# Poisson, binomial count and Gamma experts, shared coefficients (`fixed`) and one dispersion
# for all experts (`sigma = "equal"`): against glm() at K = 1, against a mixture
# log-likelihood written here from R's densities (its numerical Hessian for vcov()), against a
# slow EM in plain R, and against flexmix on its own data sets.

# The mixture's log-likelihood at a coefficient vector named as coef() names it, from R's
# densities: x the experts' own design, xf the shared covariates (or NULL), z the gate's.
mixture_loglik <- function(theta, x, xf, z, y, size, w, family, K, offset = 0) {
  value <- function(prefix) theta[startsWith(names(theta), prefix)]
  dispersion <- function(name) {
    one <- theta[names(theta) == name]
    if (length(one)) rep(one, K) else value(name)
  }
  eta <- sapply(seq_len(K), function(k) {
    e <- x %*% value(paste0("expert", k, ":"))
    if (!is.null(xf)) e <- e + xf %*% value("fixed:")
    e + offset
  })
  gate <- matrix(0, length(y), K)
  for (k in seq_len(K)[-1L]) gate[, k] <- z %*% value(paste0("gate", k, ":"))
  log_gate <- gate - apply(gate, 1L, max)
  log_gate <- log_gate - log(rowSums(exp(log_gate)))
  m <- if (is.null(size)) 1 else size
  logf <- switch(family,
    gaussian = dnorm(y, eta, rep(dispersion("sigma"), each = length(y)), log = TRUE),
    poisson = dpois(y, exp(eta), log = TRUE),
    binomial = dbinom(round(m * y), m, plogis(eta), log = TRUE),
    Gamma = {
      shape <- rep(dispersion("shape"), each = length(y))
      dgamma(y, shape = shape, rate = shape / exp(eta), log = TRUE)
    }
  )
  a <- log_gate + matrix(logf, length(y))
  top <- apply(a, 1L, max)
  sum(w * (top + log(rowSums(exp(a - top)))))
}

expect_vcov_is_hessian <- function(fit, x, xf, z, y, size = NULL, w = rep(1, length(y)),
                                   offset = 0, tolerance = 1e-4) {
  theta <- coef(fit)
  f <- function(t) {
    names(t) <- names(theta)
    mixture_loglik(t, x, xf, z, y, size, w, fit$family$family, fit$K, offset)
  }
  expect_equal(f(theta), fit$loglik, tolerance = 1e-10)
  v_numeric <- solve(-numeric_hessian(f, theta))
  v <- vcov(fit)
  expect_identical(dimnames(v), list(names(theta), names(theta)))
  expect_equal(unname(v), unname(v_numeric), tolerance = tolerance)
  expect_equal(unname(cov2cor(v)), unname(cov2cor(v_numeric)), tolerance = tolerance)
}

count_data <- function(n = 600, seed = 11) {
  set.seed(seed)
  x <- rnorm(n)
  z <- rnorm(n)
  exposure <- runif(n, 0.5, 2)
  component <- 1L + (runif(n) < plogis(1.5 * z))
  mu <- exposure * exp(ifelse(component == 1L, 0.3 + 0.8 * x, 1.8 - 0.4 * x))
  trials <- sample(1:6, n, TRUE)
  successes <- rbinom(n, trials, plogis(ifelse(component == 1L, -1 + x, 1 - 0.5 * x)))
  shape <- ifelse(component == 1L, 3, 9)
  data.frame(x = x, z = z, exposure = exposure, count = rpois(n, mu), trials = trials,
             successes = successes, failures = trials - successes,
             amount = rgamma(n, shape = shape, rate = shape / mu),
             w = rnorm(n), component = component)
}

test_that("at K = 1 poisson experts with an offset are glm()", {
  d <- count_data()
  fit <- moem(count ~ x + offset(log(exposure)), data = d, K = 1, family = poisson(),
              control = moem_control(tol = 1e-12))
  ref <- glm(count ~ x + offset(log(exposure)), data = d, family = poisson(),
             control = glm.control(epsilon = 1e-14))
  expect_equal(unname(coef(fit)), unname(coef(ref)), tolerance = 1e-9)
  expect_equal(logLik(fit)[[1L]], logLik(ref)[[1L]], tolerance = 1e-12)
  expect_equal(unname(vcov(fit)), unname(vcov(ref)), tolerance = 1e-7)
  expect_equal(unname(fitted(fit)), unname(fitted(ref)), tolerance = 1e-9)
  # the `offset` argument is the same offset
  by_argument <- moem(count ~ x, data = d, K = 1, family = "poisson",
                      offset = log(exposure), control = moem_control(tol = 1e-12))
  expect_equal(coef(by_argument), coef(fit), tolerance = 1e-10)
  new <- data.frame(x = c(-1, 0, 1), exposure = c(1, 2, 3))
  expect_equal(unname(predict(fit, new)), unname(predict(ref, new, type = "response")),
               tolerance = 1e-9)
})

test_that("at K = 1 binomial counts and proportions are glm(), binomial coefficients included", {
  d <- count_data()
  tight <- glm.control(epsilon = 1e-14)
  ref <- glm(cbind(successes, failures) ~ x, data = d, family = binomial(), control = tight)
  fit <- moem(cbind(successes, failures) ~ x, data = d, K = 1, family = binomial(),
              control = moem_control(tol = 1e-12))
  expect_equal(unname(coef(fit)), unname(coef(ref)), tolerance = 1e-9)
  expect_equal(logLik(fit)[[1L]], logLik(ref)[[1L]], tolerance = 1e-12)
  expect_equal(unname(vcov(fit)), unname(vcov(ref)), tolerance = 1e-7)
  d$proportion <- d$successes / d$trials
  ref_p <- glm(proportion ~ x, data = d, family = binomial(), weights = trials, control = tight)
  fit_p <- moem(proportion ~ x, data = d, K = 1, family = binomial(), weights = trials,
                control = moem_control(tol = 1e-12))
  expect_equal(unname(coef(fit_p)), unname(coef(ref_p)), tolerance = 1e-9)
  expect_equal(logLik(fit_p)[[1L]], logLik(ref_p)[[1L]], tolerance = 1e-12)
  expect_equal(logLik(fit_p)[[1L]], logLik(fit)[[1L]], tolerance = 1e-12)
  # case weights on counts are counts of rows, as glm() reads them
  d$case <- rep(1:2, length.out = nrow(d))
  ref_w <- glm(cbind(successes, failures) ~ x, data = d, family = binomial(), weights = case,
               control = tight)
  fit_w <- moem(cbind(successes, failures) ~ x, data = d, K = 1, family = binomial(),
                weights = case, control = moem_control(tol = 1e-12))
  expect_equal(unname(coef(fit_w)), unname(coef(ref_w)), tolerance = 1e-9)
  expect_equal(logLik(fit_w)[[1L]], logLik(ref_w)[[1L]], tolerance = 1e-12)
  expect_error(moem(proportion ~ x, data = d, K = 1, family = binomial()),
               "numbers of trials as `weights`")
})

test_that("at K = 1 Gamma experts are glm()'s coefficients with the shape by maximum likelihood", {
  d <- count_data()
  ref <- glm(amount ~ x, data = d, family = Gamma(link = "log"),
             control = glm.control(epsilon = 1e-14, maxit = 100))
  fit <- moem(amount ~ x, data = d, K = 1, family = Gamma(link = "log"),
              control = moem_control(tol = 1e-12))
  expect_equal(unname(coef(fit, "experts")[, 1L]), unname(coef(ref)), tolerance = 1e-8)
  x <- model.matrix(~ x, d)
  expect_vcov_is_hessian(fit, x, NULL, x, d$amount)
  expect_identical(coef(fit, "shape"), fit$shape)
  expect_identical(names(coef(fit))[3L], "shape1")
  # the name "Gamma" and the constructor mean the log link; the inverse link is an error
  expect_equal(coef(moem(amount ~ x, data = d, K = 1, family = "Gamma")), coef(fit),
               tolerance = 1e-6)
  expect_error(moem(amount ~ x, data = d, K = 1, family = Gamma()), "Gamma\\(link = \"log\"\\)")
  # the shape is MASS's maximum likelihood estimate at glm()'s means
  skip_if_not_installed("MASS")
  shape <- MASS::gamma.shape(ref, it.lim = 100, eps.max = 1e-12)$alpha
  expect_equal(unname(fit$shape), shape, tolerance = 1e-7)
  expect_equal(fit$loglik, sum(dgamma(d$amount, shape = shape, rate = shape / fitted(ref),
                                      log = TRUE)), tolerance = 1e-10)
})

test_that("poisson, binomial count and Gamma mixtures have the observed information's vcov", {
  d <- count_data(400, seed = 5)
  x <- model.matrix(~ x, d)
  z <- model.matrix(~ z, d)
  ctl <- moem_control(tol = 1e-12)
  set.seed(1)
  pois <- moem(count ~ x + offset(log(exposure)), gating = ~ z, data = d, family = poisson(),
               nstart = 3, control = ctl)
  expect_true(pois$converged)
  expect_vcov_is_hessian(pois, x, NULL, z, d$count, offset = log(d$exposure))

  set.seed(1)
  counts <- moem(cbind(successes, failures) ~ x, gating = ~ z, data = d, family = binomial(),
                 nstart = 3, control = ctl)
  expect_vcov_is_hessian(counts, x, NULL, z, d$successes / d$trials, size = d$trials)

  set.seed(1)
  gam <- moem(amount ~ x, gating = ~ z, data = d, family = "Gamma", nstart = 3, control = ctl)
  expect_vcov_is_hessian(gam, x, NULL, z, d$amount)
  set.seed(1)
  gam_equal <- moem(amount ~ x, gating = ~ z, data = d, family = "Gamma", sigma = "equal",
                    nstart = 3, control = ctl)
  expect_identical(names(coef(gam_equal))[length(coef(gam_equal))], "shape")
  expect_equal(unname(gam_equal$shape[1L]), unname(gam_equal$shape[2L]))
  expect_vcov_is_hessian(gam_equal, x, NULL, z, d$amount)
  expect_identical(gam_equal$df, gam$df - 1L)
})

test_that("shared coefficients and one sigma: the same in every expert, vcov from the Hessian", {
  d <- count_data(500, seed = 8)
  d$y <- ifelse(d$component == 1L, 1 + d$x, -1 - 2 * d$x) + 0.7 * d$w + rnorm(500, sd = 0.5)
  set.seed(2)
  fit <- moem(y ~ x, gating = ~ z, data = d, fixed = ~ w, sigma = "equal", nstart = 3,
              control = moem_control(tol = 1e-12))
  experts <- coef(fit, "experts")
  expect_identical(rownames(experts), c("(Intercept)", "x", "w"))
  expect_identical(experts["w", 1L], experts["w", 2L])
  expect_identical(unname(experts["w", 1L]), unname(coef(fit)["fixed:w"]))
  expect_identical(names(coef(fit)),
                   c("expert1:(Intercept)", "expert1:x", "expert2:(Intercept)", "expert2:x",
                     "fixed:w", "gate2:(Intercept)", "gate2:z", "sigma"))
  expect_identical(fit$df, 8L)
  expect_identical(fit$layout, c(experts = 4L, fixed = 1L, gating = 2L, dispersion = 1L))
  expect_true(all(diff(fit$trace$loglik) > -1e-8 * abs(fit$loglik)))
  x <- model.matrix(~ x, d)
  expect_vcov_is_hessian(fit, x, model.matrix(~ 0 + w, d), model.matrix(~ z, d), d$y)
  # predictions use the shared coefficient
  new <- data.frame(x = 1, z = 0, w = 2)
  mu <- c(experts[1, 1] + experts[2, 1] + 2 * experts[3, 1],
          experts[1, 2] + experts[2, 2] + 2 * experts[3, 2])
  expect_equal(unname(predict(fit, new, type = "experts")[1, ]), unname(mu))
  # at K = 1 a shared covariate is an ordinary one
  one <- moem(y ~ x, data = d, K = 1, fixed = ~ w, control = moem_control(tol = 1e-12))
  ref <- glm(y ~ x + w, data = d)
  expect_equal(unname(coef(one, "experts")[, 1L]), unname(coef(ref)), tolerance = 1e-9)
  expect_equal(logLik(one)[[1L]], logLik(ref)[[1L]], tolerance = 1e-10)
  # shared coefficients for poisson experts too, against the same fit as offsets in a glm
  set.seed(3)
  pois <- moem(count ~ x, gating = ~ z, data = d, family = poisson(), fixed = ~ w, nstart = 2,
               control = moem_control(tol = 1e-15))
  expect_identical(coef(pois, "experts")["w", 1L], coef(pois, "experts")["w", 2L])
  xf <- model.matrix(~ 0 + w, d)
  theta <- coef(pois)
  f <- function(t) {
    names(t) <- names(theta)
    mixture_loglik(t, x, xf, model.matrix(~ z, d), d$count, NULL, rep(1, 500), "poisson", 2)
  }
  expect_equal(f(theta), pois$loglik, tolerance = 1e-10)
  gradient <- sapply(seq_along(theta), function(j) {
    h <- 1e-5 * max(1, abs(theta[j]))
    up <- down <- theta
    up[j] <- up[j] + h
    down[j] <- down[j] - h
    (f(up) - f(down)) / (2 * h)
  })
  expect_lt(max(abs(gradient)), 1e-4)
})

# One EM iteration in plain R for poisson experts: the experts' M-steps by glm.fit with the
# posterior as weights, the gate's (K = 2) by a logistic glm.fit of the posterior.
slow_poisson_em <- function(x, z, y, post, iterations) {
  beta <- gate <- NULL
  for (it in seq_len(iterations)) {
    beta <- sapply(1:2, function(k) {
      glm.fit(x, y, weights = post[, k], family = poisson(),
              control = glm.control(epsilon = 1e-14, maxit = 100))$coefficients
    })
    gate <- suppressWarnings(glm.fit(z, post[, 2L], family = binomial(),
                                     control = glm.control(epsilon = 1e-14, maxit = 100))$coefficients)
    prior <- plogis(z %*% gate)
    a <- cbind((1 - prior) * dpois(y, exp(x %*% beta[, 1L])),
               prior * dpois(y, exp(x %*% beta[, 2L])))
    post <- a / rowSums(a)
  }
  list(beta = beta, gate = gate, loglik = sum(log(rowSums(a))))
}

test_that("poisson EM is the plain EM of glm.fit M-steps, iteration by iteration", {
  d <- count_data(300, seed = 3)
  x <- model.matrix(~ x, d)
  z <- model.matrix(~ z, d)
  start <- cbind(d$component == 1L, d$component == 2L) * 0.8 + 0.1
  for (iterations in c(1, 4)) {
    ref <- slow_poisson_em(x, z, d$count, start, iterations)
    fit <- moem(count ~ x, gating = ~ z, data = d, family = poisson(), init = start,
                control = moem_control(maxit = iterations - 1, tol = 0, inner_tol = 1e-14,
                                       inner_slack = 0))
    expect_equal(unname(coef(fit, "experts")), unname(ref$beta), tolerance = 1e-8)
    expect_equal(unname(coef(fit, "gating")[, 2L]), unname(ref$gate), tolerance = 1e-8)
    expect_equal(fit$loglik, ref$loglik, tolerance = 1e-10)
  }
})

test_that("flexmix's patent data: three poisson experts, the gate on RDS", {
  skip_if_not_installed("flexmix")
  data("patent", package = "flexmix", envir = environment())
  best <- -Inf
  for (seed in 1:5) {
    set.seed(seed)
    ref <- flexmix::flexmix(Patents ~ lgRD, k = 3, data = patent,
                            model = flexmix::FLXMRglm(family = "poisson"),
                            concomitant = flexmix::FLXPmultinom(~ RDS))
    if (length(ref@size) == 3L) best <- max(best, ref@logLik)
  }
  expect_true(is.finite(best))
  set.seed(1)
  fit <- moem(Patents ~ lgRD, gating = ~ RDS, data = patent, K = 3, family = poisson(),
              nstart = 5)
  expect_gte(fit$loglik, best - 1e-6)
  expect_equal(fit$df, 3L * 2L + 2L * 2L)
})

test_that("flexmix's NPreg: gaussian experts with one variance, and poisson ones", {
  skip_if_not_installed("flexmix")
  data("NPreg", package = "flexmix", envir = environment())
  best_equal <- best_fixed <- -Inf
  for (seed in 1:5) {
    set.seed(seed)
    ref <- flexmix::flexmix(yn ~ x + I(x^2), k = 2, data = NPreg,
                            model = flexmix::FLXMRglmfix(varFix = TRUE))
    if (length(ref@size) == 2L) best_equal <- max(best_equal, ref@logLik)
    set.seed(seed)
    ref <- flexmix::flexmix(yp ~ x, k = 2, data = NPreg,
                            model = flexmix::FLXMRglmfix(fixed = ~ I(x^2), family = "poisson"))
    if (length(ref@size) == 2L) best_fixed <- max(best_fixed, ref@logLik)
  }
  set.seed(1)
  equal <- moem(yn ~ x + I(x^2), gating = ~ 1, data = NPreg, sigma = "equal", nstart = 5)
  expect_gte(equal$loglik, best_equal - 1e-6)
  expect_equal(unname(equal$sigma[1L]), unname(equal$sigma[2L]))
  set.seed(1)
  fixed <- moem(yp ~ x, gating = ~ 1, data = NPreg, family = poisson(), fixed = ~ I(x^2),
                nstart = 5)
  expect_gte(fixed$loglik, best_fixed - 1e-6)
})

test_that("predict, simulate, residuals and intervals for the new families", {
  d <- count_data(400, seed = 9)
  set.seed(4)
  fit <- moem(count ~ x, gating = ~ z, data = d, family = poisson(), nstart = 2)
  parts <- predict(fit, type = "experts")
  gate <- predict(fit, type = "gating")
  expect_equal(unname(predict(fit)), unname(rowSums(gate * parts)), tolerance = 1e-12)
  expect_equal(unname(parts), unname(exp(model.matrix(~ x, d) %*% coef(fit, "experts"))),
               tolerance = 1e-12)
  expect_equal(unname(residuals(fit)), d$count - unname(fitted(fit)), tolerance = 1e-12)
  variance <- rowSums(gate * (parts + parts^2)) - rowSums(gate * parts)^2
  expect_equal(unname(residuals(fit, type = "pearson")),
               unname((d$count - fitted(fit)) / sqrt(variance)), tolerance = 1e-10)
  sims <- simulate(fit, nsim = 200, seed = 1)
  expect_identical(dim(sims), c(400L, 200L))
  expect_true(all(unlist(sims) == round(unlist(sims))))
  expect_lt(abs(mean(unlist(sims)) - mean(fitted(fit))) / sd(unlist(sims)), 0.05)
  # a count prediction interval: the smallest counts whose mixture cdf reaches the levels
  pi <- predict(fit, interval = "prediction", level = 0.9)
  cdf <- function(q) rowSums(gate * ppois(q, parts))
  expect_true(all(cdf(pi[, "upr"]) >= 0.95 & cdf(pi[, "upr"] - 1) < 0.95))
  expect_true(all(cdf(pi[, "lwr"]) >= 0.05 & (pi[, "lwr"] == 0 | cdf(pi[, "lwr"] - 1) < 0.05)))
  ci <- predict(fit, interval = "confidence")
  expect_true(all(ci[, "lwr"] > 0 & ci[, "lwr"] < ci[, "fit"] & ci[, "fit"] < ci[, "upr"]))
  # at K = 1 a Gamma prediction interval is the Gamma quantiles
  gam <- moem(amount ~ x, data = d, K = 1, family = "Gamma")
  gi <- predict(gam, data.frame(x = c(-1, 1)), interval = "prediction", level = 0.8)
  mu <- predict(gam, data.frame(x = c(-1, 1)))
  expect_equal(unname(gi[, "lwr"]), qgamma(0.1, gam$shape, gam$shape / unname(mu)),
               tolerance = 1e-10)
  expect_equal(unname(gi[, "upr"]), qgamma(0.9, gam$shape, gam$shape / unname(mu)),
               tolerance = 1e-10)
  # summary: shapes, and the coefficient matrix
  s <- summary(gam)
  expect_identical(rownames(s$sigma), "shape1")
  expect_output(print(s), "Shapes of the experts")
})

test_that("rmoe draws poisson, Gamma and binomial count experts and refuses what does not apply", {
  set.seed(1)
  d <- rmoe(2e4, experts = cbind(c(1, 0.5)), gating = cbind(c(0, 0)), family = "poisson",
            intercept = TRUE)
  expect_lt(abs(mean(d$y) - mean(exp(1 + 0.5 * d$x1))), 0.05)
  g <- rmoe(2e4, experts = cbind(c(1, 0.5)), gating = cbind(c(0, 0)), family = "Gamma", shape = 4,
            intercept = TRUE)
  expect_lt(abs(var(g$y / exp(1 + 0.5 * g$x1)) - 1 / 4), 0.02)
  b <- rmoe(2e4, experts = cbind(c(0, 1)), gating = cbind(c(0, 0)), family = "binomial", size = 5,
            intercept = TRUE)
  expect_true(all(b$size == 5 & b$y * 5 == round(b$y * 5)))
  expect_error(rmoe(10, cbind(1), cbind(0), family = "poisson", sigma = 2), "`sigma` is for")
  expect_error(rmoe(10, cbind(1), cbind(0), family = "gaussian", shape = 2), "`shape` is for")
  expect_error(rmoe(10, cbind(1), cbind(0), family = "poisson", size = 2), "`size`")
})

test_that("gradient EM is refused where its step has no bound; moem_compare leaves it out", {
  d <- count_data(200, seed = 2)
  expect_error(moem(count ~ x, data = d, family = poisson(), method = "gradient_em"),
               "does not apply")
  expect_error(moem(amount ~ x, data = d, family = "Gamma", method = "gradient_em"),
               "does not apply")
  expect_error(moem(cbind(successes, failures) ~ x, data = d, family = binomial(),
                    method = "gradient_em"), "does not apply")
  expect_error(moem(amount ~ x, data = d, fixed = ~ w, method = "gradient_em"),
               "does not apply")
  expect_error(moem(count ~ x, data = d, family = poisson(), sigma = "equal"),
               "`sigma = \"equal\"` is for")
  expect_error(moem(count ~ x, data = d, family = poisson(), sigma = 2), "`sigma` is NULL")
  expect_error(moem(count ~ x, data = d, fixed = y ~ w), "one-sided formula")
  set.seed(1)
  cmp <- moem_compare(count ~ x, data = d, family = poisson(),
                      control = moem_control(maxit = 20, tol = 0))
  expect_identical(levels(cmp$method), c("em", "gd"))
  # gradient descent reaches EM's fit of shared coefficients and one sigma
  set.seed(2)
  em <- moem(amount ~ x, data = d, fixed = ~ w, sigma = "equal", nstart = 2,
             control = moem_control(tol = 1e-12))
  gd <- moem(amount ~ x, data = d, fixed = ~ w, sigma = "equal", init = em, method = "gd",
             control = moem_control(maxit = 50))
  expect_equal(gd$loglik, em$loglik, tolerance = 1e-8)
})

test_that("shared coefficients are fitted with each expert's own at once, exactly", {
  # a shared covariate almost collinear with an expert's: a conditional step at a time would
  # crawl, a joint Newton M-step solves it (at K = 1 in one iteration)
  set.seed(1)
  d <- data.frame(x = rnorm(500), f = factor(sample(letters[1:3], 500, TRUE)))
  d$w <- d$x + rnorm(500, sd = 0.1)
  d$y <- 1 + d$x + 2 * d$w + rnorm(500)
  d$count <- rpois(500, exp(0.2 + 0.3 * d$x + 0.2 * d$w + 0.3 * (d$f == "b")))
  one <- moem(y ~ x, fixed = ~ w, K = 1, data = d)
  expect_identical(one$iter, 1L)
  expect_equal(unname(coef(one, "experts")[, 1L]), unname(coef(lm(y ~ x + w, data = d))),
               tolerance = 1e-10)
  pois <- moem(count ~ x, fixed = ~ w + f, K = 1, data = d, family = poisson())
  ref <- glm(count ~ x + w + f, data = d, family = poisson(),
             control = glm.control(epsilon = 1e-14))
  expect_equal(unname(coef(pois, "experts")[, 1L]), unname(coef(ref)), tolerance = 1e-9)
  expect_identical(names(coef(pois)), c("expert1:(Intercept)", "expert1:x", "fixed:w",
                                        "fixed:fb", "fixed:fc"))
  expect_equal(unname(vcov(pois)), unname(vcov(ref)), tolerance = 1e-7)
  # a factor shared by experts without an intercept keeps all its levels, as glm() codes it
  none <- moem(count ~ 0 + x, fixed = ~ f, K = 1, data = d, family = poisson())
  ref0 <- glm(count ~ 0 + x + f, data = d, family = poisson(),
              control = glm.control(epsilon = 1e-14))
  expect_identical(rownames(coef(none, "experts")), c("x", "fa", "fb", "fc"))
  expect_equal(logLik(none)[[1L]], logLik(ref0)[[1L]], tolerance = 1e-10)
  expect_error(moem(y ~ x, fixed = ~ w + offset(x), data = d), "not offsets")
})

test_that("binomial counts: posterior on newdata, rows of no trials, trials in newdata", {
  set.seed(3)
  d <- data.frame(x = rnorm(200), z = rnorm(200))
  d$n <- sample(0:6, 200, TRUE)
  d$s <- rbinom(200, d$n, plogis(ifelse(d$z > 0, 1 + d$x, -1 - d$x)))
  d$f <- d$n - d$s
  set.seed(1)
  fit <- moem(cbind(s, f) ~ x, gating = ~ z, data = d, family = binomial(), nstart = 2)
  # rows of no trials do not count, as in glm()
  expect_identical(nobs(fit), sum(d$n > 0))
  expect_equal(predict(fit, d, type = "posterior"), fit$posterior, tolerance = 1e-10,
               ignore_attr = TRUE)
  sims <- simulate(fit, nsim = 3, seed = 1)
  expect_false(anyNA(unlist(sims)))
  expect_false(anyNA(predict(fit, interval = "prediction")))
  # proportions with the trials as `weights`: the same fit, and newdata's trials from `weights`
  d$p <- ifelse(d$n > 0, d$s / pmax(d$n, 1), 0)
  set.seed(1)
  prop <- moem(p ~ x, gating = ~ z, data = d, family = binomial(), weights = n, nstart = 2)
  expect_equal(prop$loglik, fit$loglik, tolerance = 1e-8)
  expect_equal(predict(prop, d, type = "posterior"), prop$posterior, tolerance = 1e-10,
               ignore_attr = TRUE)
  # cbind counts that are whole to rounding are counts
  d$s2 <- d$s * (1 + 1e-12)
  expect_silent(moem(cbind(s2, f) ~ x, K = 1, data = d, family = binomial()))
})

test_that("init entries and parts that do not apply are errors", {
  d <- count_data(200, seed = 4)
  expect_error(moem(count ~ x, data = d, family = poisson(),
                    init = list(experts = matrix(0, 2, 2), sigma = c(1, 1))),
               "`init\\$sigma` is for gaussian")
  expect_error(moem(amount ~ x, data = d, init = list(experts = matrix(0, 2, 2), bogus = 1)),
               "not `bogus`")
  expect_error(moem(amount ~ x, data = d, fixed = ~ w,
                    init = list(experts = cbind(c(0, 0, 1), c(0, 0, 2)))),
               "same shared")
  gam <- moem(amount ~ x, data = d, K = 1, family = "Gamma")
  expect_error(coef(gam, "sigma"), "Gamma experts have `part = \"shape\"`")
  expect_error(vcov(gam, "sigma"), "Gamma experts have")
  expect_error(moem(count ~ x, data = d, family = poisson(), symmetric = TRUE),
               "`symmetric = TRUE` is for gaussian and binomial")
})

test_that("simulate() keeps the rows na.exclude dropped, as fitted() does", {
  d <- count_data(100, seed = 6)
  d$x[c(3, 50)] <- NA
  fit <- moem(count ~ x, data = d, K = 1, family = poisson(), na.action = na.exclude)
  sims <- simulate(fit, nsim = 2, seed = 1)
  expect_identical(nrow(sims), 100L)
  expect_identical(which(is.na(sims$sim_1)), c(3L, 50L))
  expect_identical(rownames(sims), names(fitted(fit)))
})

test_that("truth with shared coefficients; a tiny response scale with them is an error", {
  set.seed(5)
  d <- data.frame(x = rnorm(400), w = rnorm(400), z = rnorm(400))
  component <- 1L + (runif(400) < plogis(2 * d$z))
  d$y <- ifelse(component == 1L, 1 + d$x, -1 - d$x) + 0.5 * d$w + rnorm(400, sd = 0.3)
  truth <- list(experts = cbind(c(1, 1, 0.5), c(-1, -1, 0.5)), gating = cbind(0, c(0, 2)))
  fit <- moem_fit(cbind(1, x = d$x), d$y, z = cbind(1, z = d$z), fixed = cbind(w = d$w),
                  truth = truth, init = cbind(component == 1L, component == 2L) + 0)
  path <- fit$trace
  last <- nrow(path)
  expect_equal(path$beta_error[last],
               sqrt(sum((fit$coefficients[c(1, 2, 5, 3, 4, 5)] - c(truth$experts))^2)) /
                 sqrt(sum(truth$experts^2)), tolerance = 1e-12)
  tiny <- transform(d, y = y * 1e-170)
  expect_error(moem(y ~ x, data = tiny, fixed = ~ w), "below 1e-140")
  expect_error(moem(y ~ x, data = tiny, sigma = "equal"), "below 1e-140")
})

test_that("a Gamma shape is the likelihood's maximiser from small to very large shapes", {
  set.seed(7)
  x <- rnorm(2000)
  for (shape in c(0.3, 5, 1e6)) {
    y <- rgamma(2000, shape = shape, rate = shape / exp(1 + 0.5 * x))
    fit <- moem(y ~ x, K = 1, family = "Gamma", control = moem_control(tol = 1e-14))
    mu <- fitted(fit)
    profile <- function(a) sum(dgamma(y, shape = a, rate = a / mu, log = TRUE))
    best <- optimize(profile, unname(fit$shape) * c(0.5, 2), maximum = TRUE,
                     tol = 1e-10 * fit$shape)$maximum
    expect_equal(unname(fit$shape), best, tolerance = 1e-6)
  }
})

test_that("R's family table and the C registry agree family by family", {
  # each family's code names the same family in src/families.c: a dispersion in both or in
  # neither, and one linear predictor per expert unless multiclass
  for (name in names(moem:::family_table)) {
    info <- moem:::family_table[[name]]
    M <- if (info$multiclass) 2L else 1L
    layout <- .Call(moem:::ffi_par_layout, c(info$code, 3L, M, 0L, 0L), 2L, 2L, c(0L, 0L))
    expect_identical(layout[["dispersion"]], if (is.null(info$dispersion)) 0L else 3L,
                     info = name)
    expect_identical(layout[["experts"]], 2L * M * 3L, info = name)
    if (!info$multiclass) {
      expect_error(.Call(moem:::ffi_par_layout, c(info$code, 3L, 2L, 0L, 0L), 2L, 2L,
                         c(0L, 0L)), "dims\\[3\\] \\(M\\)", info = name)
    }
  }
  expect_error(.Call(moem:::ffi_par_layout, c(length(moem:::family_table) + 1L, 3L, 1L, 0L,
                                              0L), 2L, 2L, c(0L, 0L)),
               "dims\\[1\\] \\(family\\)")
})
