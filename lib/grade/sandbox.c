/* What confines code of the student's beyond its user and rlimits: a
 * control group for all its processes, and a mount namespace for each
 * program in which the secrets are hidden and every place it may write
 * is a small file system of its own.
 *
 * The control group: what per-process limits cannot bound.  RLIMIT_NPROC stops
 * a fork bomb at 512 processes, but 512 spinning processes still leave a test's
 * own process one 513th of the CPUs (a test took 25 s instead of 1); and
 * RLIMIT_AS bounds each process, not all of them.  In a group of their own, all
 * the student's processes together weigh on the scheduler as one, count against
 * one process limit and one memory limit, and are killed together.
 *
 * Both cgroup versions: v2 (one hierarchy, /sys/fs/cgroup/cgroup.
 * controllers) and v1 (a hierarchy per controller: cpu, pids, memory,
 * each under /sys/fs/cgroup).  The group is made at the top of each
 * hierarchy: in v2 only the root may hold processes beside groups with
 * controllers.  Where none can be made (not root, no cgroupfs, a
 * container that mounts it read-only) the grader runs without one and
 * says so once; the rlimits still hold. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grade/grade.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* One CPU's worth of weight for all of them, and limits well above what
 * any honest lab program needs (lab07's server of threads and 50 clients
 * are the most: the clients are the reference's, outside the group). */
#define GR_CG_PIDS   "1024"
#define GR_CG_MEMORY "2147483648" /* 2 GiB: a program's RLIMIT_AS */

static int
write_file(const char *dir, const char *file, const char *text)
{
  char path[400];
  FILE *f;
  int ok;

  snprintf(path, sizeof path, "%s/%s", dir, file);
  if ((f = fopen(path, "w")) == NULL)
    return -1;
  ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int
make_group(struct gr_cgroup *g, const char *hierarchy, const char *name)
{
  char *dir = g->dir[g->ndirs];

  snprintf(dir, sizeof g->dir[0], "%s/%s", hierarchy, name);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return -1;
  g->ndirs++;
  return 0;
}

static int
setup_v2(struct gr_cgroup *g, const char *name)
{
  /* The root hands its children the controllers (harmless when they
   * already are); a missing one leaves that limit to the rlimits. */
  write_file(CGROUP_ROOT, "cgroup.subtree_control", "+pids +cpu +memory");
  if (make_group(g, CGROUP_ROOT, name) < 0)
    return -1;
  write_file(g->dir[0], "pids.max", GR_CG_PIDS);
  write_file(g->dir[0], "memory.max", GR_CG_MEMORY);
  write_file(g->dir[0], "memory.swap.max", "0");
  g->v2 = 1;
  return 0;
}

static int
setup_v1(struct gr_cgroup *g, const char *name)
{
  static const char *const controller[] = {"pids", "cpu", "memory"};
  char hierarchy[300];

  for (size_t i = 0; i < sizeof controller / sizeof controller[0]; i++) {
    snprintf(hierarchy, sizeof hierarchy, CGROUP_ROOT "/%s", controller[i]);
    if (access(hierarchy, W_OK) < 0 || make_group(g, hierarchy, name) < 0)
      continue;
    if (i == 0)
      write_file(g->dir[g->ndirs - 1], "pids.max", GR_CG_PIDS);
    if (i == 2)
      write_file(g->dir[g->ndirs - 1], "memory.limit_in_bytes", GR_CG_MEMORY);
  }
  return g->ndirs > 0 ? 0 : -1;
}

static void reap_orphans(void);

int
gr_cgroup_make(struct gr_cgroup *g, const char *name)
{
  char probe[300];

  reap_orphans();
  memset(g, 0, sizeof *g);
  snprintf(probe, sizeof probe, CGROUP_ROOT "/cgroup.controllers");
  if (access(probe, F_OK) == 0)
    return setup_v2(g, name);
  return setup_v1(g, name);
}

int
gr_cgroup_enter(const struct gr_cgroup *g)
{
  char pid[32];
  int ok = 0;

  snprintf(pid, sizeof pid, "%d", (int)getpid());
  for (int i = 0; i < g->ndirs; i++)
    if (write_file(g->dir[i], "cgroup.procs", pid) < 0)
      ok = -1;
  return ok;
}

int
gr_cgroup_count(const struct gr_cgroup *g)
{
  char path[400];
  int n = 0, pid;
  FILE *f;

  if (g == NULL || g->ndirs == 0)
    return -1;
  snprintf(path, sizeof path, "%s/cgroup.procs", g->dir[0]);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  while (fscanf(f, "%d", &pid) == 1)
    n++;
  fclose(f);
  return n;
}

/* Kills every process of the group, however it got there, until none is
 * left (a fork bomb forks between reading the list and the kill). */
static int
kill_members(const char *dir)
{
  char path[400];
  int n = 0, pid;
  FILE *f;

  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  if ((f = fopen(path, "r")) == NULL)
    return 0;
  while (fscanf(f, "%d", &pid) == 1)
    if (pid > 0 && kill(pid, SIGKILL) == 0)
      n++;
  fclose(f);
  return n;
}

void
gr_cgroup_kill(const struct gr_cgroup *g)
{
  if (g->ndirs == 0)
    return;
  /* v2 since Linux 5.14 kills the whole group at once, new forks too. */
  if (g->v2 && write_file(g->dir[0], "cgroup.kill", "1") == 0)
    return;
  for (int round = 0; round < 100 && kill_members(g->dir[0]) > 0; round++)
    usleep(1000);
}

void
gr_cgroup_remove(struct gr_cgroup *g)
{
  gr_cgroup_kill(g);
  for (int i = 0; i < g->ndirs; i++) {
    /* Killed processes leave the group as they die: give them a moment. */
    for (int tries = 0; rmdir(g->dir[i]) < 0 && errno == EBUSY && tries < 200;
         tries++) {
      kill_members(g->dir[i]);
      usleep(5000);
    }
  }
  g->ndirs = 0;
}

/* The groups of graders that died without removing theirs (killed by an
 * outer timeout, SIGKILL): their programs run on -- a fork bomb keeps
 * spinning after its grader is gone -- and a new grader given the dead
 * one's PID would share its group.  Each group is named after its
 * grader's PID: a group whose grader no longer runs, or that bears our
 * own PID, is stopped from forking, emptied and removed. */
static void
reap_hierarchy(const char *hierarchy)
{
  DIR *d = opendir(hierarchy);
  struct dirent *e;
  struct gr_cgroup g;
  int pid;

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    if (sscanf(e->d_name, "socklab-grade-%d", &pid) != 1 || pid <= 0)
      continue;
    if (pid != (int)getpid() && (kill(pid, 0) == 0 || errno != ESRCH))
      continue; /* its grader still runs */
    memset(&g, 0, sizeof g);
    snprintf(g.dir[0], sizeof g.dir[0], "%s/%s", hierarchy, e->d_name);
    g.ndirs = 1;
    write_file(g.dir[0], "pids.max", "0"); /* no more forks while we kill */
    gr_cgroup_remove(&g);
  }
  closedir(d);
}

