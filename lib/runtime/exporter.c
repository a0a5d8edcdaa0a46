/* The server side of the export protocol (lib/obs/export.h, the format
 * in lib/obs/EXPORT.md): each process on socklab's stack listens on a
 * unix socket of its own, SOCKDIR/PID.sock, and answers every connection
 * with what it was asked, then closes it.  The runtime thread serves it,
 * so the answer is always current and costs nothing while nobody asks.
 *
 * "DUMP\n" answers a row per socket (`socklab netstat`); "STATS\n" the
 * counters (`socklab netstat -s`); "WHERE\n" each thread asleep in a
 * socket call (where the grader says a stuck program is).  A client that
 * sends "WATCH\n" stays connected and receives every trace event
 * (lib/obs/TRACE.md) as it happens: what `socklab netstat --watch`
 * prints. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "obs/export.h"
#include "obs/trace.h"
#include "runtime/exporter.h"
#include "runtime/rt.h"

/* Sockets of processes that died without cleaning up (a kill -9) are
 * removed by whoever comes next. */
static void
sweep(void)
{
  enum { MAX = 4096 };
  int *pids = malloc(MAX * sizeof *pids), n;
  char path[128];

  if (pids == NULL)
    return;
  n = sl__export_pids(pids, MAX);
  for (int i = 0; i < n; i++)
    if (kill(pids[i], 0) < 0 && errno == ESRCH) {
      sl__export_path(pids[i], path, sizeof path);
      unlink(path);
    }
  free(pids);
}

int
sl__exporter_open(struct sl__rt *rt)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  char dir[96];
  int fd;

  sl__sockdir(dir, sizeof dir);
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return -errno;
  sweep();
  sl__export_path((int)getpid(), sun.sun_path, sizeof sun.sun_path);
  unlink(sun.sun_path); /* a dead process with our PID left it */
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -errno;
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(fd, 8) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  snprintf(rt->export_path, sizeof rt->export_path, "%s", sun.sun_path);
  rt->export_fd = fd;
  return 0;
}

/* Keeps the last state changes, for a watcher that comes late: a short
 * client may have connected and closed before netstat --watch saw it. */
static void
remember(struct sl__rt *rt, const char *line, int n)
{
  if (n <= 0 || (size_t)n >= sizeof rt->recent[0])
    return;
  memcpy(rt->recent[rt->recent_next], line, (size_t)n + 1);
  rt->recent_next = (rt->recent_next + 1) % SL__RECENT;
  if (rt->recent_n < SL__RECENT)
    rt->recent_n++;
}

void
sl__exporter_trace(void *arg, const struct sl__event *ev)
{
  struct sl__rt *rt = arg;
  /* Every process's events on one clock, CLOCK_MONOTONIC, so that
   * socklab ladder can merge a client's trace with its server's, and
   * netstat --watch can tell when they happened. */
  struct sl__event shifted = *ev;
  char line[512];
  int n = -1;

  shifted.time_us += rt->epoch_ns / 1000;
  if (rt->trace != NULL)
    sl__trace_write(rt->trace, &shifted);
  if (ev->type == SL__EV_STATE) {
    n = sl__trace_format(line, sizeof line, &shifted);
    remember(rt, line, n);
  }
  for (int i = 0; i < 8; i++) {
    if (rt->watchers[i] < 0)
      continue;
    if (n < 0)
      n = sl__trace_format(line, sizeof line, &shifted);
    /* A watcher that does not keep up loses events, never stalls us. */
    if (n > 0 && (size_t)n < sizeof line &&
        send(rt->watchers[i], line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) <
            0 &&
        errno != EAGAIN) {
      close(rt->watchers[i]);
      rt->watchers[i] = -1;
    }
  }
}

