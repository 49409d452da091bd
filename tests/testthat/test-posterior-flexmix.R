# posterior() with flexmix attached too: both packages' fits work, whichever is attached last.

test_that("posterior() works on moem and flexmix fits in either order of attaching", {
  skip_on_cran()
  skip_if_not_installed("flexmix")
  script <- tempfile(fileext = ".R")
  out <- tempfile(fileext = ".rds")
  on.exit(unlink(c(script, out)))
  run <- function(first, second) {
    writeLines(c(
      sprintf("suppressPackageStartupMessages({library(%s); library(%s)})", first, second),
      "set.seed(1)",
      "d <- moem::rmoe(200, experts = cbind(c(1, 2), c(-1, -1)),",
      "                gating = cbind(0, c(0, 3)), intercept = TRUE)",
      "fit <- moem::moem(y ~ x1, data = d)",
      "ff <- flexmix::flexmix(y ~ x1, data = d, k = 2)",
      "try_it <- function(expr) tryCatch(expr, error = conditionMessage)",
      "saveRDS(list(",
      "  moem = try_it(posterior(fit)), moem_ref = moem::posterior(fit),",
      "  moem_new = try_it(posterior(fit, newdata = d[1:5, ])),",
      "  moem_new_ref = predict(fit, d[1:5, ], type = 'posterior'),",
      "  modeltools = try_it(modeltools::posterior(fit)),",
      "  flexmix = try_it(posterior(ff)), flexmix_ref = flexmix::posterior(ff),",
      "  flexmix_new = try_it(posterior(ff, newdata = d[1:5, ])),",
      "  flexmix_new_ref = flexmix::posterior(ff, newdata = d[1:5, ])",
      sprintf("), %s)", deparse(out))
    ), script)
    env <- paste0("R_LIBS=", paste(.libPaths(), collapse = .Platform$path.sep))
    status <- system2(file.path(R.home("bin"), "Rscript"), c("--vanilla", script), env = env,
                      stdout = FALSE, stderr = FALSE)
    expect_identical(status, 0L)
    readRDS(out)
  }
  for (order in list(c("moem", "flexmix"), c("flexmix", "moem"))) {
    res <- run(order[1L], order[2L])
    expect_true(is.matrix(res$moem), info = paste(order, collapse = ", then "))
    expect_identical(res$moem, res$moem_ref)
    expect_identical(res$modeltools, res$moem_ref)
    expect_identical(res$moem_new, res$moem_new_ref)
    expect_true(is.matrix(res$flexmix), info = paste(order, collapse = ", then "))
    expect_identical(res$flexmix, res$flexmix_ref)
    expect_identical(res$flexmix_new, res$flexmix_new_ref)
  }
})

test_that("posterior() of an object that is no fit is a clear error", {
  expect_snapshot(posterior(lm(dist ~ speed, data = cars)), error = TRUE)
})
