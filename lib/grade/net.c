/* What a test needs of the network: a private hub for socklab's stack,
 * ports, waiting for a server to listen, connections of the test's own,
 * counting a program's sockets by state (the kernel's from /proc/net, a
 * socklab process's from its netstat socket), and reading its trace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"
#include "obs/export.h"
#include "socklab.h"
#include "obs/trace.h"

/* ---- the test's stack ---------------------------------------------------- */

static void
pause_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

  nanosleep(&ts, NULL);
}

/* Does the hub at path accept members?  Its socket file exists from its
 * bind() on, but a connect() before its listen() is refused -- and a
 * program refused would start a hub of its own, without the test's
 * faults (and as another user, one the others cannot join). */
static int
hub_answers(const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), ok;

  snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
  ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

/* Splits "--loss 10% --reorder 5%" into argv words (no quoting needed). */
static int
split_words(char *s, const char **argv, int max)
{
  int n = 0;

  for (char *save = NULL, *w = strtok_r(s, " ", &save); w != NULL && n < max;
       w = strtok_r(NULL, " ", &save))
    argv[n++] = w;
  return n;
}

void
gr_use_stack(struct gr_ctx *c, enum gr_stack stack, const char *faults)
{
  char sock[280], seed[32], words[256];
  const char *argv[32];
  int n = 0;
  pid_t pid;

  c->stack = stack;
  if (stack != GR_USER)
    return;
  snprintf(sock, sizeof sock, "%s/hub.sock", c->work);
  /* The hub takes seeds up to 10^18; a short one is also easier to
   * replay by hand (socklab hub --seed N). */
  c->hub_seed = c->seed % 1000000;
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->hub_seed);
  snprintf(words, sizeof words, "%s", faults ? faults : "");
  argv[n++] = c->self_exe;
  argv[n++] = "hub";
  argv[n++] = "--socket";
  argv[n++] = sock;
  argv[n++] = "--quiet";
  argv[n++] = "--idle-exit";
  argv[n++] = "0";
  argv[n++] = "--seed";
  argv[n++] = seed;
  n += split_words(words, argv + n, 20);
  argv[n] = NULL;
  if ((pid = fork()) == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    /* The programs run as run_uid: their hub too, or they could not
     * connect to its socket. */
    if (c->isolated && (setgroups(0, NULL) < 0 || setgid(c->run_gid) < 0 ||
                        setuid(c->run_uid) < 0))
      _exit(127);
    /* The grader's own binary, even when socklab was rebuilt since it
     * started (the path would be the new one, or none mid-build). */
    execv("/proc/self/exe", (char *const *)argv);
    _exit(127);
  }
  c->hub_pid = pid;
  for (int i = 0; i < 200 && !hub_answers(sock); i++) {
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      c->hub_pid = 0;
      break;
    }
    pause_ms(10);
  }
  if (!hub_answers(sock)) {
    /* Without it the programs would start a hub of their own, without
     * the test's faults: the test would prove nothing. */
    gr_say(c, "grader error: the test's hub (socklab hub %s) did not start.",
           faults ? faults : "");
    gr_end(c);
  }
  snprintf(c->link, sizeof c->link, "hub:%s", sock);
  /* The test's own connections join the same network. */
  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", c->link, 1);
}

const char *
gr_host(const struct gr_ctx *c)
{
  /* On the kernel's stack, "localhost" may be ::1 first, where a server
   * bound to 0.0.0.0 is not; the hub's names are IPv4 only. */
  return c->stack == GR_USER ? "localhost" : "127.0.0.1";
}

int
gr_port(struct gr_ctx *c)
{
  int fd, port = 0;

  if (c->stack == GR_USER)
    return 20000 + (int)gr_rand(c, 30000); /* a private network */
  fd = sl_tcp_listen("127.0.0.1", "0", 1);
  if (fd >= 0) {
    port = sl_local_port(fd);
    sl_close(fd);
  }
  return port > 0 ? port : 20000 + (int)gr_rand(c, 30000);
}

/* ---- sockets by state ---------------------------------------------------- */

/* One socket as either source gives it. */
struct sock_row {
  int udp, port;
  unsigned recv_q; /* a listener's: connections waiting for accept */
  char state[16];  /* netstat spelling */
  unsigned long inode;
  int pid; /* socklab sockets: the process that answered */
};

