# The integrated completed likelihood criterion (ICL) of a fit, for glance() and for choosing K.
#
# `type = "entropy"`: BIC + 2 * EN, with EN = -sum_i w_i sum_k post_ik log post_ik the entropy
# of the posterior probabilities (0 log 0 = 0), McLachlan and Peel's (2000, section 6.10.3)
# ICL-BIC, Biernacki, Celeux and Govaert's (2000) criterion with the posterior in place of the
# most probable expert.  `type = "classification"`: BIC - 2 sum_i w_i log post_i,map, the
# classification likelihood of the most probable expert, which is what flexmix's ICL() and
# mclust's icl() compute.  The two agree as the posterior becomes certain; the first is never
# smaller (a distribution's entropy is at least minus the log of its largest probability).
# Like BIC, smaller is better.
moem_icl <- function(object, type = c("entropy", "classification")) {
  type <- match.arg(type)
  post <- object$posterior
  w <- object$prior.weights
  penalty <- if (type == "entropy") {
    -sum(w * rowSums(ifelse(post > 0, post * log(post), 0)))
  } else {
    -sum(w * log(post[cbind(seq_len(nrow(post)), max.col(post, ties.method = "first"))]))
  }
  BIC(object) + 2 * penalty
}
