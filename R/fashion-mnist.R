#' Read an IDX file
#'
#' Reads the IDX format of the MNIST and Fashion-MNIST data sets, gzipped or not: a magic
#' number giving the element type and the number of dimensions, the dimensions, then the data
#' in row-major order.
#'
#' @param file Path of the file.
#' @return A vector for one dimension; otherwise an array whose first dimension indexes the
#'   items, for images an n x rows x columns array.
#' @examples
#' f <- tempfile(fileext = ".idx")
#' con <- file(f, "wb")
#' writeBin(c(0L, 0L, 8L, 2L), con, size = 1)   # magic: unsigned bytes, 2 dimensions
#' writeBin(c(2L, 3L), con, size = 4, endian = "big")
#' writeBin(1:6, con, size = 1)
#' close(con)
#' read_idx(f)
#' @export
read_idx <- function(file) {
  call <- sys.call()
  if (!is.character(file) || length(file) != 1L || is.na(file) || !file.exists(file) ||
      dir.exists(file)) {
    abort("`file` must be the path of an existing IDX file, not ", describe(file), ".",
          call = call)
  }
  con <- gzfile(file, "rb")
  on.exit(close(con))
  magic <- as.integer(readBin(con, "raw", n = 4L))
  if (length(magic) < 4L || magic[1L] != 0L || magic[2L] != 0L) {
    abort("`file` is not an IDX file: ", file, ".", call = call)
  }
  type <- idx_types[idx_types$code == magic[3L], ]
  if (nrow(type) == 0L) {
    abort("`file` has an unknown IDX element type (", magic[3L], "): ", file, ".", call = call)
  }
  rank <- magic[4L]
  if (rank == 0L) abort("`file` has an IDX header with no dimensions: ", file, ".", call = call)
  dims <- readBin(con, "integer", n = rank, size = 4L, endian = "big")
  if (length(dims) < rank) {
    abort("`file` is truncated in its header (", length(dims), " of ", rank, " dimensions): ",
          file, ".", call = call)
  }
  # dimensions are unsigned 32-bit numbers: one read as negative is beyond 2^31 - 1, more
  # than an R array's dimension can be
  if (any(dims < 0L)) {
    abort("`file` has a corrupt IDX header: a dimension beyond 2^31 - 1 (", file, ").",
          call = call)
  }
  count <- prod(as.double(dims))
  bytes <- count * type$size
  if (bytes > 2^52) {
    abort("`file` has a corrupt IDX header: its dimensions (", paste(dims, collapse = " x "),
          ") make more values than R can hold (", file, ").", call = call)
  }
  truncated <- function(got) {
    abort("`file` is truncated: it holds ", whole_number(got), " of the ",
          whole_number(count), " values (", paste(dims, collapse = " x "),
          ") its header announces (", file, ").", call = call)
  }
  # An uncompressed file must be as long as its header says; a gzipped one is read in chunks of
  # 8 MB, so that memory is only allocated for the values the file really holds.
  header <- 4 + 4 * rank
  if (!is_gzip(file) && file.size(file) < header + bytes) {
    truncated(floor((file.size(file) - header) / type$size))
  }
  chunks <- list()
  got <- 0
  while (got < bytes) {
    chunk <- readBin(con, "raw", n = min(2^23, bytes - got))
    if (length(chunk) == 0L) break
    chunks[[length(chunks) + 1L]] <- chunk
    got <- got + length(chunk)
  }
  if (got < bytes) truncated(floor(got / type$size))
  raw <- if (length(chunks) == 1L) chunks[[1L]] else do.call(c, c(list(raw(0)), chunks))
  rm(chunks)
  data <- readBin(raw, type$what, n = count, size = type$size, signed = type$signed,
                  endian = "big")
  if (rank == 1L) return(data)
  aperm(array(data, rev(dims)), rev(seq_len(rank)))
}

# The IDX element types: code of the magic number's third byte, what readBin() reads, bytes.
idx_types <- data.frame(code = c(8L, 9L, 11L, 12L, 13L, 14L),
                        what = c("integer", "integer", "integer", "integer", "double", "double"),
                        size = c(1L, 1L, 2L, 4L, 4L, 8L),
                        signed = c(FALSE, TRUE, TRUE, TRUE, TRUE, TRUE))

whole_number <- function(x) formatC(x, format = "f", digits = 0, big.mark = ",")