static const char *const proc_states[] = {
    "",           "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
    "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
    "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};

typedef void (*row_fn)(void *arg, const struct sock_row *r);

/* The rows of one scan seen so far, by a hash of "local remote state". */
struct seen {
  uint64_t *h;
  size_t n, cap;
};

static uint64_t
fnv(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ull;

  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

/* 1 the first time a row is seen in this scan, 0 after. */
static int
first_sight(struct seen *s, uint64_t h)
{
  h += h == 0;              /* 0 marks an empty slot */
  if (s->n * 2 >= s->cap) { /* open addressing, kept half empty */
    size_t cap = s->cap ? s->cap * 2 : 256;
    uint64_t *v = calloc(cap, sizeof *v);
    if (v == NULL)
      return 1; /* a row counted twice, rarely, rather than none */
    for (size_t i = 0; i < s->cap; i++)
      for (size_t k = s->h[i] % cap; s->h[i] != 0; k = (k + 1) % cap)
        if (v[k] == 0) {
          v[k] = s->h[i];
          break;
        }
    free(s->h);
    s->h = v;
    s->cap = cap;
  }
  for (size_t k = h % s->cap;; k = (k + 1) % s->cap) {
    if (s->h[k] == h)
      return 0;
    if (s->h[k] == 0) {
      s->h[k] = h;
      s->n++;
      return 1;
    }
  }
}

/* /proc/net/tcp is no snapshot: the kernel writes it a read() at a time,
 * each time finding its place again by counting its way along a hash
 * chain that may have changed since, so a socket that connects or is
 * accepted meanwhile can be listed twice (or missed).  Counted twice, a
 * client the server had not accepted yet looked accepted, and lab07 went
 * on without it: that client got none of the lines.  A socket is its
 * addresses: in one state it counts once per scan. */
static void
kernel_rows(const char *file, int udp, struct seen *seen, row_fn fn, void *arg)
{
  char line[512];
  FILE *f = fopen(file, "r");

  if (f == NULL)
    return;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned port, st;
    unsigned long inode;
    int from = 0, to = 0;
    struct sock_row r = {.udp = udp};
    if (sscanf(line,
               " %*d: %n%*[0-9A-Fa-f]:%x %*s %x%n %*x:%x %*s %*s %*s %*s %lu",
               &from, &port, &st, &to, &r.recv_q, &inode) != 4 ||
        st >= sizeof proc_states / sizeof *proc_states ||
        !first_sight(seen, fnv(line + from, (size_t)(to - from)) ^ udp))
      continue;
    r.port = (int)port;
    r.inode = inode;
    snprintf(r.state, sizeof r.state, "%s",
             udp ? (st == 7 ? "UNCONN" : "ESTABLISHED") : proc_states[st]);
    fn(arg, &r);
  }
  fclose(f);
}

/* A state as netstat spells it, from a trace's RFC spelling. */
const char *
gr_netstat_name(const char *rfc)
{
  int state = sl_tcp_state_from_name(rfc);

  return state < 0 ? rfc : sl_tcp_state_netstat(state);
}

struct user_walk {
  row_fn fn;
  void *arg;
};

static void
user_answer(void *arg, int pid, FILE *f)
{
  struct user_walk *w = arg;
  char line[512], proto[8], state[16];
  unsigned port;

  while (fgets(line, sizeof line, f) != NULL) {
    struct sock_row r = {.pid = pid};
    /* DUMP's line (export.c): proto state local-addr local-port ...,
     * the receive queue eighth. */
    int n = sscanf(line, "%7s %15s %*s %u %*s %*u %*u %u", proto, state, &port,
                   &r.recv_q);
    if (n < 3)
      continue;
    r.udp = strcmp(proto, "udp") == 0;
    r.port = (int)port;
    snprintf(r.state, sizeof r.state, "%s",
             r.udp ? "UNCONN" : gr_netstat_name(state));
    w->fn(w->arg, &r);
  }
}

static void
each_socket(struct gr_ctx *c, row_fn fn, void *arg)
{
  struct user_walk w = {fn, arg};
  struct seen seen = {0};

  if (c->stack == GR_USER) {
    sl__export_ask("DUMP\n", user_answer, &w);
    return;
  }
  kernel_rows("/proc/net/tcp", 0, &seen, fn, arg);
  kernel_rows("/proc/net/tcp6", 0, &seen, fn, arg);
  kernel_rows("/proc/net/udp", 1, &seen, fn, arg);
  kernel_rows("/proc/net/udp6", 1, &seen, fn, arg);
  free(seen.h);
}

struct listen_arg {
  int port, udp, found;
};

static void
listen_row(void *arg, const struct sock_row *r)
{
  struct listen_arg *a = arg;

  if (r->port == a->port && r->udp == a->udp &&
      strcmp(r->state, a->udp ? "UNCONN" : "LISTEN") == 0)
    a->found = 1;
}

int
gr_wait_listen(struct gr_ctx *c, struct gr_proc *p, int port, int udp,
               double seconds)
{
  struct listen_arg a = {port, udp, 0};
  /* By the clock: on a loaded machine each look takes longer. */
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);
  char how[256];

  while (gr_left_ms(c) > 0 && gr_left_ms(c) > until) {
    each_socket(c, listen_row, &a);
    if (a.found)
      return 1;
    if (!gr_running(p)) {
      gr_exit_text(p, how, sizeof how);
      gr_say(c, "%s %s before it was %s on port %d.", p->label, how,
             udp ? "bound" : "listening", port);
      gr_show_stderr(c, p);
      return 0;
    }
    pause_ms(20);
  }
  gr_say(c,
         "%s was not %s on port %d after %.0f s (nothing in socklab "
         "netstat -%sln).",
         p->label, udp ? "bound" : "listening", port, seconds, udp ? "u" : "t");
  return 0;
}

