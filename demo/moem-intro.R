# A mixture of two linear experts whose gate depends on x1: fit it, summarise it, and compare
# it with a single regression, a mixture with a constant gate, and (if installed) flexmix.
library(moem)
set.seed(2025)
d <- rmoe(2000, experts = cbind(c(1, 2, 0), c(-1, -1, 1)), gating = cbind(0, c(0, 3, 0)),
          sigma = 0.5, intercept = TRUE)

fit <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1, nstart = 3)
print(summary(fit))

single <- lm(y ~ x1 + x2, data = d)
constant_gate <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ 1, nstart = 3)
cat("\nModel comparison:\n")
print(data.frame(model = c("one regression", "2 experts, constant gate", "2 experts, gate ~ x1"),
                 logLik = c(logLik(single), logLik(constant_gate), logLik(fit)),
                 df = c(attr(logLik(single), "df"), constant_gate$df, fit$df),
                 BIC = c(BIC(single), BIC(constant_gate), BIC(fit))), digits = 6)

if (requireNamespace("flexmix", quietly = TRUE)) {
  set.seed(1)
  start <- matrix(0, nrow(d), 2)
  start[cbind(seq_len(nrow(d)), sample(rep_len(1:2, nrow(d))))] <- 1
  moem_time <- system.time(
    ours <- moem(y ~ x1 + x2, data = d, K = 2, gating = ~ x1, init = start,
                 control = moem_control(tol = 1e-10))
  )[["elapsed"]]
  flexmix_time <- system.time(
    theirs <- flexmix::flexmix(y ~ x1 + x2, data = d, k = 2, cluster = start,
                               model = flexmix::FLXMRglm(family = "gaussian"),
                               concomitant = flexmix::FLXPmultinom(~ x1),
                               control = list(minprior = 0, iter.max = 1000, tolerance = 1e-10))
  )[["elapsed"]]
  cat("\nFrom the same start:\n")
  print(data.frame(package = c("moem", "flexmix"),
                   logLik = c(ours$loglik, theirs@logLik),
                   iterations = c(ours$iter, theirs@iter),
                   seconds = c(moem_time, flexmix_time)), digits = 8)
}
