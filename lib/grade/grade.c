/* Running a lab's tests: build the submission (a compile error is
 * reported as one, with the compiler's words) and the reference, then run
 * each test in a process of its own, in its own process group -- and as
 * root in its own network namespace, its programs as an unprivileged user
 * -- with a time limit the test cannot escape.  Whatever a test leaves
 * behind is killed; the results are written even when the grader is
 * interrupted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"

static volatile sig_atomic_t interrupted;
static const char *checkout;    /* hidden from code run as the run's user */
static int result_fd = -1;      /* in a test's process: where its result goes */
static struct gr_cgroup cgroup; /* the student's programs and build */
static const char *work_root;   /* the run's work directory */
static int work_mounted;        /* work_root is a tmpfs of the run's own */

static void
on_signal(int sig)
{
  interrupted = sig;
}

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- running a command, its output kept ---------------------------------- */

/* Runs argv in dir with a time limit; its stdout and stderr go to out.
 * Returns its wait status, or -1 when it could not run or timed out. */
static int
run_command(char *const argv[], const char *dir, int timeout_s, uid_t uid,
            gid_t gid, struct gr_buf *out)
{
  int pipefd[2], status = -1;
  double until = now_s() + timeout_s;
  pid_t pid;

  if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0)
    return -1;
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    if (uid != 0 && checkout != NULL &&
        gr_confine_files(checkout, work_root) < 0) {
      fprintf(stderr, "grader: cannot hide %s/solutions: %s\n", checkout,
              strerror(errno));
      _exit(125);
    }
    if (uid != 0)
      gr_cgroup_enter(&cgroup);
    if (uid != 0 &&
        (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0))
      _exit(126);
    if (chdir(dir) < 0)
      _exit(126);
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(pipefd[1]);
  for (;;) {
    struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
    char chunk[4096];
    ssize_t n;
    double left = until - now_s();
    if (left <= 0) {
      kill(-pid, SIGKILL);
      gr_buf_printf(out, "\n(stopped after %d s)\n", timeout_s);
      break;
    }
    if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
      continue;
    n = read(pipefd[0], chunk, sizeof chunk);
    if (n <= 0)
      break;
    if (out->len < 64 * 1024) /* a compiler's first errors are enough */
      gr_buf_add(out, chunk, (size_t)n);
  }
  close(pipefd[0]);
  /* The output ended: it exits (or was killed above).  Reap it before
   * killing what it left in its group, or the kill could be its end. */
  if (waitpid(pid, &status, 0) < 0) {
    gr_buf_printf(out, "waitpid: %s\n", strerror(errno));
    return -1;
  }
  kill(-pid, SIGKILL);
  return now_s() >= until ? -1 : status;
}

/* ---- building ------------------------------------------------------------ */

/* Copies src into dst (made), owned by uid when not 0. */
static int
copy_tree(const char *src, const char *dst, uid_t uid, gid_t gid,
          struct gr_buf *log)
{
  char from[600];
  char *cp[] = {"cp", "-R", from, (char *)dst, NULL};
  int st;

  snprintf(from, sizeof from, "%s/.", src);
  if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
    gr_buf_printf(log, "mkdir %s: %s\n", dst, strerror(errno));
    return -1;
  }
  st = run_command(cp, "/", 60, 0, 0, log);
  if (st != 0) {
    gr_buf_printf(log, "copying %s failed (status %d)\n", src, st);
    return -1;
  }
  if (uid != 0) {
    char owner[64];
    char *chown_argv[] = {"chown", "-R", owner, (char *)dst, NULL};
    snprintf(owner, sizeof owner, "%u:%u", (unsigned)uid, (unsigned)gid);
    if ((st = run_command(chown_argv, "/", 60, 0, 0, log)) != 0) {
      gr_buf_printf(log, "chown failed (status %d)\n", st);
      return -1;
    }
  }
  return 0;
}

/* Builds dir's programs with its Makefile (the lab's when it has none).
 * Returns 0, or -1 with what went wrong in log. */
static int
build(const struct gr_run *run, const char *dir, uid_t uid, gid_t gid,
      struct gr_buf *log)
{
  char socklab[400], lib[450], mk[600];
  char *make[] = {"make", "--no-print-directory", socklab, lib, NULL};
  /* The student's build may be given less (a test of the grader). */
  const char *limit = uid != 0 ? getenv("SOCKLAB_GRADE_BUILD_S") : NULL;
  int st, build_s = limit && atoi(limit) > 0 ? atoi(limit) : 180;

