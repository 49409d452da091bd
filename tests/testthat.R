library(testthat)
library(moem)

test_check("moem")
