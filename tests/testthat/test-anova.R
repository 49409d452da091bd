# anova(): likelihood-ratio tests of nested fits, against logLik() and df by hand, against
# anova() of glm and lm fits at K = 1, and the nesting rules.

test_that("the likelihood-ratio test is 2 (logLik1 - logLik0) on the difference of df", {
  d <- moe_data(300, K = 2)
  fit0 <- moem(y ~ x1, data = d, K = 2, gating = ~ x1, sigma = "equal")
  fit1 <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1 + x2)
  fit2 <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1 + x2, sigma = "equal")
  # given in any order, the table is ordered by df
  a <- anova(fit1, fit0, fit2)
  expect_s3_class(a, c("anova", "data.frame"))
  fits <- list(fit0, fit2, fit1)
  ll <- vapply(fits, function(f) as.numeric(logLik(f)), 1)
  df <- vapply(fits, function(f) attr(logLik(f), "df"), 1)
  expect_equal(a$logLik, ll)
  expect_equal(a$Params, df)
  stat <- 2 * diff(ll)
  expect_equal(a$Chisq, c(NA, stat))
  expect_equal(a$Df, c(NA, diff(df)))
  expect_equal(a$`Pr(>Chisq)`, c(NA, pchisq(stat, diff(df), lower.tail = FALSE)))
  expect_identical(anova(fit0, fit1, test = "LRT"), anova(fit0, fit1))
  expect_match(attr(a, "heading")[2L], "Model 2: [^\n]*, sigma equal")
  expect_match(attr(a, "heading")[2L], "Model 3: y ~ x1 + x2, gate ~x1 + x2, K = 2", fixed = TRUE)
})

test_that("at K = 1 the statistic is glm's deviance difference (poisson) and lm's (gaussian)", {
  d <- k1_data()
  set.seed(5)
  d$count <- rpois(nrow(d), exp(0.3 + 0.5 * d$x))
  p0 <- moem(count ~ x, data = d, K = 1, family = poisson())
  p1 <- moem(count ~ x + u + f, data = d, K = 1, family = poisson())
  g <- anova(glm(count ~ x, poisson, d), glm(count ~ x + u + f, poisson, d), test = "LRT")
  a <- anova(p0, p1)
  expect_equal(a$Chisq[2L], g$Deviance[2L], tolerance = 1e-7)
  expect_equal(a$Df[2L], g$Df[2L])
  expect_equal(a$`Pr(>Chisq)`[2L], g$`Pr(>Chi)`[2L], tolerance = 1e-6)

  n0 <- moem(y ~ x, data = d, K = 1)
  n1 <- moem(y ~ x * u + f, data = d, K = 1)
  l0 <- logLik(lm(y ~ x, d))
  l1 <- logLik(lm(y ~ x * u + f, d))
  a <- anova(n0, n1)
  expect_equal(a$Chisq[2L], 2 * as.numeric(l1 - l0), tolerance = 1e-7)
  expect_equal(a$Df[2L], attr(l1, "df") - attr(l0, "df"))
})

