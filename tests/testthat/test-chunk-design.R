# chunk_design() and its matrices(): the chunks' design matrices, bound by rows, are those
# moem() gives the C code for the whole data.

test_that("gaussian experts with factors, interactions, a character column and NA", {
  d <- chunk_data()
  d$x[c(4, 30)] <- NA
  d$s[11] <- NA
  d$s[30] <- "rare"  # only in a row that na.omit drops: no level of the character column
  d$f[4] <- "unused" # likewise, but a factor keeps it (moem() drops unused levels before na.omit)
  for (size in c(7, 10, 53)) {
    design <- chunk_design(y ~ f * x + s, gating = ~ x + h, na.action = na.omit,
                           source = data_source(d, chunk_size = size))
    chunks <- bind_chunks(design, data_source(d, chunk_size = size))
    whole <- whole_matrices(y ~ f * x + s, gating = ~ x + h, data = d, na.action = na.omit)
    expect_same_matrices(chunks, whole)
    expect_identical(design$xlevels, whole$xlevels)
    expect_identical(design$contrasts, whole$contrasts)
    expect_identical(design$columns$x, colnames(whole$x))
    expect_identical(design$n, whole$n)
    expect_identical(design$dropped, 3L)
    expect_identical(design$chunks, as.integer(ceiling(53 / size)))
  }
  # the independent reference: model.matrix() of the whole data's frame, unused levels
  # dropped before na.omit() as moem() drops them
  frame <- model.frame(y ~ f * x + s + h, d, drop.unused.levels = TRUE, na.action = na.pass)
  reference <- model.matrix(y ~ f * x + s, na.omit(frame))
  expect_equal(chunks$x, reference, ignore_attr = TRUE, tolerance = 0)
  expect_identical(design$levels$f, c("c", "unused", "a", "b"))
  expect_identical(design$levels$s, c("east", "north", "west"))
})

test_that("the default gate is the experts' matrix; weights and subset are evaluated per chunk", {
  d <- chunk_data()
  design <- chunk_design(y ~ x + f, source = data_source(d, chunk_size = 8),
                         weights = quote(wt), subset = quote(u > 0.2))
  chunks <- bind_chunks(design, data_source(d, chunk_size = 8))
  whole <- whole_matrices(y ~ x + f, data = d, weights = wt, subset = u > 0.2)
  expect_same_matrices(chunks, whole)
  expect_true(design$same_design)
  expect_equal(design$nobs, sum(d$wt[d$u > 0.2]))
  expect_error(chunk_design(y ~ x, source = data_source(d, chunk_size = 8), subset = quote(1:10)),
               "chunk 1: `subset` must be a logical condition")
})

test_that("binomial experts: cbind counts with weights, proportions with trials, a factor", {
  d <- chunk_data()
  design <- chunk_design(cbind(successes, failures) ~ x + f, gating = ~ u, family = binomial(),
                         source = data_source(d, chunk_size = 6), weights = quote(wt))
  expect_same_matrices(bind_chunks(design, data_source(d, chunk_size = 6)),
                       whole_matrices(cbind(successes, failures) ~ x + f, gating = ~ u,
                                      family = binomial(), data = d, weights = wt))
  design <- chunk_design(proportion ~ x, gating = ~ u, family = binomial(),
                         source = data_source(d, chunk_size = 9), weights = quote(trials))
  chunks <- bind_chunks(design, data_source(d, chunk_size = 9))
  expect_same_matrices(chunks, whole_matrices(proportion ~ x, gating = ~ u, family = binomial(),
                                              data = d, weights = trials))
  expect_equal(chunks$size, as.double(d$trials))
  # a factor response: its two levels from the whole data, even where a chunk has one
  d <- d[order(d$yes), ]
  design <- chunk_design(yes ~ x, family = binomial(), source = data_source(d, chunk_size = 5))
  chunks <- bind_chunks(design, data_source(d, chunk_size = 5))
  whole <- whole_matrices(yes ~ x, family = binomial(), data = d)
  expect_same_matrices(chunks, whole)
  expect_identical(design$response_levels, whole$response_levels)
})

test_that("poisson experts with offset(log(exposure)) and `offset`", {
  d <- chunk_data()
  design <- chunk_design(count ~ x + offset(log(exposure)), gating = ~ x + u, family = poisson(),
                         source = data_source(d, chunk_size = 11), offset = quote(0.1 * u))
  expect_same_matrices(bind_chunks(design, data_source(d, chunk_size = 11)),
                       whole_matrices(count ~ x + offset(log(exposure)), gating = ~ x + u,
                                      family = poisson(), data = d, offset = 0.1 * u))
})

test_that("multinomial experts with a factor response and a gate's offset", {
  d <- chunk_data()
  design <- chunk_design(class ~ x + h, gating = ~ u + offset(x), family = multinomial(),
                         source = data_source(d, chunk_size = 4))
  chunks <- bind_chunks(design, data_source(d, chunk_size = 4))
  whole <- whole_matrices(class ~ x + h, gating = ~ u + offset(x), family = multinomial(),
                          data = d)
  expect_same_matrices(chunks, whole)
  expect_identical(design$response_levels, c("lo", "mid", "hi"))
  expect_identical(design$M, 2L)
  expect_equal(chunks$target, moem:::class_indicators(whole$y, 2L), tolerance = 0)
})