/* The sockets in process pid's descriptor table, by inode: read once per
 * count, not once per row (with 50 clients, thousands of readlink()s). */
struct inodes {
  unsigned long *v;
  size_t n, cap;
};

static void
inodes_of(int pid, struct inodes *s)
{
  char path[64], link[64];
  DIR *d;
  struct dirent *e;

  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  if ((d = opendir(path)) == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    char fdpath[320];
    unsigned long inode;
    ssize_t n;
    snprintf(fdpath, sizeof fdpath, "%s/%s", path, e->d_name);
    n = readlink(fdpath, link, sizeof link - 1);
    if (n <= 0)
      continue;
    link[n] = '\0';
    if (sscanf(link, "socket:[%lu]", &inode) != 1)
      continue;
    if (s->n == s->cap) {
      size_t cap = s->cap ? s->cap * 2 : 64;
      unsigned long *v = realloc(s->v, cap * sizeof *v);
      if (v == NULL)
        break;
      s->v = v;
      s->cap = cap;
    }
    s->v[s->n++] = inode;
  }
  closedir(d);
}

static int
has_inode(const struct inodes *s, unsigned long inode)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i] == inode)
      return 1;
  return 0;
}

struct count_arg {
  const char *state;
  int pid, port, n;
  struct inodes own; /* the kernel's sockets of pid */
};

/* Is the row's socket pid's?  socklab's rows say; the kernel's have an
 * inode to find in pid's descriptors (0 for one no process holds yet). */
static int
owned(const struct count_arg *a, const struct sock_row *r)
{
  return r->pid == a->pid ||
         (r->pid == 0 && r->inode != 0 && has_inode(&a->own, r->inode));
}

static void
count_row(void *arg, const struct sock_row *r)
{
  struct count_arg *a = arg;

  if (r->udp || strcmp(r->state, a->state) != 0 ||
      (a->port != 0 && r->port != a->port))
    return;
  if (a->pid == 0 || owned(a, r))
    a->n++;
}

static void
backlog_row(void *arg, const struct sock_row *r)
{
  struct count_arg *a = arg;

  if (!r->udp && strcmp(r->state, "LISTEN") == 0 && r->port == a->port &&
      owned(a, r))
    a->n += (int)r->recv_q;
}

int
gr_backlog(struct gr_ctx *c, struct gr_proc *p, int port)
{
  struct count_arg a = {"LISTEN", (int)p->pid, port, 0, {0}};

  if (c->stack == GR_KERNEL)
    inodes_of(a.pid, &a.own);
  each_socket(c, backlog_row, &a);
  free(a.own.v);
  return a.n;
}

int
gr_count_state(struct gr_ctx *c, struct gr_proc *p, const char *state, int port)
{
  struct count_arg a = {state, p != NULL ? (int)p->pid : 0, port, 0, {0}};

  /* TIME_WAIT sockets belong to no process any more: count them all. */
  if (strcmp(state, "TIME_WAIT") == 0)
    a.pid = 0;
  if (a.pid != 0 && c->stack == GR_KERNEL)
    inodes_of(a.pid, &a.own);
  each_socket(c, count_row, &a);
  free(a.own.v);
  return a.n;
}

void
gr_netstat_excerpt(struct gr_ctx *c, int port)
{
  char *text = NULL, want[16], args[64];
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  int shown = 0;

  if (f == NULL)
    return;
  snprintf(args, sizeof args, "-tanp --stack %s",
           c->stack == GR_USER ? "user" : "kernel");
  sl_netstat(f, args);
  fclose(f);
  snprintf(want, sizeof want, ":%d ", port);
  gr_say(c, "socklab netstat -tanp showed:");
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save))
    if (strncmp(l, "Proto", 5) == 0 ||
        (strncmp(l, "tcp", 3) == 0 && (port == 0 || strstr(l, want)))) {
      if (shown++ < 12)
        gr_say(c, "  %s", l);
    }
  free(text);
}

/* ---- the test's own connections ------------------------------------------ */

