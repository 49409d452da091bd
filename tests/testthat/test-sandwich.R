# Robust covariances: moem's own vcov(type = "robust", cluster = ) and the sandwich package's
# estimators through estfun() and bread(), against glm at K = 1 and against numerical scores
# of the per-observation log-likelihood at K = 2.

tight_control <- moem_control(tol = 1e-14, maxit = 5000, inner_tol = 1e-14)
tight_glm_control <- glm.control(epsilon = 1e-14, maxit = 100)

# A K = 1 data set with a cluster variable, a count response and binomial trials.
sandwich_data <- function(n = 120, seed = 301) {
  d <- k1_data(n = n, seed = seed)
  d$id <- rep(seq_len(n / 4), each = 4)
  d$count <- rpois(n, exp(0.3 + 0.5 * d$x - 0.4 * d$u))
  d$trials <- sample(2:6, n, replace = TRUE)
  d$successes <- rbinom(n, d$trials, plogis(0.2 + 0.7 * d$x))
  d
}

# The experts' block of a K = 1 fit's matrix, named as glm's coefficients.
expert_block <- function(m) {
  keep <- startsWith(rownames(m), "expert1:")
  out <- m[keep, keep, drop = FALSE]
  dimnames(out) <- lapply(dimnames(out), function(a) sub("^expert1:", "", a))
  out
}

k1_cases <- list(
  gaussian = list(formula = y ~ x + f, family = gaussian(), weights = NULL),
  # (sandwich's estfun() and bread() of a weighted gaussian glm use the dispersion
  # sum(w^2 r^2) / sum(w), not the maximum likelihood sigma^2; it cancels in the sandwich)
  gaussian_weighted = list(formula = y ~ x + u, family = gaussian(), weights = "w",
                           same_pieces = FALSE),
  binomial = list(formula = yb ~ x + u, family = binomial(), weights = "w"),
  binomial_trials = list(formula = cbind(successes, trials - successes) ~ x + f,
                         family = binomial(), weights = NULL),
  poisson = list(formula = count ~ x + u + f, family = poisson(), weights = "w")
)

for (nm in names(k1_cases)) {
  test_that(paste("K = 1: estfun, bread, sandwich, vcovHC, vcovCL and coeftest are glm's:", nm), {
    skip_if_not_installed("sandwich")
    skip_if_not_installed("lmtest")
    case <- k1_cases[[nm]]
    # (vcovCL() evaluates the data of the call in the formula's environment)
    environment(case$formula) <- environment()
    d <- sandwich_data()
    d$case_weight <- if (is.null(case$weights)) 1 else d[[case$weights]]
    fit <- moem(case$formula, data = d, K = 1, family = case$family, weights = case_weight,
                control = tight_control)
    ref <- glm(case$formula, data = d, family = case$family, weights = case_weight,
               control = tight_glm_control)
    if (!isFALSE(case$same_pieces)) {
      scores <- sandwich::estfun(fit)
      expect_equal(unname(scores[, startsWith(colnames(scores), "expert1:")]),
                   unname(sandwich::estfun(ref)), tolerance = 1e-6)
      expect_equal(unname(expert_block(sandwich::bread(fit))), unname(sandwich::bread(ref)),
                   tolerance = 1e-6)
    }
    expect_equal(expert_block(sandwich::sandwich(fit)), sandwich::sandwich(ref),
                 tolerance = 1e-6)
    expect_equal(expert_block(vcov(fit, type = "robust")), sandwich::sandwich(ref),
                 tolerance = 1e-6)
    expect_equal(expert_block(sandwich::vcovHC(fit)), sandwich::vcovHC(ref, type = "HC0"),
                 tolerance = 1e-6)
    expect_equal(expert_block(sandwich::vcovHC(fit, type = "HC0")),
                 sandwich::vcovHC(ref, type = "HC0"), tolerance = 1e-6)
    expect_equal(expert_block(sandwich::vcovCL(fit, cluster = ~ id)),
                 sandwich::vcovCL(ref, cluster = ~ id), tolerance = 1e-6)
    expect_equal(expert_block(vcov(fit, type = "robust", cluster = ~ id)),
                 sandwich::vcovCL(ref, cluster = ~ id), tolerance = 1e-6)
    robust <- lmtest::coeftest(fit, vcov. = sandwich::sandwich)
    reference <- lmtest::coeftest(ref, vcov. = sandwich::sandwich)
    keep <- startsWith(rownames(robust), "expert1:")
    expect_identical(colnames(robust), colnames(reference))
    expect_equal(unclass(robust)[keep, ], unclass(reference)[, ], tolerance = 1e-6,
                 ignore_attr = TRUE)
    if (is.null(fit$sigma)) {
      # without a dispersion, HC1's n / (n - P) counts glm's coefficients
      expect_equal(expert_block(sandwich::vcovHC(fit, type = "HC1")),
                   sandwich::vcovHC(ref, type = "HC1"), tolerance = 1e-6)
    }
  })
}

