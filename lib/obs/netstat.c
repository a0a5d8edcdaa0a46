/* socklab netstat: the kernel's sockets and socklab-stack sockets side by
 * side, in netstat's format, with a column that says which stack.  Kernel
 * sockets come from /proc/net/{tcp,tcp6,udp,udp6} (PID/program from the
 * /proc/PID/fd links); socklab sockets from each running socklab process,
 * which answers on SOCKDIR/PID.sock (obs/export.h, obs/EXPORT.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "obs/netstat_priv.h"
#include "socklab/netstat.h"

static int
collect(const struct opts *o, struct row *rows, int max)
{
  int n = 0;

  if (o->kernel)
    n = sl__netstat_read_kernel(o, rows, max);
  if (o->kernel && o->info) {
    sl__netstat_kernel_tcp_info(AF_INET, rows, n);
    sl__netstat_kernel_tcp_info(AF_INET6, rows, n);
  }
  if (o->user)
    n = sl__netstat_read_user(o, rows, n, max);
  return n;
}

/* ---- options ------------------------------------------------------------
 * Read without getopt, whose state (optind, optarg) is global, so that
 * two threads may call sl_netstat at once.  They are read as GNU
 * getopt_long reads them, and refused in its words: clusters of short
 * flags (-tanp), long options and unambiguous prefixes of them, a
 * required value as --name=value or --name value, an optional one as
 * --name=value only, "--" ending the options, other words skipped (with
 * POSIXLY_CORRECT set, ending them). */

enum { NO_ARG, ARG, OPT_ARG };

struct optdef {
  const char *name;
  int has_arg; /* NO_ARG, ARG or OPT_ARG */
  int val;
};

struct optscan {
  int argc;
  char **argv;
  int i;               /* the next word */
  const char *cluster; /* the rest of a word of short flags */
  int posix;           /* stop at the first word that is no option */
};

static int
long_option(struct optscan *s, const char *text, const struct optdef *longs,
            const char **arg)
{
  const char *eq = strchr(text, '=');
  size_t len = eq != NULL ? (size_t)(eq - text) : strlen(text);
  const struct optdef *found = NULL;
  int prefixes = 0;

  for (const struct optdef *p = longs; p->name != NULL && found == NULL; p++)
    if (strncmp(p->name, text, len) == 0 && strlen(p->name) == len)
      found = p;
  for (const struct optdef *p = longs; p->name != NULL && found == NULL; p++)
    prefixes += strncmp(p->name, text, len) == 0;
  if (found == NULL && prefixes > 1) {
    fprintf(stderr,
            "%s: option '--%s' is ambiguous; possibilities:", s->argv[0], text);
    for (const struct optdef *p = longs; p->name != NULL; p++)
      if (strncmp(p->name, text, len) == 0)
        fprintf(stderr, " '--%s'", p->name);
    fprintf(stderr, "\n");
    return '?';
  }
  for (const struct optdef *p = longs; p->name != NULL && found == NULL; p++)
    if (strncmp(p->name, text, len) == 0)
      found = p;
  if (found == NULL) {
    fprintf(stderr, "%s: unrecognized option '--%s'\n", s->argv[0], text);
    return '?';
  }
  if (eq != NULL && found->has_arg == NO_ARG) {
    fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", s->argv[0],
            found->name);
    return '?';
  }
  if (eq != NULL)
    *arg = eq + 1;
  else if (found->has_arg == ARG && s->i < s->argc)
    *arg = s->argv[s->i++];
  else if (found->has_arg == ARG) {
    fprintf(stderr, "%s: option '--%s' requires an argument\n", s->argv[0],
            found->name);
    return '?';
  }
  return found->val;
}

/* The next option's value ('t', 'S'...) with *arg its argument (NULL for
 * none); -1 when there are no more; '?' after saying on stderr what is
 * wrong. */
