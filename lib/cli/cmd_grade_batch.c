/* socklab grade LAB --batch DIR: a whole class at once.  Every directory
 * under DIR is one student's submission; each is graded by a socklab
 * grade of its own (its own sandbox, work directory and control group),
 * up to --jobs at a time, all with one seed.  What each run found goes to
 * OUT/NAME.row as it finishes, so an interrupted batch resumes where it
 * stopped; at the end, OUT/grades.csv and OUT/summary.txt hold the class:
 * a line per student and, per test, how many got it right. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "grade/grade.h"
#include "cli/cmd_grade_batch.h"

enum { MAX_STUDENTS = 5000, NAME_MAX_LEN = 200 };

struct student {
  char name[NAME_MAX_LEN];
  pid_t pid; /* its grader while it runs, else 0 */
  int want;  /* to be graded in this run */
  double started;
};

/* SIGINT or SIGTERM: start nobody new, let the running graders finish
 * (each cleans up its sandbox), write what there is. */
static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
  (void)sig;
  stopping = 1;
}

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A submission is a directory whose name is safe to put in a path and a
 * CSV line; anything else under DIR is skipped with a word. */
static int
usable_name(const char *n)
{
  if (n[0] == '.' || strlen(n) >= NAME_MAX_LEN)
    return 0;
  for (const char *p = n; *p; p++)
    if (*p == ',' || *p == '"' || *p == '\n' || *p == '/' ||
        (unsigned char)*p < ' ')
      return 0;
  return 1;
}

static int
by_name(const void *a, const void *b)
{
  return strcmp(((const struct student *)a)->name,
                ((const struct student *)b)->name);
}

static int
list_students(const char *dir, struct student **out, size_t *n)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  struct student *s;
  size_t k = 0;

  if (d == NULL)
    return -errno;
  s = calloc(MAX_STUDENTS, sizeof *s);
  if (s == NULL) {
    closedir(d);
    return -ENOMEM;
  }
  while ((e = readdir(d)) != NULL && k < MAX_STUDENTS) {
    char path[4200];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || e->d_name[0] == '.')
      continue;
    if (!usable_name(e->d_name)) {
      fprintf(stderr,
              "socklab grade: skipping %s: a name with a comma, "
              "quote or control character\n",
              path);
      continue;
    }
    snprintf(s[k++].name, NAME_MAX_LEN, "%s", e->d_name);
  }
  closedir(d);
  qsort(s, k, sizeof *s, by_name);
  *out = s;
  *n = k;
  return 0;
}

static void
path_of(char *buf, size_t len, const struct gr_batch *b, const char *name,
        const char *ext)
{
  snprintf(buf, len, "%s/%s.%s", b->out_dir, name, ext);
}

/* The seed of the class: the one a previous run of this batch used (so a
 * resumed batch grades everyone alike), else --seed, else a new one. */
static int
class_seed(struct gr_batch *b)
{
  char path[4200];
  FILE *f;
  unsigned long long s;

  snprintf(path, sizeof path, "%s/seed", b->out_dir);
  if ((f = fopen(path, "r")) != NULL) {
    int ok = fscanf(f, "%llu", &s) == 1;
    fclose(f);
    if (!ok) {
      fprintf(stderr, "socklab grade: %s: not a seed\n", path);
      return -1;
    }
    if (b->seed_given && s != b->seed) {
      fprintf(stderr,
              "socklab grade: %s says seed %llu, --seed says %llu: "
              "remove %s to start over\n",
              path, s, (unsigned long long)b->seed, b->out_dir);
      return -1;
    }
    b->seed = s;
    return 0;
  }
  if ((f = fopen(path, "w")) == NULL) {
    fprintf(stderr, "socklab grade: %s: %s\n", path, strerror(errno));
    return -1;
  }
  fprintf(f, "%llu\n", (unsigned long long)b->seed);
  return fclose(f) == 0 ? 0 : -1;
}

/* Starts student s's grader: socklab grade LAB --dir DIR/NAME --seed S
 * --format F --out OUT/NAME.EXT --row OUT/NAME.row, its output to
 * OUT/NAME.log. */