  /* Programs that came with the submission are built again: they may be
   * stale, or built elsewhere. */
  for (const char *const *p = run->lab->programs; *p != NULL; p++) {
    snprintf(mk, sizeof mk, "%s/%s", dir, *p);
    unlink(mk);
  }
  snprintf(socklab, sizeof socklab, "SOCKLAB=%s", run->top);
  snprintf(lib, sizeof lib, "LIBSOCKLAB=%s/build/libsocklab.a", run->top);
  snprintf(mk, sizeof mk, "%s/Makefile", dir);
  if (access(mk, F_OK) != 0) {
    char lab_mk[600];
    char *cp[] = {"cp", lab_mk, mk, NULL};
    snprintf(lab_mk, sizeof lab_mk, "%s/labs/%s/Makefile", run->top,
             run->lab->dir);
    gr_buf_printf(log, "(no Makefile: using the lab's)\n");
    run_command(cp, "/", 10, uid, gid, log);
  }
  st = run_command(make, dir, build_s, uid, gid, log);
  if (st != 0) {
    if (st == -1)
      gr_buf_printf(log, "\nmake did not finish in %d s.\n", build_s);
    else
      gr_buf_printf(log, "\nmake failed.\n");
    return -1;
  }
  for (const char *const *p = run->lab->programs; *p != NULL; p++) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, *p);
    if (access(path, X_OK) != 0) {
      gr_buf_printf(log, "make succeeded but made no program %s.\n", *p);
      return -1;
    }
  }
  return 0;
}

/* Leaves dir's programs runnable by anyone, and its other files (the
 * reference solution's sources) readable by root alone. */
static int
hide_sources(const struct gr_run *run, const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int r = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL) {
    char path[700];
    int program = 0;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    for (const char *const *p = run->lab->programs; *p != NULL; p++)
      program |= strcmp(e->d_name, *p) == 0;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (chmod(path, program ? 0711 : 0700) < 0)
      r = -1;
  }
  closedir(d);
  return r;
}

/* ---- one test, in a process of its own ------------------------------------
 */

void
gr_end(struct gr_ctx *c)
{
  char head[64];
  int many = gr_cgroup_count(c->cgroup);

  /* Far more than any lab needs (50 clients of a forking server): a
   * fork bomb, which the tests above saw only as a program that does
   * not answer. */
  if (many >= 200)
    gr_say(c,
           "When the test ended your programs were running %d processes "
           "(at most 512 may run): does one fork without end?",
           many);
  for (int i = 0; i < c->nprocs; i++)
    gr_stop(&c->procs[i]);
  if (c->hub_pid > 0) {
    /* A test that made connections of its own on socklab's stack is a
     * member of the hub: its stack would say on the grader's stderr that
     * the hub went away. */
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0)
      dup2(null, 2);
    kill(c->hub_pid, SIGTERM);
    waitpid(c->hub_pid, NULL, 0);
  }
  snprintf(head, sizeof head, "SCORE %.6f\n", c->scored ? c->score : 0.0);
  if (write(result_fd, head, strlen(head)) < 0 ||
      (c->feedback.len > 0 &&
       write(result_fd, c->feedback.s,
             c->feedback.len < 65536 ? c->feedback.len : 65536) < 0))
    _exit(3);
  _exit(0);
}

/* Brings the loopback up in a new network namespace. */
static void
loopback_up(void)
{
  struct ifreq ifr = {0};
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return;
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  close(fd);
}