/* Keeps connection c for --watch; 0, or -1 when there is no room. */
static int
add_watcher(struct sl__rt *rt, int c)
{
  for (int i = 0; i < 8; i++)
    if (rt->watchers[i] < 0) {
      /* First what happened before it came, oldest first. */
      for (int k = 0; k < rt->recent_n; k++) {
        const char *line =
            rt->recent[(rt->recent_next - rt->recent_n + k + SL__RECENT) %
                       SL__RECENT];
        send(c, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      rt->watchers[i] = c;
      return 0;
    }
  return -1;
}

struct dump_ctx {
  FILE *f;
  uint64_t now;
};

static void
dump_tcb(void *arg, const struct sl__tcb *t)
{
  struct dump_ctx *c = arg;
  struct sl__tcp_info in;
  struct sl__dump_row r;

  sl__tcp_get_info(t, &in);
  sl__dump_tcp(&r, &in, c->now);
  sl__dump_write(c->f, &r);
}

static void
dump_udp(void *arg, const struct sl__udp_pcb *u)
{
  struct dump_ctx *c = arg;
  struct sl__udp_info in;
  struct sl__dump_row r;

  sl__udp_get_info(u, &in);
  sl__dump_udp(&r, &in);
  sl__dump_write(c->f, &r);
}

static void
write_sockets(FILE *f, struct sl__rt *rt, uint64_t now)
{
  struct dump_ctx c = {f, now};

  sl__dump_write_header(f);
  sl__host_foreach_tcb(rt->host, dump_tcb, &c);
  sl__host_foreach_udp(rt->host, dump_udp, &c);
}

/* WHERE: each thread asleep in a socket call, "TID CALL". */
static void
write_waiting(FILE *f, const struct sl__rt *rt)
{
  for (int i = 0; i < 16; i++)
    if (rt->waiting[i].tid != 0)
      sl__where_write(f, rt->waiting[i].tid, rt->waiting[i].call);
}

static void
write_answer(FILE *f, struct sl__rt *rt, const char *req, uint64_t now)
{
  if (strncmp(req, "STATS", 5) == 0)
    sl__stats_write(f, sl__host_stats(rt->host));
  else if (strncmp(req, "WHERE", 5) == 0)
    write_waiting(f, rt);
  else
    write_sockets(f, rt, now);
}

void
sl__exporter_answer(struct sl__rt *rt, const char *request, FILE *f,
                    uint64_t now_us)
{
  write_answer(f, rt, request, now_us);
}

/* Called by the runtime thread, with the lock held, when someone asks. */
void
sl__exporter_serve(struct sl__rt *rt, uint64_t now)
{
  int c = accept4(rt->export_fd, NULL, NULL, SOCK_CLOEXEC);
  struct pollfd p = {.events = POLLIN};
  char req[16] = "", *text = NULL;
  size_t len = 0;
  FILE *f;

  if (c < 0)
    return;
  /* The request comes at once with the connection; wait for it briefly. */
  p.fd = c;
  if (poll(&p, 1, 100) == 1 && recv(c, req, sizeof req - 1, 0) > 0 &&
      strncmp(req, "WATCH", 5) == 0) {
    if (add_watcher(rt, c) < 0)
      close(c);
    return;
  }
  /* The answer goes out with MSG_NOSIGNAL: an asker that hangs up before
   * reading it all (the grader does, for the processes it does not ask
   * about) must not kill this process with SIGPIPE. */
  f = open_memstream(&text, &len);
  if (f != NULL) {
    write_answer(f, rt, req, now);
    if (fclose(f) == 0)
      for (size_t off = 0; off < len;) {
        ssize_t n = send(c, text + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
          break;
        off += (size_t)n;
      }
  }
  free(text);
  close(c);
}

void
sl__exporter_close(struct sl__rt *rt)
{
  for (int i = 0; i < 8; i++)
    if (rt->watchers[i] >= 0) {
      close(rt->watchers[i]);
      rt->watchers[i] = -1;
    }
  if (rt->export_fd > 0) {
    close(rt->export_fd);
    unlink(rt->export_path);
    rt->export_fd = -1;
  }
}
