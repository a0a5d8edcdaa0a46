/* netstat --watch: state changes as they happen -- socklab processes
 * tell every one (WATCH, obs/EXPORT.md); kernel sockets are sampled. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>

#include "obs/export.h"
#include "obs/netstat_priv.h"
#include "obs/trace.h"

/* ---- --watch ------------------------------------------------------------- */

struct watched {
  int fd, pid;
  char prog[48]; /* read when it was found: it may exit before it speaks */
  char buf[4096];
  size_t len;
};

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)(ts.tv_sec % 86400) + (double)ts.tv_nsec / 1e9;
}

/* The time of day of an event whose "t" is CLOCK_MONOTONIC seconds, as
 * every socklab process writes it (lib/obs/TRACE.md). */
static double
event_time(const char *line)
{
  const char *t = sl__trace_field_raw(line, "t");
  struct timespec mono;

  if (t == NULL)
    return now_s();
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return now_s() -
         ((double)mono.tv_sec + (double)mono.tv_nsec / 1e9 - strtod(t, NULL));
}

static void
print_change(FILE *out, double t, const char *stack, const char *prog,
             const char *conn, const char *from, const char *to,
             const char *cause)
{
  fprintf(out, "%02d:%02d:%09.6f %-6s %-18s %-45s %s -> %s%s%s%s\n",
          (int)(t / 3600), (int)(t / 60) % 60, t - 60 * (int)(t / 60), stack,
          prog, conn, from, to, cause[0] ? " (" : "", cause,
          cause[0] ? ")" : "");
  fflush(out);
}

/* Subscribes to every socklab process not yet watched. */
static int
subscribe(struct watched *w, int n, int max)
{
  int pids[256], np = sl__export_pids(pids, 256);

  for (int k = 0; k < np && n < max; k++) {
    int seen = 0, fd;
    for (int i = 0; i < n; i++)
      seen |= w[i].pid == pids[k] && w[i].fd >= 0;
    if (seen || (fd = sl__export_connect(pids[k], "WATCH\n")) < 0)
      continue;
    w[n] = (struct watched){.fd = fd, .pid = pids[k]};
    sl__netstat_program(pids[k], w[n].prog, sizeof w[n].prog);
    n++;
  }
  return n;
}

/* A kernel socket's identity across samples. */
static int
same_socket(const struct row *a, const struct row *b)
{
  return strcmp(a->proto, b->proto) == 0 && strcmp(a->local, b->local) == 0 &&
         strcmp(a->remote, b->remote) == 0;
}

static void
kernel_change(FILE *out, int pid, const char *conn, const char *from,
              const char *to)
{
  char prog[48];

  sl__netstat_program(pid, prog, sizeof prog);
  print_change(out, now_s(), "kernel", prog, conn, from, to, "");
}

/* Kernel sockets: what changed since the last sample. */
static void
kernel_diff(FILE *out, const struct row *old, int nold, const struct row *cur,
            int ncur)
{
  for (int i = 0; i < ncur; i++) {
    const struct row *r = &cur[i], *was = NULL;
    char conn[140];
    if (r->proto[0] != 't')
      continue;
    for (int j = 0; j < nold && was == NULL; j++)
      if (same_socket(&old[j], r))
        was = &old[j];
    snprintf(conn, sizeof conn, "%s>%s", r->local, r->remote);
    if (was == NULL)
      kernel_change(out, r->pid, conn, "(new)", r->state);
    else if (strcmp(was->state, r->state) != 0)
      kernel_change(out, r->pid, conn, was->state, r->state);
  }
  for (int j = 0; j < nold; j++) {
    int still = 0;
    char conn[140];
    if (old[j].proto[0] != 't')
      continue;
    for (int i = 0; i < ncur && !still; i++)
      still = same_socket(&old[j], &cur[i]);
    snprintf(conn, sizeof conn, "%s>%s", old[j].local, old[j].remote);
    if (!still)
      kernel_change(out, old[j].pid, conn, old[j].state, "(gone)");
  }
}

/* socklab sockets: their state changes, as their processes report them. */
static void
user_events(FILE *out, struct watched *w)
{
  char *nl;
  ssize_t got = recv(w->fd, w->buf + w->len, sizeof w->buf - w->len - 1, 0);

  if (got <= 0) {
    close(w->fd);
    w->fd = -1;
    return;
  }
  w->len += (size_t)got;
  w->buf[w->len] = '\0';
  while ((nl = strchr(w->buf, '\n')) != NULL) {
    char ev[16], conn[64], from[16], to[16], cause[48];
    *nl = '\0';
    sl__trace_field_str(w->buf, "ev", ev, sizeof ev);
    if (strcmp(ev, "state") == 0) {
      sl__trace_field_str(w->buf, "conn", conn, sizeof conn);
      sl__trace_field_str(w->buf, "from", from, sizeof from);
      sl__trace_field_str(w->buf, "to", to, sizeof to);
      sl__trace_field_str(w->buf, "cause", cause, sizeof cause);
      print_change(out, event_time(w->buf), "user", w->prog, conn,
                   sl__netstat_user_state(from, 0),
                   sl__netstat_user_state(to, 0), cause);
    }
    w->len -= (size_t)(nl + 1 - w->buf);
    memmove(w->buf, nl + 1, w->len + 1);
  }
}

/* Prints transitions as they happen, for seconds (0: until interrupted).
 * socklab sockets report every change; kernel sockets are sampled every
 * 100 ms, so a change shorter than that may not show. */
int
sl__netstat_watch(const struct opts *o, int seconds, struct row *rows, int max)
{
  struct watched w[64];
  struct row *prev = calloc((size_t)max, sizeof *prev);
  int nw = 0, nprev = 0;
  double end = now_s() + seconds, last_scan = 0;
  FILE *out = o->out;

  if (prev == NULL)
    return 1;
  /* Processes that exit while we watch wait a moment to be heard. */
  if (o->user)
    sl__export_watching(1);
  fprintf(out, "time            stack  PID/Program        connection          "
               "                          state change\n");
  if (o->kernel)
    nprev = sl__netstat_read_kernel(o, prev, max);
  while (seconds == 0 || now_s() < end) {
    struct pollfd p[64];
    int np = 0;

    if (o->user && now_s() - last_scan >= 0.2) {
      nw = subscribe(w, nw, 64);
      last_scan = now_s();
    }
    for (int i = 0; i < nw; i++)
      if (w[i].fd >= 0)
        p[np++] = (struct pollfd){.fd = w[i].fd, .events = POLLIN};
    poll(p, (nfds_t)np, 100);
    for (int i = 0; i < nw; i++)
      for (int k = 0; k < np; k++)
        if (p[k].fd == w[i].fd && w[i].fd >= 0 &&
            (p[k].revents & (POLLIN | POLLHUP)))
          user_events(out, &w[i]);
    if (o->kernel) {
      int n = sl__netstat_read_kernel(o, rows, max);
      kernel_diff(out, prev, nprev, rows, n);
      memcpy(prev, rows, (size_t)n * sizeof *rows);
      nprev = n;
    }
  }
  for (int i = 0; i < nw; i++)
    if (w[i].fd >= 0)
      close(w[i].fd);
  sl__export_watching(0);
  free(prev);
  return 0;
}