static uint64_t
hash_id(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a */

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void
test_process(const struct gr_run *run, const struct gr_test *t,
             const char *tdir, const char *student, const char *ref, uid_t uid,
             gid_t gid, int fd, double seconds)
{
  static struct gr_ctx c;

  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  result_fd = fd;
  memset(&c, 0, sizeof c);
  c.lab = run->lab;
  c.test = t;
  c.student = student;
  c.ref = ref;
  c.self_exe = run->self_exe;
  c.top = run->top;
  c.root = work_root;
  snprintf(c.work, sizeof c.work, "%s", tdir);
  /* Each test draws from its own stream, the same for the same seed. */
  c.seed = (run->seed ^ hash_id(t->id)) % 1000000000000ull;
  c.rng = c.seed;
  c.deadline_ms = (int64_t)((now_s() + seconds) * 1000);
  c.isolated = uid != 0;
  c.run_uid = uid;
  c.run_gid = gid;
  c.cgroup = &cgroup;
  if (c.isolated) {
    if (unshare(CLONE_NEWNET) == 0)
      loopback_up();
  }
  /* The test's own view of socklab processes: this test's only. */
  setenv("XDG_RUNTIME_DIR", tdir, 1);
  if (c.isolated) {
    /* The programs' netstat sockets go in it; made now, it is theirs,
     * even when the test's own sockets on socklab's stack come first
     * (made then by root, mode 0700, the programs could not join). */
    char sockdir[300];
    snprintf(sockdir, sizeof sockdir, "%s/socklab", tdir);
    if (mkdir(sockdir, 0700) == 0 && chown(sockdir, uid, gid) < 0)
      rmdir(sockdir);
  }
  setenv("SOCKLAB_STACK", "kernel", 1);
  t->run(&c);
  gr_end(&c);
}

/* Our children now, from /proc (ps would be one of them). */
static int
children(pid_t *out, int max)
{
  DIR *d = opendir("/proc");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL && n < max) {
    char path[300], text[512], *paren;
    int ppid = 0;
    FILE *f;
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    if ((f = fopen(path, "r")) == NULL)
      continue;
    if (fgets(text, sizeof text, f) != NULL &&
        (paren = strrchr(text, ')')) != NULL &&
        sscanf(paren + 2, "%*c %d", &ppid) == 1 && ppid == (int)getpid())
      out[n++] = (pid_t)atoi(e->d_name);
    fclose(f);
  }
  closedir(d);
  return n;
}

/* Kills whatever a test left behind: its process group, and processes
 * that escaped it (setsid) and were reparented to us, the subreaper. */
static void
clean_up_after(pid_t group)
{
  pid_t left[256];

  kill(-group, SIGKILL);
  for (int round = 0; round < 5; round++) {
    int n = children(left, 256);
    for (int i = 0; i < n; i++)
      if (left[i] != group)
        kill(left[i], SIGKILL);
    while (waitpid(-1, NULL, WNOHANG) > 0)
      ;
    if (n <= 1)
      break;
    usleep(10000);
  }
}

/* Test index's own directory in the run's. */
static char *
tdir_of(const char *root, int index)
{
  static char dir[200];

  snprintf(dir, sizeof dir, "%s/t%02d", root, index + 1);
  return dir;
}

static void
run_test(struct gr_run *run, const struct gr_test *t, struct gr_result *r,
         const char *root, int index, const char *student, const char *ref,
         uid_t uid, gid_t gid)
{
  char tdir[200], how[200] = "";
  int fds[2], status = 0, timed_out = 0;
  struct gr_buf out = {0};
  /* On a busy machine everything a test waits for comes later: its time
   * is stretched as its waits are (gr_patience). */
  double t0 = now_s(), seconds = t->timeout_s * gr_stretch();
  double limit = seconds + 10;
  pid_t pid;

  snprintf(tdir, sizeof tdir, "%s", tdir_of(root, index));
  mkdir(tdir, 0755);
  if (uid != 0 && chown(tdir, uid, gid) < 0)
    perror("socklab grade: chown");
  if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
    r->feedback = strdup("not run: the grader could not fork");
    return;
  }
  if (pid == 0) {
    close(fds[0]);
    test_process(run, t, tdir, student, ref, uid, gid, fds[1], seconds);
  }
  setpgid(pid, pid);
  close(fds[1]);
  for (;;) {
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    char chunk[4096];
    ssize_t n;
    double left = t0 + limit - now_s();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno == EINTR) {
      if (interrupted)
        break;
      continue;
    }
    n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0)
      break;
    gr_buf_add(&out, chunk, (size_t)n);
  }
  close(fds[0]);
  if (timed_out || interrupted)
    kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
  clean_up_after(pid);
  r->seconds = now_s() - t0;
  r->ran = 1;
  if (out.s != NULL && strncmp(out.s, "SCORE ", 6) == 0) {
    char *nl = strchr(out.s, '\n');
    r->points = t->points * atof(out.s + 6);
    r->feedback = strdup(nl ? nl + 1 : "");
  } else {
    if (timed_out)
      snprintf(how, sizeof how,
               "the test did not end within %.0f s (the machine ran programs "
               "%.1f times slower than when idle)",
               limit, gr_load());
    else if (interrupted)
      snprintf(how, sizeof how, "the grader was interrupted");
    else if (WIFSIGNALED(status))
      snprintf(how, sizeof how,
               "the test was killed by signal %d (%s): did the program kill "
               "its process group?",
               WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
      snprintf(how, sizeof how, "the test ended without a result");
    r->points = 0;
    r->feedback = strdup(how);
  }
  gr_buf_free(&out);
}

