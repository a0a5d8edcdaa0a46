/* The programs a test runs: started in the test's process group with
 * their output in files, limited (CPU, memory, descriptors, processes,
 * file size), watched, and described when they misbehave -- where a stuck
 * one is blocked, which signal killed a crashed one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"
#include "obs/export.h"

/* ---- text ---------------------------------------------------------------- */

void
gr_buf_add(struct gr_buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *p;
    while (cap < b->len + n + 1)
      cap *= 2;
    if ((p = realloc(b->s, cap)) == NULL)
      return; /* feedback is lost, never the grade */
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void
gr_buf_printf(struct gr_buf *b, const char *fmt, ...)
{
  char small[512], *big = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    gr_buf_add(b, small, (size_t)n);
    return;
  }
  va_start(ap, fmt);
  if (vasprintf(&big, fmt, ap) >= 0)
    gr_buf_add(b, big, strlen(big));
  va_end(ap);
  free(big);
}

void
gr_buf_free(struct gr_buf *b)
{
  free(b->s);
  *b = (struct gr_buf){0};
}

char *
gr_slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  struct gr_buf b = {0};
  char chunk[8192];
  size_t n;

  if (f == NULL)
    return NULL;
  /* No more than a program could write (RLIMIT_FSIZE): a file the
   * grader reads back is its own or a program's output. */
  while (b.len < GR_MAX_FILE && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    gr_buf_add(&b, chunk, n);
  fclose(f);
  if (b.s == NULL)
    gr_buf_add(&b, "", 0);
  if (len != NULL)
    *len = b.len;
  return b.s;
}

/* ---- the test's own state ------------------------------------------------ */

void
gr_say(struct gr_ctx *c, const char *fmt, ...)
{
  char *s = NULL;
  va_list ap;

  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) >= 0) {
    gr_buf_add(&c->feedback, s, strlen(s));
    if (c->feedback.len > 0 && c->feedback.s[c->feedback.len - 1] != '\n')
      gr_buf_add(&c->feedback, "\n", 1);
  }
  va_end(ap);
  free(s);
}

void
gr_score(struct gr_ctx *c, double fraction)
{
  c->score = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
  c->scored = 1;
}

uint64_t
gr_rand(struct gr_ctx *c, uint64_t n)
{
  /* splitmix64: small, and the same sequence for the same seed. */
  uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return n ? z % n : z;
}

static int64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
gr_left_ms(const struct gr_ctx *c)
{
  return c->deadline_ms - now_ms();
}

/* The machine's load as the grader feels it: a few milliseconds of
 * busy loop, and how much longer they took on the clock than on the CPU.
 * Not the load average: a fork bomb in the student's control group counts
 * there as 512 tasks, and weighs on the scheduler as one -- the grader's
 * waits, stretched by it, outlasted even sandbox.sh's limit.  Measured at
 * most once a second (a forked test inherits its grader's measure); one
 * lucky measure does not undo a busy one at once: it falls by at most a
 * third from one to the next. */
double
gr_load(void)
{
  enum { SPIN_MS = 20, FRESH_MS = 1000 };
  static double load = 1;
  static int64_t at = -FRESH_MS;
  struct timespec cpu0, cpu;
  int64_t t0 = now_ms(), t;
  double used, now;

  if (t0 - at < FRESH_MS)
    return load;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
  while ((t = now_ms()) - t0 < SPIN_MS)
    ;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  used = (double)(cpu.tv_sec - cpu0.tv_sec) * 1000 +
         (double)(cpu.tv_nsec - cpu0.tv_nsec) / 1e6;
  now = used > 0 ? (double)(t - t0) / used : GR_MAX_STRETCH;
  load = now > load * 2 / 3 ? now : load * 2 / 3;
  load = load < 1 ? 1 : load > 16 ? 16 : load; /* past 16, all is slow */
  at = t;
  return load;
}

static double
capped(double load)
{
  return load < GR_MAX_STRETCH ? load : GR_MAX_STRETCH;
}

double
gr_stretch(void)
{
  return capped(gr_load());
}