# Whether a file starts with gzip's magic bytes.
is_gzip <- function(file) {
  con <- file(file, "rb")
  on.exit(close(con))
  identical(readBin(con, "raw", n = 2L), as.raw(c(0x1f, 0x8b)))
}

#' The Random-Invert Fashion-MNIST data set
#'
#' Builds the data of the real-data experiment of Fruytier, Mokhtari and Sanghavi (2025) from
#' the Fashion-MNIST files: pixels scaled to \[0, 1\], and each image, with probability 1/2,
#' inverted (\eqn{p \to 1 - p}{p -> 1 - p}), turning a light object on a dark background into a
#' dark object on a light one, so that no single linear classifier serves both halves.
#'
#' The data are not shipped with moem. On Debian and Ubuntu the package
#' `dataset-fashion-mnist` installs them under `/usr/share/datasets/fashion-mnist/`.
#'
#' @param dir Directory with `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
#'   `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz` (gzipped or not).
#' @param seed Seed of the random inversions and subsamples, or `NULL` for R's current stream.
#' @param n_train,n_test Numbers of training and test images to keep (a random subset), or
#'   `NULL` for all (60000 and 10000).
#' @return A list with `train` and `test`, each a list of `x` (an n x 784 matrix of pixels in
#'   \[0, 1\], row-major within the 28 x 28 image), `y` (a factor of the ten clothing classes)
#'   and `inverted` (logical).
#' @examples
#' dir <- "/usr/share/datasets/fashion-mnist"
#' labels <- file.path(dir, "t10k-labels-idx1-ubyte.gz")
#' if (file.exists(labels)) table(read_idx(labels))
#' \dontrun{
#' # reads all 70000 images: some seconds
#' d <- fashion_mnist_invert(dir, seed = 1, n_train = 1000, n_test = 500)
#' str(d$train)
#' }
#' @export
fashion_mnist_invert <- function(dir = "/usr/share/datasets/fashion-mnist", seed = NULL,
                                 n_train = NULL, n_test = NULL) {
  call <- sys.call()
  stems <- c(train_x = "train-images-idx3-ubyte", train_y = "train-labels-idx1-ubyte",
             test_x = "t10k-images-idx3-ubyte", test_y = "t10k-labels-idx1-ubyte")
  files <- vapply(stems, function(stem) {
    candidates <- file.path(dir, paste0(stem, c(".gz", "")))
    found <- candidates[file.exists(candidates)]
    if (length(found)) found[1L] else NA_character_
  }, "")
  if (anyNA(files)) {
    abort("The Fashion-MNIST files are not in `dir` (", dir, "): missing ",
          paste(stems[is.na(files)], collapse = ", "), ". Install the Debian package ",
          "dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or give `dir`.",
          call = call)
  }
  if (!is.null(seed)) {
    if (!exists(".Random.seed", envir = .GlobalEnv, inherits = FALSE)) stats::runif(1)
    old <- get(".Random.seed", envir = .GlobalEnv)
    on.exit(assign(".Random.seed", old, envir = .GlobalEnv))
    set.seed(seed)
  }
  list(train = invert_part(files[["train_x"]], files[["train_y"]], n_train, "n_train", call),
       test = invert_part(files[["test_x"]], files[["test_y"]], n_test, "n_test", call))
}

fashion_mnist_classes <- c("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                           "Shirt", "Sneaker", "Bag", "Ankle boot")

invert_part <- function(images, labels, keep, arg, call) {
  x <- read_idx(images)
  y <- read_idx(labels)
  n <- length(y)
  if (!is.null(keep)) {
    if (!is_whole(keep, 1) || keep > n) {
      abort("`", arg, "` must be NULL or a whole number between 1 and ", n, ", not ",
            describe(keep), ".", call = call)
    }
  }
  rows <- if (is.null(keep)) seq_len(n) else sort(sample.int(n, keep))
  x <- x[rows, , , drop = FALSE]
  dim(x) <- c(length(rows), dim(x)[2L] * dim(x)[3L])
  # row-major pixels: column j is row (j - 1) %/% 28 + 1, column (j - 1) %% 28 + 1 of the image
  x <- x[, as.vector(t(matrix(seq_len(ncol(x)), sqrt(ncol(x))))), drop = FALSE] / 255
  inverted <- stats::runif(length(rows)) < 0.5
  x[inverted, ] <- 1 - x[inverted, ]
  colnames(x) <- paste0("px", seq_len(ncol(x)))
  list(x = x, y = factor(fashion_mnist_classes[y[rows] + 1L], levels = fashion_mnist_classes),
       inverted = inverted)
}