static pid_t
start(const struct gr_batch *b, struct student *s)
{
  char dir[4200], out[4200], row[4200], log[4200], seed[32];
  pid_t pid;

  snprintf(dir, sizeof dir, "%s/%s", b->dir, s->name);
  path_of(out, sizeof out, b, s->name, b->format_ext);
  path_of(row, sizeof row, b, s->name, "row");
  path_of(log, sizeof log, b, s->name, "log");
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)b->seed);
  unlink(row);
  if ((pid = fork()) != 0)
    return pid;
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  execl(b->self_exe, "socklab", "grade", b->lab->id, "--dir", dir, "--seed",
        seed, "--format", b->format, "--out", out, "--row", row, "--top",
        b->top, (char *)NULL);
  fprintf(stderr, "socklab grade: exec %s: %s\n", b->self_exe, strerror(errno));
  _exit(2);
}

static int
has_row(const struct gr_batch *b, const char *name)
{
  char row[4200];

  path_of(row, sizeof row, b, name, "row");
  return access(row, R_OK) == 0;
}

/* Runs the students wanted (not yet graded, or the one of --only), up
 * to b->jobs at a time.  Returns how many could not be graded. */
static int
run_all(const struct gr_batch *b, struct student *s, size_t n)
{
  size_t next = 0, running = 0, done = 0, todo = 0;
  int failed = 0, forwarded = 0;
  struct sigaction sa = {.sa_handler = on_stop};

  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  for (size_t i = 0; i < n; i++) {
    s[i].want = b->only != NULL ? strcmp(b->only, s[i].name) == 0
                                : !has_row(b, s[i].name);
    todo += (size_t)s[i].want;
  }
  fprintf(stderr,
          "socklab grade: %zu submissions, %zu to grade, %d at a "
          "time, seed %llu\n",
          n, todo, b->jobs, (unsigned long long)b->seed);
  while (done < todo) {
    if (stopping && !forwarded) {
      /* A SIGINT from the terminal reached the graders too; a SIGTERM
       * sent to this process alone is passed on. */
      for (size_t i = 0; i < n; i++)
        if (s[i].pid > 0)
          kill(s[i].pid, SIGTERM);
      forwarded = 1;
    }
    while (!stopping && running < (size_t)b->jobs && next < n) {
      struct student *x = &s[next++];
      if (!x->want)
        continue;
      x->started = now_s();
      if ((x->pid = start(b, x)) < 0) {
        fprintf(stderr, "socklab grade: fork: %s\n", strerror(errno));
        x->pid = 0;
        failed++;
        done++;
        continue;
      }
      running++;
    }
    if (running == 0)
      break;
    int status;
    pid_t pid = wait(&status);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (size_t i = 0; i < n; i++) {
      if (s[i].pid != pid)
        continue;
      s[i].pid = 0;
      running--;
      done++;
      if (!has_row(b, s[i].name))
        failed++;
      fprintf(stderr, "  [%zu/%zu] %-24s %s (%.0f s)\n", done, todo, s[i].name,
              has_row(b, s[i].name) ? "graded"
              : stopping            ? "interrupted"
                                    : "NOT graded: see its .log",
              now_s() - s[i].started);
    }
  }
  return failed;
}

/* One student's row: points, maximum, seconds, seed, then each test's
 * points, tab-separated (gr_write_row). */
static int
read_row(const struct gr_batch *b, const char *name, double *pts, size_t ntests,
         double *total, double *seconds)
{
  char path[4200];
  double max;
  unsigned long long seed;
  FILE *f;
  int ok;

  path_of(path, sizeof path, b, name, "row");
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  ok = fscanf(f, "%lf\t%lf\t%lf\t%llu", total, &max, seconds, &seed) == 4;
  for (size_t t = 0; ok && t < ntests; t++)
    ok = fscanf(f, "\t%lf", &pts[t]) == 1;
  fclose(f);
  return ok ? 0 : -1;
}