double
gr_patience(struct gr_ctx *c, double seconds)
{
  double load = gr_load(), left = (double)gr_left_ms(c) / 1000;
  double s = seconds * capped(load);

  if (load > c->load_seen)
    c->load_seen = load;
  return s < left ? s : left > 0 ? left : 0;
}

void
gr_say_waited(struct gr_ctx *c, double waited, double idle)
{
  if (gr_left_ms(c) <= 100) {
    gr_say(c,
           "(The grader waited %.1f s, and then the test's time ran out: "
           "the machine was busy, running programs %.1f times slower than "
           "when idle.  A machine that busy, not your program, may have "
           "cost these points: grade again.)",
           waited, c->load_seen);
  } else if (waited > idle * 1.2) {
    gr_say(c,
           "(The grader waited %.1f s: %.0f s, longer because the machine "
           "was busy, running programs %.1f times slower than when idle.)",
           waited, idle, c->load_seen);
  } else {
    gr_say(c, "(The grader waited %.1f s, on a machine with CPU to spare.)",
           waited);
  }
}

static void
sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

int
gr_lag_ms(void)
{
  int lag = 0;

  for (int i = 0; i < 5; i++) {
    int64_t t0 = now_ms();
    sleep_ms(10);
    if (now_ms() - t0 - 10 > lag)
      lag = (int)(now_ms() - t0 - 10);
  }
  return lag;
}

/* ---- starting programs --------------------------------------------------- */

static char pending_env[8][256];
static int npending_env;

void
gr_setenv_next(struct gr_ctx *c, const char *assignment)
{
  (void)c;
  if (npending_env < 8)
    snprintf(pending_env[npending_env++], sizeof pending_env[0], "%s",
             assignment);
}

/* Limits for a student's program: enough for any honest lab program,
 * small enough that a runaway one cannot take the machine down. */
static void
limit(int resource, rlim_t value)
{
  struct rlimit r = {value, value};

  setrlimit(resource, &r);
}

static void
child_setup(struct gr_ctx *c, struct gr_proc *p, enum gr_who who, int stdin_fd)
{
  int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  if (out < 0 || err < 0 || dup2(stdin_fd, 0) < 0 || dup2(out, 1) < 0 ||
      dup2(err, 2) < 0)
    _exit(127);
  for (int fd = 3; fd < 1024; fd++)
    close(fd); /* nothing of the grader's, or of other programs' */
  signal(SIGPIPE, SIG_DFL);
  unsetenv("SOCKLAB_TRACE");
  unsetenv("SOCKLAB_PCAP");
  setenv("XDG_RUNTIME_DIR", c->work, 1); /* its netstat socket: here */
  setenv("SOCKLAB_MSL_MS", "250", 1);    /* TIME_WAIT of half a second */
  if (c->stack == GR_USER) {
    setenv("SOCKLAB_STACK", "user", 1);
    setenv("SOCKLAB_LINK", c->link, 1);
    setenv("SOCKLAB_TRACE", p->trace_path, 1);
  } else {
    setenv("SOCKLAB_STACK", "kernel", 1);
  }
  for (int i = 0; i < npending_env; i++)
    putenv(pending_env[i]);
  limit(RLIMIT_CPU, (rlim_t)c->test->timeout_s + 2);
  limit(RLIMIT_AS, (rlim_t)2 << 30);
  limit(RLIMIT_FSIZE, (rlim_t)GR_MAX_FILE);
  limit(RLIMIT_NOFILE, 1024);
  limit(RLIMIT_CORE, 0);
  if (c->isolated) {
    if (gr_confine_files(c->top, c->root) < 0)
      _exit(127);
    /* An unprivileged user of this run's own: it cannot touch the
     * results, the grader, or other graders' programs.  The process limit
     * counts every thread of every program of the user (a program on
     * socklab's stack has two; lab07's 50 clients and a server of threads
     * stay well below): a fork bomb stops at 512 processes, which share
     * two CPUs without stalling the machine. */
    limit(RLIMIT_NPROC, 512);
    /* The student's programs, all together, in a group of their own:
     * their CPU, process and memory limits (cgroup.c). */
    if (who == GR_STUDENT && c->cgroup != NULL)
      gr_cgroup_enter(c->cgroup);
    if (setgroups(0, NULL) < 0 || setgid(c->run_gid) < 0 ||
        setuid(c->run_uid) < 0)
      _exit(127);
  }
  if (chdir(c->work) < 0)
    _exit(127);
}