static int
next_option(struct optscan *s, const char *shorts, const struct optdef *longs,
            const char **arg)
{
  *arg = NULL;
  while (s->cluster == NULL || *s->cluster == '\0') {
    const char *w;
    if (s->i >= s->argc)
      return -1;
    w = s->argv[s->i];
    if (strcmp(w, "--") == 0) {
      s->i = s->argc;
      return -1;
    }
    if (w[0] != '-' || w[1] == '\0') { /* not an option */
      if (s->posix)
        return -1;
      s->i++;
      continue;
    }
    s->i++;
    if (w[1] == '-')
      return long_option(s, w + 2, longs, arg);
    s->cluster = w + 1;
  }
  if (strchr(shorts, *s->cluster) == NULL) {
    fprintf(stderr, "%s: invalid option -- '%c'\n", s->argv[0], *s->cluster);
    return '?';
  }
  return (unsigned char)*s->cluster++;
}

int
sl__netstat(FILE *out, int argc, char **argv)
{
  static const struct optdef lopts[] = {
      {"tcp", NO_ARG, 't'},         {"udp", NO_ARG, 'u'},
      {"listening", NO_ARG, 'l'},   {"all", NO_ARG, 'a'},
      {"numeric", NO_ARG, 'n'},     {"programs", NO_ARG, 'p'},
      {"timers", NO_ARG, 'o'},      {"rfc", NO_ARG, 'R'},
      {"stack", ARG, 'S'},          {"diagnose", NO_ARG, 'D'},
      {"info", NO_ARG, 'i'},        {"continuous", NO_ARG, 'c'},
      {"watch", OPT_ARG, 'W'},      {"explain", ARG, 'E'},
      {"statistics", NO_ARG, 's'},  {"extend", NO_ARG, 'e'},
      {"proc-format", NO_ARG, 'F'}, {"self", NO_ARG, 'M'},
      {"help", NO_ARG, 'h'},        {NULL, 0, 0}};
  struct optscan scan = {.argc = argc,
                         .argv = argv,
                         .i = 1,
                         .posix = getenv("POSIXLY_CORRECT") != NULL};
  const char *arg;
  struct opts o = {.out = out, .kernel = 1, .user = 1};
  const char *proc = getenv("SOCKLAB_NETSTAT_PROC");
  int continuous = 0, watch_s = -1, statistics = 0;
  enum { MAX = 65536 };
  struct row *rows;
  int opt, n = 0;

  while ((opt = next_option(&scan, "tulanpoiechs", lopts, &arg)) != -1) {
    switch (opt) {
    case 't':
      o.tcp = 1;
      break;
    case 'u':
      o.udp = 1;
      break;
    case 'l':
      o.listening = 1;
      break;
    case 'a':
      o.all = 1;
      break;
    case 'n':
      o.numeric = 1; /* addresses are numeric anyway; -e's users too */
      break;
    case 'e':
      o.extend = 1;
      break;
    case 'F':
      o.proc_format = 1;
      break;
    case 'M':
      o.self = 1;
      break;
    case 'p':
      o.pids = 1;
      break;
    case 'o':
      o.timers = 1;
      break;
    case 'R':
      o.rfc = 1;
      break;
    case 'D':
      o.diagnose = 1;
      break;
    case 'i':
      o.info = 1;
      break;
    case 'c':
      continuous = 1;
      break;
    case 'W':
      watch_s = arg ? atoi(arg) : 0;
      break;
    case 'E':
      return sl__netstat_explain(out, arg);
    case 's':
      statistics = 1;
      break;
    case 'S':
      if (strcmp(arg, "kernel") == 0)
        o.user = 0;
      else if (strcmp(arg, "user") == 0)
        o.kernel = 0;
      else if (strcmp(arg, "all") != 0) {
        fprintf(stderr,
                "socklab netstat: --stack %s: expected kernel, user "
                "or all\n",
                arg);
        return 2;
      }
      break;
    case 'h':
      fprintf(out,
              "usage: socklab netstat [-tulanpoie] [--rfc] "
              "[--stack kernel|user|all] [--self]\n"
              "       socklab netstat --diagnose | --explain STATE | -s\n"
              "The kernel's sockets and socklab-stack sockets of every "
              "running socklab\nprocess, side by side (the Stack column).  "
              "-t TCP, -u UDP, -l listening\nonly, -a all, -p PID/program, "
              "-o timers, -i TCP internals (rto, rtt, mss, cwnd, windows),\n"
              "-c every second, --watch[=SECONDS] state changes as they "
              "happen,\n-e the owner and inode, --self this process only "
              "(from sl_netstat()),\n--proc-format socklab's TCP sockets as "
              "/proc/net/tcp (PROC_NET_TCP=FILE ss -tan),\n"
              "--rfc RFC 9293 state names.  --diagnose reports "
              "what the\nlecture notes warn about (server-side TIME_WAIT, "
              "CLOSE_WAIT, full queues);\n--explain says what a state "
              "means.  -s shows protocol counters (as netstat -s), the\n"
              "kernel's and socklab's side by side, and socklab's drops by "
              "reason.\n");
      return 0;
    default:
      return 2;
    }
  }
  if (statistics)
    return sl__netstat_statistics(out, o.kernel, o.user);
  if (!o.tcp && !o.udp)
    o.tcp = o.udp = 1;
  o.proc_only = proc != NULL && strcmp(proc, "1") == 0;
  if (o.proc_format) { /* the kernel's are in /proc/net/tcp already */
    o.kernel = 0;
    o.rfc = 0;
  }
  rows = calloc(MAX, sizeof *rows);
  if (rows == NULL)
    return 1;
  if (watch_s >= 0) {
    n = sl__netstat_watch(&o, watch_s, rows, MAX);
    free(rows);
    return n;
  }
  do {
    n = collect(&o, rows, MAX);
    if (o.diagnose)
      sl__netstat_diagnose(out, rows, n);
    else if (o.proc_format)
      sl__netstat_print_proc(out, rows, n);
    else
      sl__netstat_print_rows(&o, rows, n);
    if (continuous) {
      fflush(out);
      sleep(1);
    }
  } while (continuous);
  free(rows);
  return 0;
}

