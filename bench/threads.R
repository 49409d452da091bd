# Threads on a loaded machine (issue 13): fits of gaussian experts (d = 5, K = 3, from a fixed
# start; bench/threads-one.R) at growing n, with moem_control(threads = 1) and with the default
# threads, on the machine as it is ("idle"), beside one busy loop and beside two (`yes` into
# /dev/null, each in its own session, as another user's job would be; killed at the end), for
# one or more versions of moem, each installed in its own library.  Every point runs in a fresh
# R process, `repeats` times; within a repeat the versions and the two settings run in turn, in
# an order that alternates, so that they share the machine's moods.  The output has a row per
# run: the seconds of one fit (the mean of the process's fits) and `others`, the cores' busy
# fraction (0 to 2 here) outside this run's fits and busy loops: other users' work on a shared
# machine.  The children run with OPENBLAS_NUM_THREADS=1.
#
#   Rscript bench/threads.R output repeats [--loads=0,1,2] [--sizes=n,...] [--wait-idle]
#                           label=library ...
#
# e.g. Rscript bench/threads.R bench/threads.csv 5 before=/tmp/lib-base after=/tmp/lib-new;
# bench/threads-report.R makes the tables of RESULTS.md from the output.  --loads runs only
# the given numbers of busy loops, --sizes only the given n; --wait-idle waits, before each run
# without busy loops, until other users' work has left the cores idle for a second (for at most
# ten minutes).
args <- commandArgs(trailingOnly = TRUE)
output <- args[[1L]]
repeats <- as.integer(args[[2L]])
args <- args[-(1:2)]
option <- function(name, default) { # --name=a,b,c as numbers
  given <- grep(paste0("^--", name, "="), args, value = TRUE)
  if (!length(given)) return(default)
  as.numeric(strsplit(sub("^[^=]*=", "", given[[1L]]), ",")[[1L]])
}
loads <- as.integer(option("loads", 0:2))
sizes <- option("sizes", c(2e3, 5e3, 2e4, 1e5, 1e6))
wait_idle <- "--wait-idle" %in% args
args <- args[!startsWith(args, "--")]
versions <- do.call(rbind, strsplit(args, "=", fixed = TRUE))
versions <- setNames(normalizePath(versions[, 2L]), versions[, 1L])
script <- file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))),
                    "threads-one.R")
fits <- function(n) max(3L, as.integer(ceiling(1e5 / n))) # 20 fits at n = 5000, as in the issue

busy <- integer()
start_busy <- function() { # a busy loop in its own session, stopped after two hours at most
  pid <- system("setsid timeout 7200 yes > /dev/null 2>&1 & echo $!", intern = TRUE)
  busy <<- c(busy, as.integer(pid))
}
stop_busy <- function() {
  for (pid in busy) tools::pskill(pid) # timeout passes the signal on to its `yes`
  busy <<- integer()
}
on.exit(stop_busy())

# the jiffies (1/100 s) all cores have spent busy so far
busy_jiffies <- function() {
  cpu <- as.numeric(strsplit(readLines("/proc/stat", 1L), " +")[[1L]][-1L])
  sum(cpu[c(1:3, 6:8)]) # user, nice, system, irq, softirq, steal
}
# the jiffies the busy loops (the children of their `timeout`) have run so far
loop_jiffies <- function() {
  sum(vapply(busy, function(pid) {
    child <- scan(sprintf("/proc/%d/task/%d/children", pid, pid), quiet = TRUE)
    stat <- strsplit(sub(".*\\) ", "", readLines(sprintf("/proc/%d/stat", child[1L]))), " ")[[1L]]
    sum(as.numeric(stat[12:13])) # utime, stime
  }, 0))
}

# waits until the cores have been idle (under 0.1 of a core busy) for a second
await_idle <- function(limit = 600) {
  waited <- 0
  repeat {
    jiffies <- busy_jiffies()
    Sys.sleep(1)
    if (busy_jiffies() - jiffies < 10 || waited >= limit) return(invisible())
    Sys.sleep(4)
    waited <- waited + 5
  }
}

run <- function(label, n, threads, load) {
  if (wait_idle && load == 0L) await_idle()
  before <- proc.time()
  jiffies <- busy_jiffies()
  loops <- loop_jiffies()
  out <- system2("Rscript", c(script, format(n, scientific = FALSE), threads, fits(n)),
                 stdout = TRUE,
                 env = c(paste0("R_LIBS=", versions[[label]]), "OPENBLAS_NUM_THREADS=1"))
  took <- proc.time() - before
  wall <- took[["elapsed"]]
  child <- took[["user.child"]] + took[["sys.child"]]
  others <- (busy_jiffies() - jiffies - loop_jiffies() + loops) / 100 / wall - child / wall
  line <- grep("^n=", out, value = TRUE)
  fields <- strsplit(strsplit(line, " ")[[1L]], "=")
  values <- setNames(vapply(fields, `[`, "", 2L), vapply(fields, `[`, "", 1L))
  row <- data.frame(label = label, load = load, n = n, threads = threads,
                    fits = as.integer(values[["fits"]]), seconds = as.numeric(values[["seconds"]]),
                    iter = as.integer(values[["iter"]]), loglik = values[["loglik"]],
                    others = round(others, 2), time = format(Sys.time(), "%H:%M:%S"))
  cat(sprintf("%s %s load=%d n=%g threads=%s seconds=%.4f others=%.2f\n", row$time, label, load,
              n, threads, row$seconds, row$others))
  row
}

runs <- expand.grid(threads = c("1", "default"), label = names(versions),
                    stringsAsFactors = FALSE)
for (load in loads) {
  for (i in seq_len(load)) start_busy()
  Sys.sleep(1)
  rows <- list()
  for (n in sizes)
    for (r in seq_len(repeats)) {
      order <- if (r %% 2L) seq_len(nrow(runs)) else rev(seq_len(nrow(runs)))
      for (j in order)
        rows[[length(rows) + 1L]] <- run(runs$label[j], n, runs$threads[j], load)
    }
  stop_busy()
  rows <- do.call(rbind, rows)
  utils::write.table(rows, output, sep = ",", row.names = FALSE, append = file.exists(output),
                     col.names = !file.exists(output))
}