test_that("K = 1 with an aliased column: the free coefficients' sandwich is glm's", {
  skip_if_not_installed("sandwich")
  d <- sandwich_data()
  d$x_copy <- d$x
  fit <- moem(yb ~ x + x_copy + u, data = d, K = 1, family = binomial(),
              control = tight_control)
  # (glm's rank tolerance is its epsilon / 1000: the tight one would not find the alias)
  ref <- glm(yb ~ x + x_copy + u, data = d, family = binomial(),
             control = glm.control(epsilon = 1e-10, maxit = 100))
  expect_false("expert1:x_copy" %in% colnames(sandwich::estfun(fit)))
  expect_equal(expert_block(sandwich::sandwich(fit)), sandwich::sandwich(ref),
               tolerance = 1e-6)
  robust <- vcov(fit, type = "robust")
  expect_true(all(is.na(robust["expert1:x_copy", ])))
  free <- rownames(sandwich::sandwich(fit))
  expect_equal(robust[free, free], sandwich::sandwich(fit))
})

# The log-likelihood of each row of a gaussian mixture of experts as a function of coef()
# (experts, gate, sigmas), in plain R (helper-reference.R).
row_loglik_function <- function(fit, x, z, y) {
  K <- fit$K
  p <- ncol(x)
  q <- ncol(z)
  function(theta) {
    par <- unpack_theta(theta, p, q, K)
    log_sum_exp_rows(log_gate(z, par$gate) + log_experts(x, y, par$beta, par$sigma, "gaussian"))
  }
}

test_that("K = 2: estfun() is the numerical gradient of each row's log-likelihood, weighted", {
  skip_if_not_installed("numDeriv")
  d <- moe_data(n = 150, K = 2, seed = 311)
  set.seed(312)
  d$w <- sample(1:3, nrow(d), replace = TRUE)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, weights = w,
              init = random_posterior(150, 2, 313), control = tight_control)
  f <- row_loglik_function(fit, model.matrix(~ x1 + x2, d), model.matrix(~ x1, d), d$y)
  numeric_scores <- numDeriv::jacobian(f, coef(fit))
  scores <- sandwich::estfun(fit)
  expect_identical(colnames(scores), names(coef(fit)))
  expect_equal(unname(scores), d$w * numeric_scores, tolerance = 1e-6)
  # at the maximum the scores sum to zero
  expect_lt(max(abs(colSums(scores))), 1e-5 * max(abs(scores)))
})

test_that("K = 2: sandwich() and vcovCL() are vcov(type = \"robust\"), with or without clusters", {
  skip_if_not_installed("sandwich")
  d <- moe_data(n = 300, K = 2, seed = 321)
  d$id <- rep(seq_len(75), each = 4)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 322),
              control = tight_control)
  robust <- vcov(fit, type = "robust")
  expect_equal(sandwich::sandwich(fit), robust)
  expect_equal(sandwich::vcovHC(fit), robust)
  clustered <- vcov(fit, type = "robust", cluster = ~ id)
  expect_equal(sandwich::vcovCL(fit, cluster = ~ id), clustered)
  expect_equal(vcov(fit, type = "robust", cluster = d$id), clustered)
  # by hand: the model covariance around the cluster sums of the scores, times G / (G - 1)
  v <- vcov(fit)
  sums <- rowsum(sandwich::estfun(fit), d$id)
  expect_equal(clustered, v %*% crossprod(sums) %*% v * 75 / 74, tolerance = 1e-10)
  expect_equal(robust, v %*% crossprod(sandwich::estfun(fit)) %*% v, tolerance = 1e-10)
  expect_identical(vcov(fit, "gating", type = "robust"), robust[7:8, 7:8])
  # one cluster per observation is HC0 times n / (n - 1)
  expect_equal(vcov(fit, type = "robust", cluster = seq_len(300)), robust * 300 / 299)
})

test_that("K = 2 binomial, poisson, Gamma and multinomial experts: scores sum to zero", {
  skip_if_not_installed("sandwich")
  cases <- list(
    binomial = list(data = binomial_moe_data(400, seed = 331), family = binomial(),
                    formula = y ~ x1, gating = ~ x2),
    poisson = list(data = moe_data(n = 400, K = 2, family = "poisson", seed = 332),
                   family = poisson(), formula = y ~ x1 + x2, gating = ~ x1),
    Gamma = list(data = moe_data(n = 400, K = 2, family = "Gamma", seed = 333),
                 family = Gamma(link = "log"), formula = y ~ x1 + x2, gating = ~ x1)
  )
  d <- binomial_moe_data(400, seed = 334)
  d$class <- factor(ifelse(d$y == 1, sample(c("b", "c"), 400, TRUE), "a"))
  cases$multinomial <- list(data = d, family = multinomial(), formula = class ~ x1,
                            gating = ~ x2)
  for (case in cases) {
    fit <- moem(case$formula, data = case$data, gating = case$gating, family = case$family,
                init = random_posterior(400, 2, 335), control = tight_control)
    scores <- sandwich::estfun(fit)
    expect_identical(colnames(scores), names(coef(fit)))
    expect_lt(max(abs(colSums(scores))), 1e-5 * max(abs(scores)))
    expect_equal(sandwich::sandwich(fit), vcov(fit, type = "robust"))
  }
})

