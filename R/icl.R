# The integrated completed likelihood criterion (ICL) of a fit, in the form of McLachlan and
# Peel (2000, section 6.10.3): BIC + 2 * EN, with EN = -sum_i w_i sum_k post_ik log post_ik
# the entropy of the posterior probabilities (0 log 0 = 0, so K = 1 has EN = 0). Like BIC,
# smaller is better. (flexmix's ICL() puts -sum_i log max_k post_ik in place of EN, the
# classification likelihood of the most probable expert; EN is never smaller, and the two
# agree as the posterior becomes certain.)
moem_icl <- function(object) {
  post <- object$posterior
  entropy <- -sum(object$prior.weights * rowSums(ifelse(post > 0, post * log(post), 0)))
  BIC(object) + 2 * entropy
}