int
gr_connect(struct gr_ctx *c, int port)
{
  char p[16];
  int fd;

  snprintf(p, sizeof p, "%d", port);
  fd = sl_tcp_connect(gr_host(c), p);
  if (fd < 0) {
    gr_say(c, "The grader could not connect to your server: %s.",
           sl_strerror());
    gr_end(c);
  }
  return fd;
}

size_t
gr_recv_all(struct gr_ctx *c, int fd, void *buf, size_t len, double seconds)
{
  size_t got = 0;
  struct timespec t0, t;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (got < len) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double spent;
    ssize_t n;
    clock_gettime(CLOCK_MONOTONIC, &t);
    spent = (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
    if (spent >= seconds || gr_left_ms(c) <= 0)
      break;
    if (sl_poll(&p, 1, (int)((seconds - spent) * 1000) + 1) <= 0)
      continue;
    n = sl_recv(fd, (char *)buf + got, len - got, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  return got;
}

size_t
gr_recv_line(struct gr_ctx *c, int fd, char *buf, size_t len, double seconds)
{
  int64_t until = gr_left_ms(c) - (int64_t)(seconds * 1000);
  size_t got = 0;

  buf[0] = '\0';
  /* A byte at a time: what follows the newline stays in the socket. */
  while (got + 1 < len && memchr(buf, '\n', got) == NULL) {
    int64_t left = gr_left_ms(c) - until;
    if (left <= 0 || gr_recv_all(c, fd, buf + got, 1, left / 1000.0) == 0)
      break;
    buf[++got] = '\0';
  }
  return got;
}

/* ---- traces -------------------------------------------------------------- */

static void
trace_line(struct gr_trace *t, const char *line)
{
  char ev[16], dir[8], flags[16], note[32], to[24];

  sl__trace_field_str(line, "ev", ev, sizeof ev);
  if (strcmp(ev, "state") == 0) {
    size_t n = strlen(t->visited);
    sl__trace_field_str(line, "to", to, sizeof to);
    if (n == 0) {
      char from[24];
      sl__trace_field_str(line, "from", from, sizeof from);
      snprintf(t->visited, sizeof t->visited, "%s", gr_netstat_name(from));
      n = strlen(t->visited);
    }
    snprintf(t->visited + n, sizeof t->visited - n, " %s", gr_netstat_name(to));
    t->time_wait |= strcmp(to, "TIME-WAIT") == 0;
    return;
  }
  if (strcmp(ev, "seg") != 0)
    return;
  sl__trace_field_str(line, "dir", dir, sizeof dir);
  if (strcmp(dir, "out") != 0)
    return;
  sl__trace_field_str(line, "flags", flags, sizeof flags);
  sl__trace_field_str(line, "note", note, sizeof note);
  if (strchr(flags, 'S') != NULL && sl__trace_field_num(line, "mss") > 0 &&
      t->syn_mss == 0)
    t->syn_mss = (int)sl__trace_field_num(line, "mss");
  {
    long long len = sl__trace_field_num(line, "len");
    if (len > 0) {
      t->data_segments++;
      if ((unsigned)len > t->max_payload)
        t->max_payload = (unsigned)len;
    }
  }
  if (sl__trace_field_num(line, "win") == 0 && strchr(flags, 'R') == NULL)
    t->zero_windows++;
  if (strstr(note, "retransmit") != NULL)
    t->retransmits++;
  if (strcmp(note, "window probe") == 0)
    t->probes++;
}

int
gr_trace_read(const struct gr_proc *p, struct gr_trace *t)
{
  char line[1024];
  FILE *f = fopen(p->trace_path, "r");

  memset(t, 0, sizeof *t);
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f) != NULL)
    trace_line(t, line);
  fclose(f);
  return 0;
}

void
gr_ladder_excerpt(struct gr_ctx *c, const struct gr_proc *p,
                  const struct gr_proc *b, int max_lines)
{
  char out[400];
  int fd, status, shown = 0;
  pid_t pid;
  char *text;

  snprintf(out, sizeof out, "%s.ladder", p->trace_path);
  if ((pid = fork()) == 0) {
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      _exit(1);
    dup2(fd, 1);
    dup2(fd, 2);
    execl("/proc/self/exe", c->self_exe, "ladder", "--no-color", p->trace_path,
          b != NULL ? b->trace_path : (char *)NULL, (char *)NULL);
    _exit(127);
  }
  if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
      (text = gr_slurp(out, NULL)) == NULL)
    return;
  gr_say(c, "The connection as socklab ladder draws it:");
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save))
    if (max_lines == 0 || shown++ < max_lines)
      gr_say(c, "  %s", l);
  if (max_lines > 0 && shown > max_lines)
    gr_say(c, "  ... (%d more lines: socklab ladder %s)", shown - max_lines,
           p->trace_path);
  free(text);
}