static void
reap_orphans(void)
{
  static const char *const v1[] = {"pids", "cpu", "memory"};
  char hierarchy[300];

  reap_hierarchy(CGROUP_ROOT);
  for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) {
    snprintf(hierarchy, sizeof hierarchy, CGROUP_ROOT "/%s", v1[i]);
    reap_hierarchy(hierarchy);
  }
}

/* ---- files --------------------------------------------------------------- */

/* The directories anyone may write to.  Each program gets an empty tmpfs
 * of its own over each, so that a program that writes without end fills
 * that (and its own work directory, a tmpfs too), never the machine's
 * disk; and nothing of one program's is left there for the next. */
static const char *const shared_dirs[] = {"/tmp", "/var/tmp", "/dev/shm",
                                          "/run/lock"};
#define GR_TMP_OPTS "size=64m,mode=1777"

static int
is_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);

  return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Makes path's directories (as root, in a tmpfs just mounted). */
static void
make_dirs(const char *path)
{
  char p[600];

  snprintf(p, sizeof p, "%s", path);
  for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  mkdir(p, 0755);
}

/* Covers dir with a fresh tmpfs, keeping the paths in keep[] that lie
 * under it (the checkout and the work directory may be in /tmp): each is
 * held open across the mount, then bound back in its old place. */
static int
cover(const char *dir, const char *const keep[], int nkeep)
{
  int fd[2] = {-1, -1}, rc = 0;
  struct stat st;

  if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
    return 0;
  for (int i = 0; i < nkeep; i++)
    if (keep[i] != NULL && is_under(keep[i], dir) &&
        (fd[i] = open(keep[i], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
      rc = -1;
  if (rc == 0 &&
      mount("socklab-tmp", dir, "tmpfs", MS_NOSUID | MS_NODEV, GR_TMP_OPTS) < 0)
    rc = -1;
  for (int i = 0; i < nkeep; i++) {
    char held[64];
    if (fd[i] < 0)
      continue;
    snprintf(held, sizeof held, "/proc/self/fd/%d", fd[i]);
    make_dirs(keep[i]);
    if (rc == 0 && mount(held, keep[i], NULL, MS_BIND | MS_REC, NULL) < 0)
      rc = -1;
    close(fd[i]);
  }
  return rc;
}

int
gr_confine_files(const char *top, const char *root)
{
  static const char *const secret[] = {"solutions", "lib/grade", "tests"};
  const char *keep[2] = {top, root};
  char path[600];

  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return -1;
  for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", top, secret[i]);
    /* An empty directory only root could enter, over each. */
    if (access(path, F_OK) == 0 &&
        mount("socklab-hidden", path, "tmpfs",
              MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,mode=0700") < 0)
      return -1;
  }
  for (size_t i = 0; i < sizeof shared_dirs / sizeof shared_dirs[0]; i++)
    if (cover(shared_dirs[i], keep, 2) < 0)
      return -1;
  return 0;
}

int
gr_mount_work(const char *root)
{
  char source[64]; /* which grader's, in /proc/mounts */

  snprintf(source, sizeof source, "socklab-grade-%d", (int)getpid());
  return mount(source, root, "tmpfs", MS_NOSUID | MS_NODEV,
               "size=" GR_WORK_SIZE ",mode=0755");
}

void
gr_unmount_work(const char *root)
{
  umount2(root, MNT_DETACH);
}
