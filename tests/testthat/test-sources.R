# Data sources read a chunk at a time: a data frame in chunks, a chunk function in biglm's
# convention, a table of a database through DBI.

# All chunks of one pass of a source, in order.
read_all <- function(source) {
  source$reset()
  out <- list()
  while (!is.null(chunk <- source$read())) out[[length(out) + 1L]] <- chunk
  out
}

test_that("a data frame is read in chunks of chunk_size rows, and again after reset", {
  d <- chunk_data()
  source <- data_source(d, chunk_size = 7)
  chunks <- read_all(source)
  expect_identical(vapply(chunks, nrow, 1L), c(rep(7L, 7), 4L))
  expect_identical(do.call(rbind, chunks), d)
  expect_identical(read_all(source), chunks)
  expect_identical(read_all(data_source(d, chunk_size = 100)), list(d))
})

test_that("a chunk function is read until it returns NULL; its errors say it failed", {
  d <- chunk_data()
  position <- 0
  chunks <- function(reset = FALSE) {
    if (reset) {
      position <<- 0
      return(invisible(NULL))
    }
    position <<- position + 1
    if (position <= 3) d[intersect((position - 1) * 20 + seq_len(20), seq_len(nrow(d))), ]
  }
  got <- read_all(data_source(chunks, chunk_size = 1))
  expect_length(got, 3L)
  expect_identical(read_all(data_source(chunks, chunk_size = 1)), got)
  failing <- function(reset = FALSE) {
    if (!reset && (position <<- position + 1) > 1) stop("disk on fire")
    if (!reset) d
  }
  source <- data_source(failing, chunk_size = 1)
  source$reset()
  position <- 0
  expect_s3_class(source$read(), "data.frame")
  expect_snapshot(source$read(), error = TRUE)
  expect_snapshot(chunk_design(y ~ x, source = data_source(failing, chunk_size = 1)),
                  error = TRUE)
  expect_snapshot(data_source(function(n) NULL, chunk_size = 1), error = TRUE)
  expect_snapshot(read_all(data_source(function(reset) 1:3, chunk_size = 1)), error = TRUE)
})

test_that("`data`, `table` and `chunk_size` are checked", {
  expect_snapshot(data_source(1:3, chunk_size = 10), error = TRUE)
  expect_snapshot(data_source(chunk_data(), table = "d", chunk_size = 10), error = TRUE)
  expect_snapshot(data_source(chunk_data(), chunk_size = 0), error = TRUE)
})

test_that("a table of a database is read in chunks, by its name or a SELECT", {
  skip_if_not_installed("DBI")
  skip_if_not_installed("RSQLite")
  d <- chunk_data()
  d$f <- as.character(d$f)
  d$h <- as.character(d$h)
  d$class <- as.character(d$class)
  d$yes <- as.character(d$yes)
  con <- DBI::dbConnect(RSQLite::SQLite(), ":memory:")
  on.exit(DBI::dbDisconnect(con), add = TRUE)
  DBI::dbWriteTable(con, "my data", d)
  whole <- whole_matrices(y ~ f * x + s, gating = ~ u + h, data = d, weights = wt)
  for (size in c(1, 7, nrow(d))) {
    for (table in c("my data", "SELECT * FROM \"my data\" ORDER BY rowid")) {
      source <- data_source(con, table = table, chunk_size = size)
      chunks <- read_all(source)
      expect_identical(length(chunks), as.integer(ceiling(nrow(d) / size)))
      expect_equal(do.call(rbind, chunks), d, ignore_attr = TRUE)
      design <- chunk_design(y ~ f * x + s, gating = ~ u + h, source = source,
                             weights = quote(wt))
      expect_same_matrices(bind_chunks(design, source), whole)
    }
  }
  # a pass left half way is cleared by reset() and by close(), and the next pass is whole
  source <- data_source(con, table = "my data", chunk_size = 10)
  source$reset()
  source$read()
  source$reset()
  expect_identical(nrow(do.call(rbind, read_all(source))), nrow(d))
  source$reset()
  source$read()
  source$close()
  expect_identical(nrow(do.call(rbind, read_all(source))), nrow(d))
  source$close()
  # multinomial experts from text columns: the classes sorted, as as.factor() sorts them
  design <- chunk_design(class ~ x, family = multinomial(),
                         source = data_source(con, table = "my data", chunk_size = 9))
  expect_identical(design$response_levels, sort(unique(d$class)))
  # errors of the database say so, and leave no result open
  expect_snapshot(read_all(data_source(con, table = "no such table", chunk_size = 5)),
                  error = TRUE)
  expect_snapshot(data_source(con, table = 3, chunk_size = 5), error = TRUE)
  expect_identical(nrow(DBI::dbGetQuery(con, "SELECT count(*) AS n FROM \"my data\"")), 1L)
})