/* ---- one buffer at a time, for tests and fuzzing ----------------------- */

/* Every view of rows: the table as -aeo -i prints it, --diagnose and
 * --proc-format. */
int
sl__netstat_show_parsed(FILE *out, struct opts *o, struct row *rows, int n)
{
  sl__netstat_print_rows(o, rows, n);
  sl__netstat_diagnose(out, rows, n);
  sl__netstat_print_proc(out, rows, n);
  free(rows);
  return n;
}

struct row *
sl__netstat_parse_setup(FILE *out, struct opts *o)
{
  *o = (struct opts){.out = out,
                     .tcp = 1,
                     .udp = 1,
                     .all = 1,
                     .timers = 1,
                     .info = 1,
                     .extend = 1,
                     .numeric = 1,
                     .kernel = 1,
                     .user = 1};
  return calloc(PARSE_MAX, sizeof(struct row));
}

/* ---- the same views from inside a program -------------------------------
 */

int
sl_netstat(FILE *out, const char *args)
{
  char *copy, *argv[64], *save = NULL;
  int argc = 0, r;

  if (out == NULL) {
    errno = EINVAL;
    return -1;
  }
  copy = strdup(args != NULL ? args : "");
  if (copy == NULL)
    return -1;
  argv[argc++] = "sl_netstat";
  for (char *w = strtok_r(copy, " \t\n", &save); w != NULL;
       w = strtok_r(NULL, " \t\n", &save)) {
    if (argc == 63) {
      free(copy);
      errno = E2BIG;
      return -1;
    }
    argv[argc++] = w;
  }
  argv[argc] = NULL;
  r = sl__netstat(out, argc, argv);
  free(copy);
  fflush(out);
  if (r != 0) {
    errno = r == 2 ? EINVAL : EIO;
    return -1;
  }
  return 0;
}
