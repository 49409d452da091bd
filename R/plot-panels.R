# The panels of plot.moem(): each draws one plot on the current device and returns what it drew.
# `...` are the user's graphical parameters, which take the place of the panel's own.

# The response against a covariate, coloured by the most probable expert, with the experts'
# fitted means: through the observations when they depend on the covariate alone, else
# averaged over the observations in bins of it.
plot_data <- function(fit, covariate, ...) {
  covariate <- panel_covariate(fit, covariate, fit$terms)
  xc <- fit$model[[covariate]]
  mu <- unname(training_parts(fit)$mu)
  expert <- max.col(fit$posterior, ties.method = "first")
  extra <- c(if (!is.null(fit$fixed_terms)) frame_variables(fit$fixed_terms),
             if (!is.null(fit$call$offset)) "(offset)")
  exact <- depends_on_alone(fit$terms, covariate, extra)
  curves <- if (exact) {
    o <- order(xc)
    list(x = xc[o], means = mu[o, , drop = FALSE])
  } else {
    binned_means(xc, mu)
  }
  colours <- expert_colours(fit$K)
  with_legend_margin()
  draw(graphics::plot, list(x = xc, y = fit$y, pch = 16, cex = 0.7,
                            col = grDevices::adjustcolor(colours[expert], point_alpha(xc)),
                            xlab = covariate, main = "Data and experts",
                            ylab = if (is.null(fit$size)) deparse1(fit$formula[[2L]]) else
                              "proportion of successes",
                            sub = if (!exact) {
                              paste("lines: means averaged in bins of", covariate)
                            }), list(...))
  for (k in seq_len(fit$K)) {
    graphics::lines(curves$x, curves$means[, k], col = "white", lwd = 5)
    graphics::lines(curves$x, curves$means[, k], col = colours[k], lwd = 2.5)
  }
  legend_above(paste("expert", seq_len(fit$K)), colours, pch = 16, lwd = 2.5)
  structure(data.frame(covariate = xc, response = fit$y, expert = expert), means = mu,
            curves = curves, exact = exact)
}

# The average of each column of `values` (n x K) over the observations in bins of `x`: its
# distinct values when there are at most `bins` of them, else `bins` bins of equal counts.
# list(x = the bins' mean x, means = bins x K).
binned_means <- function(x, values, bins = 20L) {
  group <- if (length(unique(x)) <= bins) factor(x) else {
    cut(rank(x, ties.method = "first"), bins, labels = FALSE)
  }
  list(x = as.vector(tapply(x, group, mean)),
       means = matrix(apply(values, 2L, function(v) tapply(v, group, mean)),
                      ncol = ncol(values)))
}

# Each expert's gate probability against a covariate.
plot_gate <- function(fit, covariate, ...) {
  covariate <- panel_covariate(fit, covariate, fit$gating_terms)
  xc <- fit$model[[covariate]]
  gate <- training_parts(fit)$gate
  as_lines <- depends_on_alone(fit$gating_terms, covariate)
  colours <- expert_colours(fit$K)
  with_legend_margin()
  draw(graphics::plot, list(x = range(xc), y = c(0, 1), type = "n", xlab = covariate,
                            ylab = "gate probability", main = "Gate"), list(...))
  for (k in seq_len(fit$K)) {
    if (as_lines) {
      o <- order(xc)
      graphics::lines(xc[o], gate[o, k], col = colours[k], lwd = 2.5)
    } else {
      graphics::points(xc, gate[, k], pch = 16, cex = 0.5,
                       col = grDevices::adjustcolor(colours[k], point_alpha(xc)))
    }
  }
  legend_above(paste("expert", seq_len(fit$K)), colours, pch = if (as_lines) NA else 16,
               lwd = if (as_lines) 2.5 else NA)
  structure(data.frame(covariate = xc, gate = I(unname(gate))), exact = as_lines)
}