/* ---- the whole run ------------------------------------------------------- */

/* The user student programs run as, when the grader is root: one of
 * this run's own, with no name (SL_GRADE_UID_BASE + the grader's pid,
 * unique among the graders running now).  Shared with other graders (as
 * nobody once was), a program could kill(-1) their programs, and a fork
 * bomb would use up their process limit: RLIMIT_NPROC counts every
 * process of the user. */
enum { SL_GRADE_UID_BASE = 0x40000000 };

static void
run_user(uid_t *uid, gid_t *gid)
{
  *uid = (uid_t)SL_GRADE_UID_BASE + (uid_t)getpid();
  *gid = (gid_t)*uid;
}

/* nobody, where uids beyond 65535 do not exist (a user namespace). */
static void
nobody_user(uid_t *uid, gid_t *gid)
{
  struct passwd *pw = getpwnam("nobody");

  *uid = pw ? pw->pw_uid : 65534;
  *gid = pw ? pw->pw_gid : 65534;
}

/* Kills every process of uid (the run's own user): what a build or a
 * test left running, wherever it went.  kill(-1) as uid reaches them all,
 * and only them. */
static void
kill_user(uid_t uid, gid_t gid)
{
  pid_t pid = fork();

  if (pid == 0) {
    if (setgroups(0, NULL) == 0 && setgid(gid) == 0 && setuid(uid) == 0)
      kill(-1, SIGKILL); /* not the caller: kill(-1) spares it */
    _exit(0);
  }
  if (pid > 0)
    waitpid(pid, NULL, 0);
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ; /* those that were reparented to us, the subreaper */
}

/* Removes what uid (the run's own user) left outside the work directory:
 * files in /tmp, /var/tmp and /dev/shm. */
static void
remove_files_of(uid_t uid)
{
  char user[32];
  char *find[] = {"find",  "/tmp", "/var/tmp", "/dev/shm", "-xdev",
                  "-user", user,   "-delete",  NULL};
  struct gr_buf ignored = {0};

  snprintf(user, sizeof user, "%u", (unsigned)uid);
  run_command(find, "/", 60, 0, 0, &ignored);
  gr_buf_free(&ignored);
}

/* Removes the run's work directory and everything in it. */
static void
remove_work(const char *root)
{
  char *rm[] = {"rm", "-rf", (char *)root, NULL};
  struct gr_buf ignored = {0};

  if (work_mounted) {
    gr_unmount_work(root); /* and all in it, at once */
    rmdir(root);
    return;
  }
  run_command(rm, "/", 60, 0, 0, &ignored);
  gr_buf_free(&ignored);
}

static void
mark_not_run(struct gr_run *run, size_t from, const char *why)
{
  for (size_t i = from; i < run->nresults; i++)
    if (!run->results[i].ran && run->results[i].feedback == NULL)
      run->results[i].feedback = strdup(why);
}

/* Is t one of the tests --test named (any, when it named none)? */
static int
chosen(const struct gr_run *run, const struct gr_test *t)
{
  for (int i = 0; i < run->nonly; i++)
    if (strcmp(run->only[i], t->id) == 0)
      return 1;
  return run->nonly == 0;
}

