# The passes' exponentials (src/exp_block.c) against R's exp(), which is the C library's.

exp_block <- function(x) .Call(moem:::ffi_exp_block, as.double(x))

# |a - b| in units in the last place of b (b finite, normal)
ulps <- function(a, b) abs(a - b) / 2^(floor(log2(abs(b))) - 52)

test_that("exp_block is within 1 ulp of exp() from -708 to 709", {
  set.seed(1)
  x <- c(seq(-708, 709, length.out = 200001), runif(1e5, -1, 1), runif(1e5, -40, 0),
         -708, 709, 0, -0.5 * log(2), 0.5 * log(2), 1e-300, -1e-300)
  expect_lte(max(ulps(exp_block(x), exp(x))), 1)
  expect_identical(exp_block(0), 1)
})

test_that("exp_block gives exp()'s subnormals, zeros, infinities and NaN outside that range", {
  x <- c(-708.5, -720, -745, -745.2, -800, -Inf, 709.5, 709.8, 710, 1e300, Inf)
  expect_identical(exp_block(x), exp(x))
  # beside elements inside the range, in a group of four and in the padded last group
  y <- c(1, -720, -Inf, 2, 709.5, 3)
  expect_identical(exp_block(y)[c(2, 3, 5)], exp(y[c(2, 3, 5)]))
  expect_lte(max(ulps(exp_block(y)[c(1, 4, 6)], exp(y[c(1, 4, 6)]))), 1)
  out <- exp_block(c(NaN, 0.5, NA))
  expect_true(is.nan(out[1]))
  expect_true(is.na(out[3]))
  expect_lte(ulps(out[2], exp(0.5)), 1)
})

test_that("an element's exponential does not depend on its place in the array", {
  set.seed(2)
  x <- runif(101, -50, 5)
  all <- exp_block(x)
  one_by_one <- vapply(x, exp_block, 0)
  expect_identical(all, one_by_one)
  expect_identical(exp_block(x[-1]), all[-1])
  expect_identical(exp_block(numeric()), numeric())
})