struct gr_proc *
gr_start(struct gr_ctx *c, enum gr_who who, const char *prog,
         const char *const *argv)
{
  struct gr_proc *p;
  char path[600];
  const char *args[32];
  int in[2], n = 0;
  pid_t pid;

  if (c->nprocs == GR_MAX_PROCS) {
    gr_say(c, "grader: more than %d programs in one test", GR_MAX_PROCS);
    gr_end(c);
  }
  p = &c->procs[c->nprocs];
  memset(p, 0, sizeof *p);
  snprintf(path, sizeof path, "%s/%s", who == GR_STUDENT ? c->student : c->ref,
           prog);
  snprintf(p->label, sizeof p->label, "%s %s",
           who == GR_STUDENT ? "your" : "the reference", prog);
  snprintf(p->out_path, sizeof p->out_path, "%s/%d-%s.out", c->work,
           c->nprocs + 1, prog);
  snprintf(p->err_path, sizeof p->err_path, "%s/%d-%s.err", c->work,
           c->nprocs + 1, prog);
  snprintf(p->trace_path, sizeof p->trace_path, "%s/%d-%s.jsonl", c->work,
           c->nprocs + 1, prog);
  args[n++] = path;
  for (int i = 0; argv != NULL && argv[i] != NULL && n < 31; i++)
    args[n++] = argv[i];
  args[n] = NULL;
  if (pipe2(in, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
    gr_say(c, "grader: cannot start %s: %s", p->label, strerror(errno));
    gr_end(c);
  }
  if (pid == 0) {
    child_setup(c, p, who, in[0]);
    execv(path, (char *const *)args);
    fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
  }
  npending_env = 0;
  close(in[0]);
  p->stdin_fd = in[1];
  p->pid = pid;
  c->nprocs++;
  return p;
}

int
gr_feed(struct gr_proc *p, const void *data, size_t len)
{
  const char *s = data;

  while (len > 0 && p->stdin_fd >= 0) {
    ssize_t n = write(p->stdin_fd, s, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1; /* it exited, or closed its stdin */
    s += n;
    len -= (size_t)n;
  }
  return len == 0 ? 0 : -1;
}

void
gr_close_stdin(struct gr_proc *p)
{
  if (p->stdin_fd >= 0)
    close(p->stdin_fd);
  p->stdin_fd = -1;
}

/* ---- watching them ------------------------------------------------------- */

static int
reap(struct gr_proc *p, int options)
{
  pid_t r;

  if (p->done)
    return 1;
  do
    r = wait4(p->pid, &p->status, options, &p->usage);
  while (r < 0 && errno == EINTR);
  if (r == p->pid) {
    p->done = 1;
    gr_close_stdin(p);
  }
  return p->done;
}

int
gr_running(struct gr_proc *p)
{
  return !reap(p, WNOHANG);
}

int
gr_wait(struct gr_ctx *c, struct gr_proc *p, double seconds)
{
  int64_t until = now_ms() + (int64_t)(seconds * 1000);

  if (until > c->deadline_ms)
    until = c->deadline_ms;
  while (!reap(p, WNOHANG)) {
    if (now_ms() >= until)
      return 0;
    sleep_ms(5);
  }
  return 1;
}

void
gr_stop(struct gr_proc *p)
{
  if (reap(p, WNOHANG))
    return;
  kill(p->pid, SIGTERM);
  for (int i = 0; i < 40 && !reap(p, WNOHANG); i++)
    sleep_ms(5);
  if (!p->done) {
    kill(p->pid, SIGKILL);
    reap(p, 0);
  }
}

int
gr_expect_exit(struct gr_ctx *c, struct gr_proc *p, double seconds)
{
  char where[96];

  if (gr_wait(c, p, seconds))
    return 1;
  gr_where(p, where, sizeof where);
  gr_say(c, "%s did not finish within %.0f s%s%s.", p->label, seconds,
         where[0] ? ": it was still in " : "", where);
  gr_stop(p);
  gr_show_stderr(c, p); /* what it said before it got stuck, if anything */
  return 0;
}

static const char *
signal_hint(int sig)
{
  switch (sig) {
  case SIGSEGV:
  case SIGBUS:
    return ": a bad pointer or a buffer overrun; run it under valgrind";
  case SIGABRT:
    return ": abort(), a failed assert, or the C library found a "
           "corrupted heap";
  case SIGFPE:
    return ": a division by zero";
  case SIGPIPE:
    return ": it wrote to a connection the peer had closed (sl_send "
           "never raises it; plain write() does)";
  case SIGXCPU:
    return ": it used up its CPU time, a busy loop?";
  case SIGXFSZ:
    return ": it wrote more than the 256 MiB a file may hold";
  case SIGKILL:
    return " (by the grader, or out of memory)";
  default:
    return "";
  }
}

void
gr_exit_text(const struct gr_proc *p, char *buf, size_t len)
{
  if (!p->done)
    snprintf(buf, len, "is still running");
  else if (WIFEXITED(p->status))
    snprintf(buf, len, "exited with status %d", WEXITSTATUS(p->status));
  else if (WIFSIGNALED(p->status))
    snprintf(buf, len, "was killed by signal %d (%s)%s", WTERMSIG(p->status),
             strsignal(WTERMSIG(p->status)), signal_hint(WTERMSIG(p->status)));
  else
    snprintf(buf, len, "stopped (status %#x)", p->status);
}

int
gr_exited_ok(const struct gr_proc *p)
{
  return p->done && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

/* Blocking system calls a lab program may sit in, by number. */
static const char *
syscall_name(long nr)
{
  static const struct {
    long nr;
    const char *name;
  } calls[] = {
#ifdef SYS_accept
      {SYS_accept, "accept()"},
#endif
#ifdef SYS_accept4
      {SYS_accept4, "accept()"},
#endif
#ifdef SYS_connect
      {SYS_connect, "connect()"},
#endif
#ifdef SYS_read
      {SYS_read, "read()"},
#endif
#ifdef SYS_recvfrom
      {SYS_recvfrom, "recv()"},
#endif
#ifdef SYS_recvmsg
      {SYS_recvmsg, "recvmsg()"},
#endif
#ifdef SYS_write
      {SYS_write, "write()"},
#endif
#ifdef SYS_sendto
      {SYS_sendto, "send()"},
#endif
#ifdef SYS_poll
      {SYS_poll, "poll()"},
#endif
#ifdef SYS_ppoll
      {SYS_ppoll, "poll()"},
#endif
#ifdef SYS_select
      {SYS_select, "select()"},
#endif
#ifdef SYS_pselect6
      {SYS_pselect6, "select()"},
#endif
#ifdef SYS_epoll_wait
      {SYS_epoll_wait, "epoll_wait()"},
#endif
#ifdef SYS_epoll_pwait
      {SYS_epoll_pwait, "epoll_wait()"},
#endif
#ifdef SYS_nanosleep
      {SYS_nanosleep, "sleep()"},
#endif
#ifdef SYS_clock_nanosleep
      {SYS_clock_nanosleep, "sleep()"},
#endif
#ifdef SYS_wait4
      {SYS_wait4, "wait()"},
#endif
#ifdef SYS_pause
      {SYS_pause, "pause()"},
#endif
  };

  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
    if (calls[i].nr == nr)
      return calls[i].name;
  return NULL;
}

struct where_arg {
  pid_t pid;
  char *buf;
  size_t len;
};

/* A socklab-stack program blocks on a condition variable (a futex); it
 * says itself which call it is in, on its netstat socket (export.c). */
static void
where_answer(void *arg, int pid, FILE *f)
{
  struct where_arg *w = arg;
  char line[128], call[64];
  int tid;

  if (pid != w->pid)
    return;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "%d %63s", &tid, call) == 2 && tid == w->pid) {
      snprintf(w->buf, w->len, "%s()", call);
      return;
    }
}

void
gr_where(struct gr_proc *p, char *buf, size_t len)
{
  char path[64], text[256] = "";
  FILE *f;
  long nr;
  const char *name;

  buf[0] = '\0';
  snprintf(path, sizeof path, "/proc/%d/syscall", (int)p->pid);
  if ((f = fopen(path, "r")) == NULL)
    return;
  if (fgets(text, sizeof text, f) == NULL)
    text[0] = '\0';
  fclose(f);
  if (sscanf(text, "%ld", &nr) != 1) {
    if (strncmp(text, "running", 7) == 0)
      snprintf(buf, len, "a loop that never blocks (it was running)");
    return;
  }
  if ((name = syscall_name(nr)) != NULL) {
    snprintf(buf, len, "%s", name);
    return;
  }
#ifdef SYS_futex
  if (nr == SYS_futex) {
    struct where_arg w = {p->pid, buf, len};
    sl__export_ask("WHERE\n", where_answer, &w);
    if (buf[0] == '\0')
      snprintf(buf, len, "a wait on a lock or condition variable");
  }
#endif
}

double
gr_cpu_seconds(struct gr_proc *p)
{
  char path[64], text[1024];
  unsigned long utime = 0, stime = 0;
  FILE *f;
  char *paren;

  if (p->done)
    return (double)p->usage.ru_utime.tv_sec + p->usage.ru_utime.tv_usec / 1e6 +
           (double)p->usage.ru_stime.tv_sec + p->usage.ru_stime.tv_usec / 1e6;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
  if ((f = fopen(path, "r")) == NULL)
    return 0;
  if (fgets(text, sizeof text, f) == NULL)
    text[0] = '\0';
  fclose(f);
  /* Fields 14 and 15, counted after the command name in parentheses. */
  if ((paren = strrchr(text, ')')) == NULL ||
      sscanf(paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
             &utime, &stime) != 2)
    return 0;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Is some thread of pid runnable now? */
static int
runnable(pid_t pid)
{
  char path[64], text[512], *paren;
  DIR *d;
  struct dirent *e;
  int r = 0;

  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  if ((d = opendir(path)) == NULL)
    return 0;
  while (!r && (e = readdir(d)) != NULL) {
    FILE *f;
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.20s/stat", (int)pid,
             e->d_name);
    if ((f = fopen(path, "r")) == NULL)
      continue;
    if (fgets(text, sizeof text, f) != NULL &&
        (paren = strrchr(text, ')')) != NULL && paren[1] == ' ')
      r = paren[2] == 'R';
    fclose(f);
  }
  closedir(d);
  return r;
}

double
gr_busy_fraction(struct gr_ctx *c, struct gr_proc *p, double seconds)
{
  int samples = 0, busy = 0;
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);

  /* Every 10 ms: the runnable state does not depend on how much CPU the
   * machine can spare, the CPU time does. */
  while (gr_left_ms(c) > until && gr_left_ms(c) > 0 && gr_running(p)) {
    busy += runnable(p->pid);
    samples++;
    sleep_ms(10);
  }
  return samples ? (double)busy / samples : 0;
}

int
gr_open_fds(struct gr_proc *p)
{
  char path[64];
  DIR *d;
  struct dirent *e;
  int n = 0;

  snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
  if ((d = opendir(path)) == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

void
gr_show_stderr(struct gr_ctx *c, struct gr_proc *p)
{
  size_t len;
  char *err = gr_slurp(p->err_path, &len);
  const char *start;
  int lines = 0;

  if (err == NULL || len == 0) {
    free(err);
    return;
  }
  /* The last 8 lines are where a program says what went wrong. */
  start = err + len;
  while (start > err && lines <= 8)
    if (*--start == '\n' && start + 1 < err + len)
      lines++;
  if (start > err)
    start++;
  gr_say(c, "%s wrote on stderr:\n%.2000s", p->label, start);
  free(err);
}