test_that("fits that are not nested, or not of the same data, are errors that say why", {
  d <- moe_data(200, K = 2)
  fit <- moem(y ~ x1, data = d, K = 2)
  other <- d
  other$y[1] <- other$y[1] + 1
  expect_error(anova(fit, moem(y ~ x1 + x2, data = other, K = 2)),
               "not of the same data: their responses differ")
  other <- d
  other$x1[1] <- 0
  expect_error(anova(fit, moem(y ~ x1 + x2, data = other, K = 2)),
               "not of the same data: the values of `x1` differ")
  expect_error(anova(fit, moem(y ~ x1, data = d[-1, ], K = 2)),
               "numbers of observations \\(200 and 199\\)")
  expect_error(anova(moem(y ~ x1, data = d, K = 1), fit), "Use test = \"bootstrap\"")
  expect_error(anova(fit, moem(y ~ x2 + I(x1^2), data = d, K = 2, gating = ~ x1)),
               "the experts' terms `x1` of fit 1 are not among those of fit 2")
  expect_error(anova(fit, moem(y ~ x1, data = d, K = 2, gating = ~ x2 + I(x2^2))),
               "the gate's terms `x1` of fit 1 are not among those of fit 2")
  expect_error(anova(moem(y ~ x1 + x2, data = d, K = 2, sigma = "equal"),
                     moem(y ~ x1 + x2, data = d, K = 2, gating = ~ 1)),
               "freer than the larger's")
  expect_error(anova(moem(y ~ x1, data = d, K = 2, fixed = ~ x2),
                     moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1)), NA)
  expect_error(anova(moem(y ~ x1 + x2, data = d, K = 2, gating = ~ 1),
                     moem(y ~ x1, data = d, K = 2, fixed = ~ x2 + I(x2^2))),
               "`x2` of fit 1 are not the experts' own \\(they are shared\\)")
  expect_error(anova(fit, fit), "the same number of parameters")
  expect_error(anova(fit), "given one")
  expect_error(anova(fit, lm(y ~ x1, d)), "every argument in `...` must be one")
  expect_error(anova(fit, moem(y ~ x1 + x2, data = d, K = 2), B = 10), "for test = \"bootstrap\"")
  expect_error(anova(fit, moem(y ~ x1 + x2, data = d, K = 2), test = "F"), "`test` must be")
  stopped <- suppressWarnings(moem(y ~ x1 + x2, data = d, K = 2, control = moem_control(maxit = 0)))
  got <- collect_warnings(anova(fit, stopped))$warnings
  expect_match(got, "Fit 2 did not converge", all = FALSE)
  expect_match(got, "Fit 2's log-likelihood is below that of fit 1", all = FALSE)
  penalised <- moem(y ~ x1 + x2, data = d, K = 2, control = moem_control(penalty = 1))
  expect_error(anova(fit, penalised), "Fit 2 has a ridge penalty")

  set.seed(2)
  counts <- data.frame(x1 = d$x1, x2 = d$x2, y = rpois(nrow(d), 3))
  expect_error(anova(moem(y ~ x1, data = counts, K = 2, family = poisson()),
                     moem(y ~ x1 + x2, data = counts, K = 2)),
               "their families differ \\(poisson\\(log\\) and gaussian\\(identity\\)\\)")
})

test_that("the bootstrap's replicates are simulated and refitted on their own streams", {
  d <- moe_data(150, K = 2)
  one <- moem(y ~ x1, data = d, K = 1)
  two <- moem(y ~ x1, data = d, K = 2, gating = ~ x1)
  set.seed(11)
  a <- anova(two, one, test = "bootstrap", B = 3, nstart = 1)
  boot <- attr(a, "bootstrap")
  expect_equal(a$LRT[2L], 2 * (two$loglik - one$loglik))
  expect_equal(a$`Pr(boot)`[2L], (1 + sum(boot$lrt >= a$LRT[2L])) / 4)

  # the streams by hand: one draw seeds L'Ecuyer-CMRG, then nextRNGStream() for each replicate
  set.seed(11)
  seed <- sample.int(.Machine$integer.max, 1L)
  kind <- RNGkind()
  set.seed(seed, kind = "L'Ecuyer-CMRG")
  stream <- .Random.seed
  for (b in 1:2) {
    assign(".Random.seed", stream, envir = .GlobalEnv)
    sim <- d
    sim$y <- simulate(one)$sim_1
    # on the replicate's stream: the simulation, then each refit's random start
    l0 <- suppressWarnings(moem(y ~ x1, data = sim, K = 1))$loglik
    l1 <- suppressWarnings(moem(y ~ x1, data = sim, K = 2, gating = ~ x1))$loglik
    expect_equal(boot$loglik0[b], l0)
    expect_equal(boot$loglik1[b], l1)
    expect_equal(boot$lrt[b], 2 * (l1 - l0))
    stream <- parallel::nextRNGStream(stream)
  }
  RNGkind(kind[1L], kind[2L], kind[3L])
})

test_that("the bootstrap gives the same result on one core and on two", {
  skip_on_cran()
  skip_on_os("windows")
  d <- moe_data(150, K = 2)
  one <- moem(y ~ x1, data = d, K = 1)
  two <- moem(y ~ x1, data = d, K = 2, gating = ~ x1)
  RNGkind("L'Ecuyer-CMRG")
  on.exit(RNGkind("default"))
  set.seed(3)
  a <- anova(one, two, test = "bootstrap", B = 4, nstart = 2, cores = 1)
  after <- .Random.seed
  set.seed(3)
  b <- anova(one, two, test = "bootstrap", B = 4, nstart = 2, cores = 2)
  expect_identical(b, a)
  expect_identical(.Random.seed, after)
  expect_error(anova(one, two, one, test = "bootstrap", B = 2), "two fits, not 3")
  expect_error(anova(one, two, test = "bootstrap", B = 0), "`B` must be a whole number")
  expect_error(anova(one, two, test = "bootstrap", cores = 0), "`cores` must be")
})