# A histogram of each observation's largest posterior probability, from 1/K to 1.
plot_separation <- function(fit, ...) {
  top <- apply(fit$posterior, 1L, max)
  graphics::par(mar = c(5.1, 4.1, 4.1, 2.1))
  draw(graphics::hist, list(x = top, breaks = seq(1 / fit$K, 1, length.out = 21L),
                            main = "Separation of the experts",
                            xlab = "largest posterior probability",
                            ylab = "observations", col = "grey80", border = "white"),
       list(...))
  unname(top)
}

# A normal QQ plot of the randomized quantile residuals, with the line of identity.
plot_qq <- function(fit, ...) {
  r <- quantile_residuals(fit)
  finite <- is.finite(r)
  note <- c(if (family_info(fit$family)$discrete) "randomized: set.seed() repeats them",
            if (!all(finite)) paste(sum(!finite), "infinite residual(s) left out"))
  graphics::par(mar = c(5.1, 4.1, 4.1, 2.1))
  draw(stats::qqnorm, list(y = r[finite], main = "Quantile residuals",
                           xlab = "standard normal quantiles", ylab = "quantile residuals",
                           pch = 16, cex = 0.6,
                           col = grDevices::adjustcolor("black", point_alpha(r)),
                           sub = if (length(note)) paste(note, collapse = "; ")), list(...))
  graphics::abline(0, 1, col = "#D55E00", lwd = 1.5, lty = 2)
  unname(r)
}

plot_loglik <- function(fit, ...) {
  tr <- fit$trace
  graphics::par(mar = c(5.1, 4.1, 4.1, 2.1))
  draw(graphics::plot, list(x = tr$iter, y = tr$loglik, type = "o", pch = 20,
                            xlab = "EM iteration", ylab = "log-likelihood",
                            main = "Log-likelihood"), list(...))
  data.frame(iter = tr$iter, loglik = tr$loglik)
}

plot_gap <- function(fit, call, ...) {
  tr <- fit$trace
  gap <- max(tr$loglik) - tr$loglik
  keep <- gap > 1e-13 * (abs(max(tr$loglik)) + 1)  # above rounding
  if (!any(keep)) {
    abort("The log-likelihood never changed; there is no gap to plot.", call = call)
  }
  graphics::par(mar = c(5.1, 4.1, 4.1, 2.1))
  draw(graphics::plot, list(x = tr$iter[keep], y = gap[keep], type = "o", pch = 20, log = "y",
                            xlab = "EM iteration",
                            ylab = "final log-likelihood minus log-likelihood",
                            main = "Log-likelihood gap"), list(...))
  data.frame(iter = tr$iter[keep], gap = gap[keep])
}

# Calls a plotting function with the panel's arguments, the user's taking their place.
draw <- function(fun, args, dots) {
  args <- utils::modifyList(args, dots)
  do.call(fun, args[!vapply(args, is.null, NA)])
}

# Colours for K experts that colour-blind readers tell apart: Okabe and Ito's, without black
# and the pale yellow, then hcl colours for more than six.
expert_colours <- function(K) {
  okabe_ito <- c("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
  if (K <= length(okabe_ito)) okabe_ito[seq_len(K)] else grDevices::hcl.colors(K, "Dark 3")
}

# Opacity of the points, lower for more of them, so that dense regions show.
point_alpha <- function(values) min(0.8, max(0.15, 20 / sqrt(length(values))))

# A top margin with room for the legend above the plotting region and the title above it.
with_legend_margin <- function() graphics::par(mar = c(5.1, 4.1, 5.1, 2.1))

# A one-line legend just above the plotting region, in the top margin, its entries spaced by
# the widest label.
legend_above <- function(labels, colours, pch = NA, lwd = NA) {
  width <- 1.2 * max(graphics::strwidth(labels, cex = 0.9))
  graphics::legend("bottom", inset = c(0, 1), legend = labels, col = colours, pch = pch,
                   lwd = lwd, horiz = TRUE, bty = "n", xpd = NA, cex = 0.9, text.width = width)
}