/* grades.csv and summary.txt, from every row there is. */
static int
write_class(const struct gr_batch *b, const struct student *s, size_t n)
{
  const struct gr_lab *lab = b->lab;
  size_t nt = lab->ntests, graded = 0;
  char path[4200];
  double max = 0, *pts = calloc(nt ? nt : 1, sizeof *pts);
  unsigned *full = calloc(nt ? nt : 1, sizeof *full);
  unsigned *partial = calloc(nt ? nt : 1, sizeof *partial);
  unsigned hist[11] = {0};
  FILE *csv, *sum;

  if (pts == NULL || full == NULL || partial == NULL)
    return -1;
  for (size_t t = 0; t < nt; t++)
    max += lab->tests[t].points;
  snprintf(path, sizeof path, "%s/grades.csv", b->out_dir);
  if ((csv = fopen(path, "w")) == NULL)
    return -1;
  fprintf(csv, "student,score,max");
  for (size_t t = 0; t < nt; t++)
    fprintf(csv, ",%s", lab->tests[t].id);
  fprintf(csv, ",seconds,seed\n");
  for (size_t i = 0; i < n; i++) {
    double total, seconds;
    if (read_row(b, s[i].name, pts, nt, &total, &seconds) < 0)
      continue;
    graded++;
    fprintf(csv, "%s,%.2f,%g", s[i].name, total, max);
    for (size_t t = 0; t < nt; t++) {
      fprintf(csv, ",%.2f", pts[t]);
      if (pts[t] + 1e-9 >= lab->tests[t].points)
        full[t]++;
      else if (pts[t] > 1e-9)
        partial[t]++;
    }
    fprintf(csv, ",%.1f,%llu\n", seconds, (unsigned long long)b->seed);
    hist[max > 0 ? (int)(10 * total / max + 1e-9) : 10]++;
  }
  fclose(csv);
  snprintf(path, sizeof path, "%s/summary.txt", b->out_dir);
  if ((sum = fopen(path, "w")) == NULL)
    return -1;
  fprintf(sum, "%s: %zu of %zu submissions graded, seed %llu\n\n", lab->id,
          graded, n, (unsigned long long)b->seed);
  fprintf(sum, "%-32s %6s %6s %6s  what it checks\n", "test", "full", "part",
          "none");
  for (size_t t = 0; t < nt; t++)
    fprintf(sum, "%-32s %6u %6u %6zu  %s%s\n", lab->tests[t].id, full[t],
            partial[t], graded - full[t] - partial[t], lab->tests[t].name,
            lab->tests[t].visibility == GR_HIDDEN ? " (hidden)" : "");
  fprintf(sum, "\nscores (%% of %g points)\n", max);
  for (int h = 10; h >= 0; h--) {
    fprintf(sum, "  %3d%%%s %4u%s", h * 10, h == 10 ? "   " : "+  ", hist[h],
            hist[h] ? " " : "");
    for (unsigned k = 0; k < hist[h] && k < 60; k++)
      fputc('#', sum);
    fputc('\n', sum);
  }
  fclose(sum);
  free(pts);
  free(full);
  free(partial);
  return 0;
}

int
gr_batch_run(struct gr_batch *b)
{
  struct student *s = NULL;
  size_t n = 0;
  int r, failed;
  char path[4200];

  if ((r = list_students(b->dir, &s, &n)) < 0) {
    fprintf(stderr, "socklab grade: --batch %s: %s\n", b->dir, strerror(-r));
    return 2;
  }
  if (mkdir(b->out_dir, 0755) < 0 && errno != EEXIST) {
    fprintf(stderr, "socklab grade: --out-dir %s: %s\n", b->out_dir,
            strerror(errno));
    free(s);
    return 2;
  }
  if (class_seed(b) < 0) {
    free(s);
    return 2;
  }
  if (b->only != NULL) {
    size_t i = 0;
    while (i < n && strcmp(s[i].name, b->only) != 0)
      i++;
    if (i == n) {
      fprintf(stderr, "socklab grade: --only %s: no such directory in %s\n",
              b->only, b->dir);
      free(s);
      return 2;
    }
  }
  failed = run_all(b, s, n);
  if (write_class(b, s, n) < 0)
    fprintf(stderr, "socklab grade: cannot write the class summary in %s\n",
            b->out_dir);
  snprintf(path, sizeof path, "%s/summary.txt", b->out_dir);
  fprintf(stderr, "socklab grade: %s/grades.csv and %s\n", b->out_dir, path);
  {
    FILE *f = fopen(path, "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
      fputs(line, stdout);
    if (f != NULL)
      fclose(f);
  }
  free(s);
  if (stopping)
    fprintf(stderr, "socklab grade: interrupted; the same command resumes "
                    "with the submissions not graded yet\n");
  else if (failed > 0)
    fprintf(stderr,
            "socklab grade: %d submission(s) could not be graded "
            "(their .log says why); run again to retry them\n",
            failed);
  return failed > 0 || stopping ? 2 : 0;
}