test_that("Gamma experts' shape score is the numerical derivative of the log-likelihood", {
  skip_if_not_installed("numDeriv")
  d <- moe_data(n = 200, K = 1, family = "Gamma", seed = 341)
  fit <- moem(y ~ x1 + x2, data = d, K = 1, family = Gamma(link = "log"),
              control = tight_control)
  x <- model.matrix(~ x1 + x2, d)
  f <- function(theta) dgamma(d$y, shape = theta[4], rate = theta[4] / exp(x %*% theta[1:3]),
                              log = TRUE)
  expect_equal(unname(sandwich::estfun(fit)), numDeriv::jacobian(f, coef(fit)),
               tolerance = 1e-6)
})

test_that("with a penalty, the robust covariance has the penalised bread and the likelihood's scores", {
  skip_if_not_installed("sandwich")
  d <- moe_data(n = 300, K = 2, seed = 351)
  penalty <- c(3, 5)
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, init = random_posterior(300, 2, 352),
              control = moem_control(penalty = penalty, tol = 1e-14, maxit = 5000))
  scores <- sandwich::estfun(fit)
  # the scores sum to the penalty's gradient: lambda theta on the non-intercept coefficients
  lambda <- c(0, 3, 3, 0, 3, 3, 0, 5, 0, 0)
  expect_equal(unname(colSums(scores)), lambda * unname(coef(fit)), tolerance = 1e-5)
  v <- vcov(fit)
  expect_equal(vcov(fit, type = "robust"), v %*% crossprod(scores) %*% v, tolerance = 1e-10)
  expect_equal(sandwich::sandwich(fit), vcov(fit, type = "robust"))
})

test_that("na.exclude: estfun() pads the dropped rows, clusters are taken from the fit's rows", {
  skip_if_not_installed("sandwich")
  d <- moe_data(n = 200, K = 2, seed = 361)
  d$id <- rep(seq_len(50), each = 4)
  d$x2[c(3, 50)] <- NA
  fit <- moem(y ~ x1 + x2, data = d, gating = ~ x1, na.action = na.exclude,
              init = random_posterior(198, 2, 362), control = tight_control)
  scores <- sandwich::estfun(fit)
  expect_identical(nrow(scores), 200L)
  expect_true(all(is.na(scores[c(3, 50), ])))
  expect_equal(sandwich::sandwich(fit), vcov(fit, type = "robust"))
  clustered <- vcov(fit, type = "robust", cluster = ~ id)
  expect_equal(vcov(fit, type = "robust", cluster = d$id), clustered)
  expect_equal(vcov(fit, type = "robust", cluster = d$id[-c(3, 50)]), clustered)
  expect_equal(sandwich::vcovCL(fit, cluster = ~ id), clustered)
})

test_that("bad `cluster`, `type` and arguments are errors that name them", {
  d <- moe_data(n = 120, K = 2, seed = 371)
  d$id <- rep(1:30, each = 4)
  d$group <- rep(1:2, 60)
  fit <- moem(y ~ x1, data = d, init = random_posterior(120, 2, 372))
  expect_snapshot(error = TRUE, {
    vcov(fit, type = "robust", cluster = 1:3)
    vcov(fit, type = "robust", cluster = ~ id + group)
    vcov(fit, type = "robust", cluster = rep(1, 120))
    vcov(fit, type = "robust", cluster = c(NA, d$id[-1]))
    vcov(fit, type = "robust", cluster = list(d$id))
  })
  skip_if_not_installed("sandwich")
  skip_if_not_installed("lmtest")
  expect_snapshot(error = TRUE, {
    sandwich::vcovHC(fit, type = "HC3")
    sandwich::vcovHC(fit, type = "HC9")
    sandwich::estfun(fit, 1)
    sandwich::bread(fit, scale = 2)
    lmtest::coeftest(fit, vcov. = vcov(fit), type = "robust")
  })
  expect_equal(lmtest::coeftest(fit, vcov. = vcov, type = "robust")[, 2],
               sqrt(diag(vcov(fit, type = "robust"))))
})

test_that("symmetric, shared-coefficient and fixed-sigma models: scores of the free parameters", {
  skip_if_not_installed("sandwich")
  d <- moe_data(n = 300, K = 2, seed = 381)
  control <- moem_control(tol = 1e-14, maxit = 5000)
  fits <- list(
    symmetric = moem(y ~ x1 + x2, data = d, symmetric = TRUE,
                     init = random_posterior(300, 2, 382), control = control),
    shared = moem(y ~ x1, data = d, fixed = ~ x2, sigma = "equal",
                  init = random_posterior(300, 2, 383), control = control),
    known_sigma = moem(y ~ x1, data = d, sigma = 0.5, init = random_posterior(300, 2, 384),
                       control = control)
  )
  for (fit in fits) {
    scores <- sandwich::estfun(fit)
    expect_identical(colnames(scores), names(coef(fit)))
    expect_lt(max(abs(colSums(scores))), 1e-5 * max(abs(scores)))
    expect_equal(sandwich::sandwich(fit), vcov(fit, type = "robust"))
  }
})
