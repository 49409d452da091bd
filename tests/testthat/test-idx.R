# read_idx(): a corrupt or truncated IDX file is a clear error, before any large allocation.

# Writes an IDX file from its magic bytes, its dimensions and the raw bytes of its data.
write_idx <- function(magic, dims, data = raw(0), gz = FALSE) {
  path <- tempfile(fileext = if (gz) ".idx.gz" else ".idx")
  con <- if (gz) gzfile(path, "wb") else file(path, "wb")
  writeBin(as.raw(magic), con)
  writeBin(as.integer(dims), con, size = 4L, endian = "big")
  writeBin(data, con)
  close(con)
  path
}

test_that("good IDX files are read, gzipped or not", {
  for (gz in c(FALSE, TRUE)) {
    expect_identical(read_idx(write_idx(c(0, 0, 8, 2), c(2, 3), as.raw(1:6), gz)),
                     matrix(1:6, 2, 3, byrow = TRUE))
    expect_identical(read_idx(write_idx(c(0, 0, 9, 1), 2, as.raw(c(1, 255)), gz)), c(1L, -1L))
    con <- rawConnection(raw(0), "wb")
    writeBin(c(1.5, -2), con, size = 8L, endian = "big")
    doubles <- rawConnectionValue(con)
    close(con)
    expect_identical(read_idx(write_idx(c(0, 0, 14, 1), 2, doubles, gz)), c(1.5, -2))
    # an empty array is no error
    expect_identical(length(read_idx(write_idx(c(0, 0, 8, 2), c(0, 3), raw(0), gz))), 0L)
  }
})

test_that("corrupt or truncated IDX files are errors that name `file`", {
  for (gz in c(FALSE, TRUE)) {
    expect_error(read_idx(write_idx(c(0, 1, 8, 1), 1, as.raw(1), gz)), "`file` is not an IDX")
    expect_error(read_idx(write_idx(c(0, 0), integer(0), raw(0), gz)), "`file` is not an IDX")
    expect_error(read_idx(write_idx(c(0, 0, 7, 1), 1, as.raw(1), gz)),
                 "`file` has an unknown IDX element type \\(7\\)")
    expect_error(read_idx(write_idx(c(0, 0, 8, 0), integer(0), as.raw(1:3), gz)),
                 "`file` has an IDX header with no dimensions")
    expect_error(read_idx(write_idx(c(0, 0, 8, 3), c(2, 3), raw(0), gz)),
                 "`file` is truncated in its header \\(2 of 3 dimensions\\)")
    expect_error(read_idx(write_idx(c(0, 0, 8, 2), c(-1, 3), as.raw(1:6), gz)),
                 "`file` has a corrupt IDX header: a dimension beyond 2\\^31 - 1")
    expect_error(read_idx(write_idx(c(0, 0, 14, 3), rep(2^31 - 1, 3), as.raw(1:6), gz)),
                 "`file` has a corrupt IDX header: .* more values than R can hold")
    expect_error(read_idx(write_idx(c(0, 0, 8, 2), c(2, 3), as.raw(1:4), gz)),
                 "`file` is truncated: it holds 4 of the 6 values \\(2 x 3\\)")
    expect_error(read_idx(write_idx(c(0, 0, 11, 1), 3, as.raw(1:5), gz)),
                 "`file` is truncated: it holds 2 of the 3 values")
  }
  expect_error(read_idx(tempfile()), "`file` must be the path of an existing IDX file")
  expect_error(read_idx(tempdir()), "`file` must be the path of an existing IDX file")
  expect_error(read_idx(NA_character_), "`file` must be the path of an existing IDX file")
})

test_that("a header that claims a huge size fails without allocating it", {
  # 2e9 doubles (16 GB) announced, 6 bytes held: the error comes before any large vector
  for (gz in c(FALSE, TRUE)) {
    f <- write_idx(c(0, 0, 14, 2), c(1e5, 2e4), as.raw(1:6), gz)
    gc(reset = TRUE)
    before <- gc()["Vcells", "max used"]
    expect_error(read_idx(f), "`file` is truncated: it holds 0 of the 2,000,000,000 values")
    # Vcells are 8 bytes: less than 80 MB more at the peak
    expect_lt(gc()["Vcells", "max used"] - before, 1e7)
  }
})