test_that("coefficients shared by all experts (`fixed`) are appended to x", {
  d <- chunk_data()
  design <- chunk_design(y ~ x, gating = ~ u, fixed = ~ h + u,
                         source = data_source(d, chunk_size = 7))
  chunks <- bind_chunks(design, data_source(d, chunk_size = 7))
  whole <- whole_matrices(y ~ x, gating = ~ u, fixed = ~ h + u, data = d)
  expect_same_matrices(chunks, whole)
  expect_identical(design$p_fixed, 2L)
  expect_identical(design$columns$fixed, c("hq", "u"))
  expect_equal(chunks$fixed, chunks$x[, 3:4], tolerance = 0)
  # with the gate by default, z is the experts' own columns
  design <- chunk_design(y ~ x, fixed = ~ h, source = data_source(d, chunk_size = 7))
  expect_same_matrices(bind_chunks(design, data_source(d, chunk_size = 7)),
                       whole_matrices(y ~ x, fixed = ~ h, data = d))
})

test_that("a chunk function's factors with different levels take rbind()'s order", {
  d <- chunk_data(n = 30)
  pieces <- split(d, rep(1:3, each = 10))
  pieces <- lapply(pieces, function(p) transform(p, s = factor(s)))
  position <- 0
  chunks <- function(reset = FALSE) {
    if (reset) return(position <<- 0)
    position <<- position + 1
    if (position <= length(pieces)) pieces[[position]]
  }
  design <- chunk_design(y ~ s, source = data_source(chunks, chunk_size = 1))
  expect_identical(design$levels$s, levels(do.call(rbind, pieces)$s))
  expect_same_matrices(bind_chunks(design, data_source(chunks, chunk_size = 1)),
                       whole_matrices(y ~ s, data = do.call(rbind, pieces)))
  # a computed factor whose levels differ between chunks has no known order
  expect_error(chunk_design(y ~ factor(trials), source = data_source(d, chunk_size = 5)),
               "levels of `factor\\(trials\\)` differ between chunks")
})

test_that("a level the first pass did not see, or not in `xlev`, is an error", {
  d <- chunk_data()
  design <- chunk_design(y ~ x + s, source = data_source(d, chunk_size = 10))
  new <- d[1:5, ]
  new$s[2] <- "north-east"
  expect_snapshot(design$matrices(new, "chunk 3"), error = TRUE)
  expect_snapshot(chunk_design(y ~ x + s, source = data_source(d, chunk_size = 10),
                               xlev = list(s = c("east", "west"))), error = TRUE)
  design <- chunk_design(y ~ x + s, source = data_source(d[d$s != "north", ], chunk_size = 10),
                         xlev = list(s = c("east", "north", "west")))
  expect_snapshot(design$matrices(new, "chunk 3"), error = TRUE)
})

test_that("`xlev` replaces the levels of the first pass", {
  d <- chunk_data()
  xlev <- list(s = c("west", "north", "east", "south"))
  design <- chunk_design(y ~ x + s, source = data_source(d, chunk_size = 10), xlev = xlev)
  expect_identical(design$xlevels, xlev)
  chunks <- bind_chunks(design, data_source(d, chunk_size = 10))
  expect_identical(colnames(chunks$x), c("(Intercept)", "x", "snorth", "seast", "ssouth"))
  expect_true(all(chunks$x[, "ssouth"] == 0))
  expect_equal(chunks$x[, 3:4], model.matrix(~ factor(s, levels = xlev$s), d)[, 2:3],
               ignore_attr = TRUE, tolerance = 0)
  expect_error(chunk_design(y ~ x, source = data_source(d, chunk_size = 10),
                            xlev = list(x = "a")), "`xlev` gives levels for `x`")
})

test_that("terms that depend on the whole data are an error", {
  d <- chunk_data()
  expect_snapshot(chunk_design(y ~ poly(x, 2), source = data_source(d, chunk_size = 10)),
                  error = TRUE)
  expect_snapshot(chunk_design(y ~ x, gating = ~ scale(u) + poly(x, 2),
                               source = data_source(d, chunk_size = 10)), error = TRUE)
  # log(), I() and offsets do not depend on the data as a whole
  expect_silent(chunk_design(y ~ log(u) + I(x^2), source = data_source(d, chunk_size = 10)))
})

test_that("the response, weights and rows are checked on the first pass", {
  d <- chunk_data()
  d$count[40] <- -1
  in_tens <- data_source(d, chunk_size = 10)
  expect_error(chunk_design(count ~ x, family = poisson(), source = in_tens),
               "chunk 4: The response of poisson experts must be counts")
  expect_error(chunk_design(y ~ x, source = in_tens, weights = quote(-wt)),
               "chunk 1: `weights` must be non-negative")
  expect_error(chunk_design(y ~ x, source = in_tens, weights = quote(0 * wt)),
               "`weights` are all zero")
  expect_error(chunk_design(y ~ x, source = in_tens, subset = quote(x > 99)),
               "no rows left after `subset`")
  d$x[12] <- NA
  expect_error(chunk_design(y ~ x, source = data_source(d, chunk_size = 10), na.action = na.fail),
               "chunk 2: missing values")
  expect_error(chunk_design(yes ~ x, family = binomial(),
                            source = data_source(d[d$yes == "no", ], chunk_size = 10)),
               "must have two levels; it has 1")
})

test_that("a formula with `.` takes the columns of the first chunk", {
  d <- chunk_data()[, c("y", "x", "u", "h")]
  design <- chunk_design(y ~ ., source = data_source(d, chunk_size = 10))
  expect_same_matrices(bind_chunks(design, data_source(d, chunk_size = 10)),
                       whole_matrices(y ~ ., data = d))
})
