# Memory: a fit whose workspace would not fit in memory is a clear error before any large
# allocation.

test_that("a design of a million columns is an error at once, naming its size", {
  x <- matrix(rnorm(2e6), 2, 1e6) # 16 MB, but its cross-product matrix has 1e12 entries
  y <- c(1, 2)
  old <- options(moem.max_memory = NULL)
  on.exit(options(old))
  if (is.finite(moem:::available_memory())) {
    time <- system.time(expect_error(moem_fit(x, y, K = 1),
                                     "2 rows and 1,000,000 columns would need about [0-9,.]+ GB"))
    expect_lt(time[["elapsed"]], 10)
  }
  # with a limit set (also where the memory available is unknown)
  options(moem.max_memory = 2^40)
  expect_error(moem_fit(x, y, K = 1),
               paste0("1,000,000 columns would need about [0-9,]+ GB of memory, more than is ",
                      "available \\(1,020 GB by options\\(moem.max_memory\\)\\); use fewer ",
                      "columns \\(a cross-product matrix of the design alone has ",
                      "1,000,000,000,000 entries\\)"))
  expect_error(moem_fit(x[, 1:1000], y, z = x, K = 2),
               "1,000 columns for the experts and 1,000,000 for the gate would need about")
})

test_that("the limit of options(moem.max_memory) stops a fit that the default lets run", {
  d <- moe_data(n = 200, seed = 51)
  old <- options(moem.max_memory = 1e5)
  on.exit(options(old))
  expect_snapshot(error = TRUE, {
    moem(y ~ x1 + x2, data = d)
    moem(y ~ x1, data = d, K = 2, control = moem_control(maxit = 1e6, path = TRUE))
  })
  # the Newton Hessians of wide multinomial experts: the bound solver is the way out
  set.seed(52)
  x <- matrix(rnorm(500 * 400), 500)
  y <- factor(sample(letters[1:10], 500, replace = TRUE))
  options(moem.max_memory = 2^27)
  expect_error(moem_fit(x, y, K = 2, family = multinomial(),
                        control = moem_control(solver = "newton")),
               "use `solver = \"bound\"` in moem_control\\(\\) \\(about [0-9.]+ MB")
  options(moem.max_memory = NULL)
  expect_s3_class(moem(y ~ x1 + x2, data = d), "moem")
  options(moem.max_memory = "a lot")
  expect_error(moem(y ~ x1 + x2, data = d), "option `moem.max_memory` must be a number")
})

test_that("available_memory() and check_memory()", {
  old <- options(moem.max_memory = 12345)
  on.exit(options(old))
  expect_identical(moem:::available_memory(), 12345)
  expect_identical(moem:::check_memory(12345, "This", "try that."), 12345)
  expect_snapshot(moem:::check_memory(3 * 2^30, "Reading the file", "read less of it."),
                  error = TRUE)
  options(moem.max_memory = NULL)
  free <- moem:::available_memory()
  if (file.exists("/proc/meminfo")) {
    line <- grep("^MemAvailable:", readLines("/proc/meminfo"), value = TRUE)
    kb <- as.numeric(gsub("[^0-9]", "", line))
    # MemAvailable changes as other processes run
    expect_equal(free, kb * 1024, tolerance = 0.2)
  } else {
    expect_identical(free, Inf)
  }
})
