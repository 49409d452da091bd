# posterior() is also an S4 generic of modeltools, which flexmix re-exports: with both packages
# attached, the one attached last masks the other's posterior().  So that either works on fits
# of both packages, whichever is attached last:
# - moem's S3 generic hands S4 objects (flexmix fits) to modeltools' generic
#   (posterior.default), and
# - modeltools' generic gets an S4 method for moem fits, registered when its namespace is
#   loaded (now, or later through a hook), without importing modeltools.
# The method and the S4 definition of the S3 class "moem" go in an environment of their own,
# made when the package is built, since the namespace is locked once loaded.

s4_methods <- new.env()

#' @rdname moem-accessors
#' @export
posterior.default <- function(object, ...) {
  if (isS4(object) && isNamespaceLoaded("modeltools")) {
    return(getExportedValue("modeltools", "posterior")(object, ...))
  }
  abort("posterior() is for moem fits (and, with flexmix loaded, flexmix fits), not ",
        describe_class(object), ".", call = sys.call())
}

describe_class <- function(x) {
  kind <- class(x)[1L]
  paste0(if (grepl("^[aeiouAEIOU]", kind)) "an " else "a ", kind, " object")
}

register_s4_posterior <- function(...) {
  if (!isNamespaceLoaded("modeltools")) return(invisible())
  methods::setOldClass("moem", where = s4_methods)
  methods::setMethod(getExportedValue("modeltools", "posterior"), "moem",
                     function(object, newdata, ...) posterior.moem(object, newdata, ...),
                     where = s4_methods)
  # and modeltools' relabel(), likewise (R/relabel.R)
  methods::setMethod(getExportedValue("modeltools", "relabel"), "moem",
                     function(object, by, ...) relabel.moem(object, by, ...),
                     where = s4_methods)
  invisible()
}

.onLoad <- function(libname, pkgname) {
  register_s4_posterior()
  setHook(packageEvent("modeltools", "onLoad"), register_s4_posterior)
}

.onUnload <- function(libpath) {
  hook <- packageEvent("modeltools", "onLoad")
  hooks <- getHook(hook)
  ours <- vapply(hooks, identical, NA, register_s4_posterior)
  if (any(ours)) setHook(hook, hooks[!ours], "replace")
}