int
gr_grade(struct gr_run *run)
{
  char root[] = "/tmp/slg-XXXXXX", student[64], ref[64];
  struct gr_buf log = {0};
  struct sigaction sa = {.sa_handler = on_signal};
  uid_t uid = 0;
  gid_t gid = 0;
  size_t n = 0;
  int isolated = geteuid() == 0 && getenv("SOCKLAB_GRADE_NO_ISOLATION") == 0;
  int own_user = isolated; /* uid is this run's alone */
  int build_failed;

  if (isolated) {
    run_user(&uid, &gid);
    checkout = run->top;
  }
  run->results = calloc(run->lab->ntests, sizeof *run->results);
  if (run->results == NULL || mkdtemp(root) == NULL) {
    fprintf(stderr, "socklab grade: cannot make a work directory: %s\n",
            strerror(errno));
    return 2;
  }
  chmod(root, 0755);
  work_root = root;
  /* Bounded: what the programs write cannot fill the machine's disk. */
  if (isolated && getenv("SOCKLAB_GRADE_KEEP") == NULL)
    work_mounted = gr_mount_work(root) == 0;
  if (isolated) {
    /* Students' programs build and run as uid: they link socklab. */
    char lib[600];
    char *test_r[] = {"test", "-r", lib, NULL};
    int st;
    snprintf(lib, sizeof lib, "%s/build/libsocklab.a", run->top);
    if ((st = run_command(test_r, "/", 10, uid, gid, &log)) != 0 &&
        WIFEXITED(st) && WEXITSTATUS(st) == 126) {
      own_user = 0; /* setuid failed: no such uid here */
      nobody_user(&uid, &gid);
      st = run_command(test_r, "/", 10, uid, gid, &log);
    }
    if (st != 0) {
      fprintf(stderr,
              "socklab grade: user %u cannot read %s: as "
              "root, the grader builds and runs programs as a user of "
              "their own; make every directory on that path readable "
              "(chmod o+rx), or set SOCKLAB_GRADE_NO_ISOLATION=1\n",
              (unsigned)uid, lib);
      gr_buf_free(&log);
      remove_work(root);
      return 2;
    }
  }
  for (size_t i = 0; i < run->lab->ntests; i++)
    if ((!run->visible_only || run->lab->tests[i].visibility == GR_VISIBLE) &&
        chosen(run, &run->lab->tests[i]))
      run->results[n++].test = &run->lab->tests[i];
  run->nresults = n;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  snprintf(student, sizeof student, "%s/student", root);
  snprintf(ref, sizeof ref, "%s/ref", root);
  {
    char refsrc[600];
    snprintf(refsrc, sizeof refsrc, "%s/solutions/%s", run->top, run->lab->dir);
    if (copy_tree(refsrc, ref, 0, 0, &log) < 0 ||
        build(run, ref, 0, 0, &log) < 0 || hide_sources(run, ref) < 0) {
      fprintf(stderr,
              "socklab grade: the reference solution of %s does not "
              "build:\n%s\n",
              run->lab->dir, log.s ? log.s : "");
      gr_buf_free(&log);
      remove_work(root);
      return 2;
    }
    gr_buf_free(&log);
  }
  if (isolated && getenv("SOCKLAB_GRADE_NO_CGROUP") == NULL) {
    char name[64];
    snprintf(name, sizeof name, "socklab-grade-%d", (int)getpid());
    if (gr_cgroup_make(&cgroup, name) < 0)
      fprintf(stderr,
              "socklab grade: no control group for the programs (%s): "
              "a fork bomb will slow the tests down\n",
              strerror(errno));
  }
  build_failed = copy_tree(run->dir, student, uid, gid, &log) < 0 ||
                 build(run, student, uid, gid, &log) < 0;
  gr_cgroup_kill(&cgroup);
  if (own_user)
    kill_user(uid, gid); /* what the Makefile left running (setsid) */
  if (build_failed) {
    run->build_failed = 1;
    run->build_log = log.s ? log.s : strdup("");
    mark_not_run(run, 0, "not run: your programs did not build");
  } else {
    gr_buf_free(&log);
    for (size_t i = 0; i < run->nresults && !interrupted; i++) {
      if (run->verbose)
        fprintf(stderr, "socklab grade: %s ...\n", run->results[i].test->id);
      run_test(run, run->results[i].test, &run->results[i], root, (int)i,
               student, ref, uid, gid);
      if (work_mounted) { /* its files are done with: room for the next */
        char *rm[] = {"rm", "-rf", tdir_of(root, (int)i), NULL};
        struct gr_buf ignored = {0};
        run_command(rm, "/", 60, 0, 0, &ignored);
        gr_buf_free(&ignored);
      }
      gr_cgroup_kill(&cgroup);
      if (own_user)
        kill_user(uid, gid);
    }
    if (interrupted) {
      run->interrupted = 1;
      mark_not_run(run, 0, "not run: the grader was interrupted");
    }
  }
  gr_cgroup_remove(&cgroup);
  if (own_user)
    kill_user(uid, gid);
  if (work_mounted || getenv("SOCKLAB_GRADE_KEEP") == NULL) {
    remove_work(root);
    if (own_user)
      remove_files_of(uid);
  } else {
    fprintf(stderr, "socklab grade: work files kept in %s\n", root);
  }
  return 0;
}
