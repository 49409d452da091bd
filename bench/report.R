# Markdown tables for bench/RESULTS.md from the CSV files of bench/peers.R and bench/scaling.R.
#
#   Rscript bench/report.R [peers.csv] [scaling.csv]
args <- commandArgs(trailingOnly = TRUE)
peers <- utils::read.csv(if (length(args) >= 1L) args[[1L]] else "bench/peers.csv")
scaling <- utils::read.csv(if (length(args) >= 2L) args[[2L]] else "bench/scaling.csv")

table_md <- function(df) {
  header <- paste("|", paste(names(df), collapse = " | "), "|")
  rule <- paste("|", paste(rep("---", ncol(df)), collapse = " | "), "|")
  body <- apply(df, 1L, function(r) paste("|", paste(r, collapse = " | "), "|"))
  paste(c(header, rule, body), collapse = "\n")
}

keys <- unique(peers[c("family", "K", "d", "n", "gate")])
rows <- lapply(seq_len(nrow(keys)), function(i) {
  k <- keys[i, ]
  r <- merge(k, peers)
  best <- max(r$loglik, na.rm = TRUE)
  moem <- r[r$package == "moem", ]
  lapply(seq_len(nrow(r)), function(j) {
    x <- r[j, ]
    gap <- (best - x$loglik) / abs(best)
    data.frame(
      family = x$family, K = x$K, d = x$d, n = format(x$n, scientific = FALSE), gate = x$gate,
      package = x$package,
      seconds = if (is.na(x$seconds)) "over 600 (stopped)" else sprintf("%.3f", x$seconds),
      iterations = x$iter,
      ms_per_iteration = sprintf("%.2f", 1000 * x$seconds / max(x$iter, 1)),
      loglik = sprintf("%.6f", x$loglik),
      vs_best = if (is.na(gap)) "" else if (gap <= 1e-6) "equal (1e-6)" else sprintf("lower by %.1e", gap),
      moem_speedup = if (x$package == "moem" || !nrow(moem) || is.na(x$seconds)) "" else
        sprintf("%.1fx", x$seconds / moem$seconds),
      peak_mb = if (is.na(x$peak_mb)) "" else sprintf("%.1f", x$peak_mb))
  })
})
peer_table <- do.call(rbind, unlist(rows, recursive = FALSE))
cat("## moem beside flexmix and mixtools\n\n", table_md(peer_table), "\n\n", sep = "")

scaling_table <- data.frame(
  n = format(scaling$n, scientific = FALSE, big.mark = ","),
  ms_per_iteration = sprintf("%.1f", 1000 * scaling$per_iteration),
  floor_ms = sprintf("%.1f", 1000 * scaling$floor),
  ratio = sprintf("%.2f", scaling$per_iteration / scaling$floor),
  ratio_range = if (is.null(scaling$runs)) "" else
    ifelse(scaling$runs > 1, sprintf("%.2f-%.2f (%d runs)", scaling$ratio_min, scaling$ratio_max,
                                     scaling$runs), "1 run"),
  design_mb = sprintf("%.1f", scaling$design_bytes / 2^20),
  fit_peak_mb = sprintf("%.1f", (scaling$peak_bytes - scaling$rss_before) / 2^20),
  peak_over_design = sprintf("%.2f", (scaling$peak_bytes - scaling$rss_before) / scaling$design_bytes))
cat("## Scaling of moem\n\n", table_md(scaling_table), "\n", sep = "")
