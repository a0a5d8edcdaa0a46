/* lab07-concurrent-server: chat_server PORT (one thread, sl_poll over the
 * listener and every client; each complete line goes to every other
 * client) and chat_client HOST PORT (polls stdin and the socket).
 * labs/README.md has the interface. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "grade/grade.h"
#include "socklab.h"

static const char *const programs[] = {"chat_server", "chat_client", NULL};

enum { MAX_PEERS = 64 };

static int64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- who is in the room -------------------------------------------------- */

/* Waits up to seconds (a gr_patience()) until srv has accepted at least n
 * connections on port; returns how many it holds. */
static int
accepted(struct gr_ctx *c, struct gr_proc *srv, int port, int n, double seconds)
{
  int64_t until = now_ms() + (int64_t)(seconds * 1000);
  int have;

  for (;;) {
    /* On socklab's stack those in the backlog are ESTABLISHED too. */
    have = gr_count_state(c, srv, "ESTABLISHED", port) -
           (c->stack == GR_USER ? gr_backlog(c, srv, port) : 0);
    if (have >= n || now_ms() >= until || gr_left_ms(c) <= 0 ||
        !gr_running(srv))
      return have;
    usleep(20000);
  }
}

/* After n clients connected: did the server take them all?  When it did
 * not, says what that looks like and where the server was. */
static int
all_accepted(struct gr_ctx *c, struct gr_proc *srv, int port, int n)
{
  char where[96], how[200];
  double waited = gr_patience(c, 3);
  int have = accepted(c, srv, port, n, waited);

  if (have >= n)
    return 1;
  if (!gr_running(srv)) {
    gr_exit_text(srv, how, sizeof how);
    gr_say(c, "With %d clients connecting, your chat_server %s.", n, how);
    gr_show_stderr(c, srv);
    return 0;
  }
  gr_where(srv, where, sizeof where);
  gr_say(c,
         "%d clients connected; after 3 s your chat_server had accepted "
         "%d of them%s%s.\nThe others wait in the listen backlog: the "
         "LISTEN socket's Recv-Q counts them%s.  Keep the listening "
         "socket in every sl_poll, next to the clients, and accept "
         "whenever it is readable.",
         n, have, where[0] ? "; it was in " : "", where,
         c->stack == GR_KERNEL ? ", and their ESTABLISHED lines have no PID: "
                                 "no process holds them yet"
                               : "");
  gr_say_waited(c, waited, 3);
  gr_netstat_excerpt(c, port);
  return 0;
}

/* Connects fds[from..to) in small batches, each accepted before the next
 * (a server's backlog may be short); 1 when all were accepted. */
static int
join(struct gr_ctx *c, struct gr_proc *srv, int port, int *fds, int from,
     int to)
{
  for (int i = from; i < to; i += 5) {
    int end = i + 5 < to ? i + 5 : to;
    for (int k = i; k < end; k++)
      fds[k] = gr_connect(c, port);
    if (!all_accepted(c, srv, port, end))
      return 0;
  }
  return 1;
}

/* Starts n reference (or your) chat_clients, stdin open, in batches
 * accepted before the next. */
static int
join_programs(struct gr_ctx *c, enum gr_who who, struct gr_proc *srv, int port,
              struct gr_proc **cl, int n)
{
  char p[16];
  const char *argv[] = {gr_host(c), gr_itoa(port, p, sizeof p), NULL};

  for (int i = 0; i < n; i += 10) {
    int end = i + 10 < n ? i + 10 : n;
    for (int k = i; k < end; k++)
      cl[k] = gr_start(c, who, "chat_client", argv);
    if (!all_accepted(c, srv, port, end)) {
      for (int k = 0; k < end; k++)
        if (!gr_running(cl[k])) {
          char how[200];
          gr_exit_text(cl[k], how, sizeof how);
          gr_say(c, "One chat_client %s before it was accepted.", how);
          gr_show_stderr(c, cl[k]);
          break;
        }
      return 0;
    }
  }
  return 1;
}

/* ---- what is said -------------------------------------------------------- */

/* Everything each participant says: k seeded lines, each starting with
 * its name ("c07: 3 socket bind ..."), so a receiver can tell who said
 * it.  NULL: that one is silent. */
struct talk {
  int n;
  char *said[MAX_PEERS];
};

/* k seeded lines of at most max_len bytes (and the tag) said by who. */
static char *
long_lines_of(struct gr_ctx *c, int who, int k, size_t max_len)
{
  char *plain = gr_lines(c, k, max_len), tag[16];
  struct gr_buf b = {0};

  snprintf(tag, sizeof tag, "c%02d: ", who);
  for (char *save = NULL, *l = strtok_r(plain, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save)) {
    gr_buf_add(&b, tag, strlen(tag));
    gr_buf_add(&b, l, strlen(l));
    gr_buf_add(&b, "\n", 1);
  }
  free(plain);
  return b.s;
}

static char *
lines_of(struct gr_ctx *c, int who, int k)
{
  return long_lines_of(c, who, k, 48);
}

static void
talk_free(struct talk *t)
{
  for (int i = 0; i < t->n; i++)
    free(t->said[i]);
}

/* What participant r should hear: everything the others said. */
static size_t
to_hear(const struct talk *t, int r)
{
  size_t n = 0;

  for (int a = 0; a < t->n; a++)
    if (a != r && t->said[a] != NULL)
      n += strlen(t->said[a]);
  return n;
}

static int
count_lines(const char *s)
{
  int n = 0;

  for (; s != NULL && *s; s++)
    n += *s == '\n';
  return n;
}

/* The author of a line "cNN: ...", or -1. */
static int
author_of(const char *line, size_t len, int n)
{
  if (len < 5 || line[0] != 'c' || line[1] < '0' || line[1] > '9' ||
      line[2] < '0' || line[2] > '9' || line[3] != ':' || line[4] != ' ')
    return -1;
  int a = (line[1] - '0') * 10 + (line[2] - '0');
  return a < n ? a : -1;
}

/* Where line (len bytes and its newline) is in text from *pos on; the
 * offset after it, or -1. */
static long
find_line(const char *text, size_t pos, const char *line, size_t len)
{
  for (const char *p = text + pos; *p; p = strchr(p, '\n') + 1) {
    if (strncmp(p, line, len) == 0 && p[len] == '\n')
      return (long)(p - text) + (long)len + 1;
    if (strchr(p, '\n') == NULL)
      break;
  }
  return -1;
}

/* What the participants of a room heard, all together. */
struct heard {
  int good;  /* lines that came whole, to a client that should get them */
  int want;  /* lines that should have come */
  int own;   /* lines that came back to their author */
  int stray; /* lines no one sent: cut, glued together or repeated */
  int said;  /* problems said so far (only the first is) */
};

/* A line that should not have come costs as much as one that did not
 * come: a server that sends each line back to its author too does not
 * score full marks for "none of its own". */
static double
heard_score(const struct heard *h)
{
  int total = h->want + h->own + h->stray;

  return total ? (double)h->good / total : 0;
}

/* "; 4 came back to their author; 2 were not lines anyone sent": what
 * came that should not have, for the summary of a room. */
static const char *
heard_extra(const struct heard *h, char *buf, size_t len)
{
  buf[0] = '\0';
  if (h->own > 0)
    snprintf(buf, len, "; %d came back to their author", h->own);
  if (h->stray > 0)
    snprintf(buf + strlen(buf), len - strlen(buf),
             "; %d were not lines any client sent (cut, glued or repeated)",
             h->stray);
  return buf;
}

/* Scores what participant r (called who) heard: each other's lines, whole
 * and in their author's order, and none of its own.  Adds to *h; says the
 * first thing wrong of the whole room. */
static void
check_heard(struct gr_ctx *c, const struct talk *t, int r, const char *who,
            const char *got, struct heard *h)
{
  size_t pos[MAX_PEERS] = {0};
  int ok = 0, want = 0;

  for (int a = 0; a < t->n; a++)
    if (a != r)
      want += count_lines(t->said[a]);
  for (const char *l = got ? got : ""; *l;) {
    const char *nl = strchr(l, '\n');
    size_t len = nl ? (size_t)(nl - l) : strlen(l);
    int a = author_of(l, len, t->n);
    long after = -1;
    if (a >= 0 && a != r && t->said[a] != NULL && nl != NULL)
      after = find_line(t->said[a], pos[a], l, len);
    if (after >= 0) {
      ok++;
      pos[a] = (size_t)after;
    } else if (a == r) {
      h->own++;
      if (h->said++ == 0)
        gr_say(c,
               "%s got its own line back: \"%.*s\".  A line goes to every "
               "client except the one that sent it.",
               who, (int)(len < 120 ? len : 120), l);
    } else {
      h->stray++;
      if (h->said++ == 0)
        gr_say(c,
               "%s got \"%.*s\"%s, which is not a line any client sent: "
               "lines were cut, or glued together from pieces of several "
               "(or came twice).  Keep each client's unfinished line until "
               "its newline arrives, then send it whole.",
               who, (int)(len < 160 ? len : 160), l, nl ? "" : " (no newline)");
    }
    l += len + (nl != NULL);
  }
  if (ok < want && h->said++ == 0) {
    for (int a = 0; a < t->n; a++)
      if (a != r && t->said[a] != NULL && t->said[a][pos[a]] != '\0') {
        const char *m = t->said[a] + pos[a];
        gr_say(c,
               "%s got %d of the %d lines the others sent; the first "
               "missing is \"%.*s\".",
               who, ok, want, (int)strcspn(m, "\n"), m);
        break;
      }
  }
  h->good += ok;
  h->want += want;
}

/* ---- the grader's own connections ---------------------------------------- */

static void
nodelay(int fd)
{
  sl_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
}

static int
say_on(int fd, const char *text)
{
  size_t n = strlen(text);

  return sl_writen(fd, text, n) == (ssize_t)n ? 0 : -1;
}

/* Reads from every connection at once until each has want[i] bytes (or
 * seconds, a gr_patience(), pass), then 100 ms more for anything that
 * should not come. */
static void
gather(struct gr_ctx *c, const int *fds, struct gr_buf *got, const size_t *want,
       int n, double seconds)
{
  struct pollfd p[MAX_PEERS];
  int idx[MAX_PEERS], gone[MAX_PEERS] = {0}, grace = 0;
  int64_t until = now_ms() + (int64_t)(seconds * 1000);
  char chunk[4096];

  for (;;) {
    int np = 0, done = 1;
    int64_t left;
    for (int i = 0; i < n; i++)
      if (!gone[i] && got[i].len < want[i])
        done = 0;
    if (done && !grace) {
      grace = 1;
      until = now_ms() + 100;
    }
    left = until - now_ms();
    if (left <= 0 || gr_left_ms(c) <= 0)
      break;
    for (int i = 0; i < n; i++)
      if (!gone[i]) {
        p[np] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        idx[np++] = i;
      }
    if (np == 0 || sl_poll(p, (nfds_t)np, (int)left) <= 0)
      continue;
    for (int k = 0; k < np; k++) {
      ssize_t r;
      if (p[k].revents == 0)
        continue;
      r = sl_recv(p[k].fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (r > 0)
        gr_buf_add(&got[idx[k]], chunk, (size_t)r);
      else if (r == 0 || (errno != EAGAIN && errno != EINTR))
        gone[idx[k]] = 1;
    }
  }
  for (int i = 0; i < n; i++)
    if (got[i].s == NULL)
      gr_buf_add(&got[i], "", 0);
}

/* n bytes of s for feedback, a newline shown as \n. */
static const char *
visible(const char *s, size_t n, char *out, size_t len)
{
  size_t k = 0;

  for (size_t i = 0; i < n && k + 3 < len; i++) {
    if (s[i] == '\n') {
      out[k++] = '\\';
      out[k++] = 'n';
    } else {
      out[k++] = s[i];
    }
  }
  out[k] = '\0';
  return out;
}

/* Did fd receive exactly text within 4 s (more on a loaded machine)?
 * Says what came otherwise. */
static int
hear(struct gr_ctx *c, int fd, const char *who, const char *text)
{
  char back[512], w[600], g[600];
  double waited = gr_patience(c, 4);
  size_t n = strlen(text), got = gr_recv_all(c, fd, back, n, waited);

  if (got == n && memcmp(back, text, n) == 0)
    return 1;
  gr_say(c, "%s expected \"%s\"; it got %s%s%s.", who,
         visible(text, n, w, sizeof w), got ? "\"" : "nothing in 4 s",
         visible(back, got, g, sizeof g), got ? "\"" : "");
  if (got < n && memcmp(back, text, got) == 0) /* late, not wrong */
    gr_say_waited(c, waited, 4);
  return 0;
}

/* Bytes that fd received within ms (none is what a test expects). */
static size_t
quiet(struct gr_ctx *c, int fd, int ms, char *buf, size_t len)
{
  return gr_recv_all(c, fd, buf, len, ms / 1000.0);
}

/* ---- the reference programs talking -------------------------------------- */

static size_t
file_size(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* One of a room: a connection of the grader's, or a reference chat_client
 * (its stdin what it says, its output what it heard). */
struct peer {
  int fd;            /* the connection, or -1 */
  struct gr_proc *p; /* or the program */
  struct gr_buf got; /* the connection: what it received */
  size_t base;       /* the program: bytes of its output before */
};

/* Bytes p received since base. */
static size_t
peer_heard(const struct peer *pe)
{
  size_t n;

  if (pe->p == NULL)
    return pe->got.len;
  n = file_size(pe->p->out_path);
  return n > pe->base ? n - pe->base : 0;
}

/* Says some of s without waiting: how much went, 0 when none could. */
static size_t
peer_say(struct peer *pe, const char *s, size_t n)
{
  ssize_t r;

  if (pe->p == NULL)
    r = sl_send(pe->fd, s, n, MSG_DONTWAIT);
  else if (pe->p->stdin_fd >= 0)
    r = write(pe->p->stdin_fd, s, n); /* a pipe made non-blocking */
  else
    r = -1;
  return r > 0 ? (size_t)r : 0;
}

/* A connection reads what came, without waiting (a program reads by
 * itself); 0 when the server closed it (a reference chat_client then
 * exits). */
static int
peer_listen(struct peer *pe)
{
  char chunk[65536];
  ssize_t r;

  if (pe->p != NULL)
    return gr_running(pe->p);
  while ((r = sl_recv(pe->fd, chunk, sizeof chunk, MSG_DONTWAIT)) != 0) {
    if (r < 0)
      return errno == EAGAIN || errno == EINTR;
    gr_buf_add(&pe->got, chunk, (size_t)r);
  }
  return 0;
}

/* What pe received since base (the caller frees it). */
static char *
peer_text(const struct peer *pe)
{
  char *all;
  size_t n;

  if (pe->p == NULL)
    return strdup(pe->got.s ? pe->got.s : "");
  all = gr_slurp(pe->p->out_path, &n);
  if (all != NULL && pe->base <= n)
    memmove(all, all + pe->base, n - pe->base + 1);
  return all;
}

/* check_heard() for each of pe[from..t->n), "LABEL cNN" in the feedback. */
static void
check_peers(struct gr_ctx *c, const struct talk *t, const struct peer *pe,
            int from, struct heard *h)
{
  for (int i = from; i < t->n; i++) {
    char who[128], *text = peer_text(&pe[i]);
    snprintf(who, sizeof who, "%s c%02d",
             pe[i].p ? pe[i].p->label : "Connection", i);
    check_heard(c, t, i, who, text, h);
    free(text);
  }
}

/* n chat_clients of client_who with server_who's chat_server; nauthors
 * of them (seeded) say k lines each, all at once; every client must
 * print what the others said. */
static void
room_of_programs(struct gr_ctx *c, enum gr_who server_who,
                 enum gr_who client_who, int n, int nauthors, int k)
{
  struct gr_proc *srv, *cl[MAX_PEERS];
  struct peer pe[MAX_PEERS];
  struct talk t = {.n = n};
  struct heard h = {0};
  int port = gr_port(c), complete = 0;
  char extra[160];
  double waited;
  int64_t until;

  srv = gr_server(c, server_who, "chat_server", port, NULL, 0);
  if (!join_programs(c, client_who, srv, port, cl, n))
    return;
  for (int i = 0; i < nauthors; i++) {
    int a = (int)gr_rand(c, (uint64_t)n);
    while (t.said[a] != NULL)
      a = (a + 1) % n;
    t.said[a] = lines_of(c, a, k);
  }
  /* One write each, under PIPE_BUF: every client reads its lines at once. */
  for (int i = 0; i < n; i++)
    if (t.said[i] != NULL)
      gr_feed(cl[i], t.said[i], strlen(t.said[i]));
  waited = gr_patience(c, 10);
  until = now_ms() + (int64_t)(waited * 1000);
  while (now_ms() < until && gr_left_ms(c) > 0) {
    complete = 0;
    for (int i = 0; i < n; i++)
      complete += file_size(cl[i]->out_path) >= to_hear(&t, i);
    if (complete == n)
      break;
    usleep(20000);
  }
  usleep(100000); /* anything that should not come */
  for (int i = 0; i < n; i++)
    pe[i] = (struct peer){.fd = -1, .p = cl[i]};
  check_peers(c, &t, pe, 0, &h);
  if (heard_score(&h) < 1)
    gr_say(c,
           "%d of %d clients printed everything; %d of %d lines "
           "arrived whole%s.",
           complete, n, h.good, h.want, heard_extra(&h, extra, sizeof extra));
  for (int i = 0; i < n && h.good < h.want; i++) {
    char how[200];
    if (file_size(cl[i]->out_path) >= to_hear(&t, i))
      continue;
    /* The first that fell short: did it end, or say why? */
    gr_exit_text(cl[i], how, sizeof how);
    gr_say(c, "%s c%02d %s.", cl[i]->label, i, how);
    gr_show_stderr(c, cl[i]);
    gr_say_waited(c, waited, 10);
    break;
  }
  gr_score(c, heard_score(&h));
  /* Each has read all it was sent: closing now is a clean FIN. */
  for (int i = 0; i < n; i++)
    gr_close_stdin(cl[i]);
  if (client_who == GR_STUDENT)
    for (int i = 0; i < n; i++) {
      char how[200];
      if (gr_expect_exit(c, cl[i], 3) && gr_exited_ok(cl[i]))
        continue;
      gr_exit_text(cl[i], how, sizeof how);
      gr_say(c,
             "At the end of its input, %s %s; it should close and exit "
             "with 0.",
             cl[i]->label, how);
      gr_show_stderr(c, cl[i]);
      gr_score(c, c->score * 0.5);
      break;
    }
  talk_free(&t);
}

static void
server_with_reference_clients(struct gr_ctx *c)
{
  room_of_programs(c, GR_STUDENT, GR_REF, 4, 4, 3);
}

static void
client_with_your_server(struct gr_ctx *c)
{
  room_of_programs(c, GR_STUDENT, GR_STUDENT, 3, 3, 3);
}

static void
fifty_reference_clients(struct gr_ctx *c)
{
  room_of_programs(c, GR_STUDENT, GR_REF, 50, 6, 2);
}

/* ---- busy loops ---------------------------------------------------------- */

/* Is p runnable now (state R in /proc/PID/stat)? */
static int
runnable(const struct gr_proc *p)
{
  char path[64], text[512], *paren;
  FILE *f;
  int r = 0;

  snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
  if ((f = fopen(path, "r")) == NULL)
    return 0;
  if (fgets(text, sizeof text, f) != NULL &&
      (paren = strrchr(text, ')')) != NULL)
    r = paren[1] == ' ' && paren[2] == 'R';
  fclose(f);
  return r;
}

/* Watches p for ms while nothing happens: *cpu gets the CPU seconds it
 * used, and the result is the share of 10 ms samples that found it
 * runnable.  A busy loop is always runnable, however little of the CPU a
 * loaded machine gives it; a program blocked in poll() is asleep. */
static double
watch_idle(struct gr_proc *p, int ms, double *cpu)
{
  int samples = 0, running = 0;
  int64_t until = now_ms() + ms;

  *cpu = gr_cpu_seconds(p);
  while (now_ms() < until) {
    running += runnable(p);
    samples++;
    usleep(10000);
  }
  *cpu = gr_cpu_seconds(p) - *cpu;
  return samples ? (double)running / samples : 0;
}

/* ---- the student's chat_client ------------------------------------------- */

/* The reference server, the student's client and the grader's own
 * connections g[0..ng): all accepted, or 0. */
static int
client_room(struct gr_ctx *c, int port, struct gr_proc **srv,
            struct gr_proc **cl, int *g, int ng)
{
  char p[16], how[200];
  const char *argv[] = {gr_host(c), gr_itoa(port, p, sizeof p), NULL};
  double waited;

  *srv = gr_server(c, GR_REF, "chat_server", port, NULL, 0);
  g[0] = gr_connect(c, port);
  *cl = gr_start(c, GR_STUDENT, "chat_client", argv);
  for (int i = 1; i < ng; i++)
    g[i] = gr_connect(c, port);
  waited = gr_patience(c, 3);
  if (accepted(c, *srv, port, ng + 1, waited) >= ng + 1)
    return 1;
  gr_exit_text(*cl, how, sizeof how);
  gr_say(c,
         "Your chat_client did not connect to the reference chat_server "
         "within 3 s (it %s).",
         how);
  gr_say_waited(c, waited, 3);
  gr_show_stderr(c, *cl);
  gr_netstat_excerpt(c, port);
  return 0;
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  int port = gr_port(c), g[2];
  struct gr_proc *srv, *cl;
  struct gr_buf got[2] = {{0}};
  char *lines = gr_lines(c, 5, 60);
  size_t want[2] = {strlen(lines), strlen(lines)};
  double part = 0;

  if (!client_room(c, port, &srv, &cl, g, 2))
    goto out;
  gr_feed(cl, lines, strlen(lines));
  gather(c, g, got, want, 2, gr_patience(c, 6));
  part = gr_compare_lines(c, lines, got[0].s,
                          "what the others received from your chat_client");
  if (part == 1)
    part = gr_compare_lines(c, lines, got[1].s,
                            "what the others received from your "
                            "chat_client");
  gr_score(c, 0.75 * part);
  gr_close_stdin(cl);
  if (!gr_expect_exit(c, cl, 3)) {
    gr_say(c, "Your chat_client should close its connection and exit at "
              "the end of its input (sl_read on stdin returns 0).");
    goto out;
  }
  if (!gr_exited_ok(cl)) {
    char how[200];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c,
           "At the end of its input, your chat_client %s; expected "
           "exit status 0.",
           how);
    gr_show_stderr(c, cl);
    goto out;
  }
  gr_score(c, c->score + 0.25);
out:
  gr_buf_free(&got[0]);
  gr_buf_free(&got[1]);
  free(lines);
}

/* Lines from the server must appear while stdin is open and silent: a
 * client blocked in read() on stdin shows them only after the next line
 * typed. */
static void
client_prints_while_idle(struct gr_ctx *c)
{
  int port = gr_port(c), g[1];
  struct gr_proc *srv, *cl;
  char *lines = lines_of(c, 0, 3), *out;
  int64_t until;
  double cpu, waited;

  if (!client_room(c, port, &srv, &cl, g, 1)) {
    free(lines);
    return;
  }
  say_on(g[0], lines);
  waited = gr_patience(c, 3);
  until = now_ms() + (int64_t)(waited * 1000);
  while (file_size(cl->out_path) < strlen(lines) && now_ms() < until &&
         gr_running(cl))
    usleep(20000);
  usleep(100000);
  out = gr_slurp(cl->out_path, NULL);
  gr_score(c, gr_compare_lines(c, lines, out,
                               "what your chat_client printed while its "
                               "stdin was silent"));
  if (c->score < 1) {
    char where[96] = "";
    if (gr_running(cl))
      gr_where(cl, where, sizeof where);
    gr_say(c,
           "Another client said 3 lines while nothing was typed into your "
           "chat_client%s%s.  Put stdin and the socket in one sl_poll and "
           "print what the server sends as soon as it comes, typing or "
           "not.",
           where[0] ? "; it was waiting in " : "", where);
    gr_say_waited(c, waited, 3);
    if (!gr_running(cl)) {
      char how[200];
      gr_exit_text(cl, how, sizeof how);
      gr_say(c, "Your chat_client %s.", how);
      gr_show_stderr(c, cl);
    }
  } else {
    /* Then a second of silence on both sides: it should sleep. */
    double running = watch_idle(cl, 1000, &cpu);
    if (running > 0.5 || cpu > 0.5) {
      gr_say(c,
             "With nothing to do for 1 s, your chat_client was running in "
             "%.0f%% of the grader's looks and used %.2f s of CPU: a loop "
             "that never blocks (sl_poll with timeout 0?).",
             running * 100, cpu);
      gr_score(c, 0.5);
    }
  }
  free(out);
  free(lines);
}

/* ---- the student's chat_server with the grader's connections ------------- */

static void
many_clients(struct gr_ctx *c)
{
  enum { N = 40, AUTHORS = 10 };
  int port = gr_port(c), fds[N], complete = 0;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  struct gr_buf got[N] = {{0}};
  struct talk t = {.n = N};
  struct heard h = {0};
  size_t want[N];
  char extra[160];
  double waited;

  if (!join(c, srv, port, fds, 0, N))
    return;
  for (int i = 0; i < AUTHORS; i++) {
    int a = (int)gr_rand(c, N);
    while (t.said[a] != NULL)
      a = (a + 1) % N;
    t.said[a] = lines_of(c, a, 1 + (int)gr_rand(c, 2));
  }
  for (int i = 0; i < N; i++)
    if (t.said[i] != NULL)
      say_on(fds[i], t.said[i]);
  for (int i = 0; i < N; i++)
    want[i] = to_hear(&t, i);
  waited = gr_patience(c, 6);
  gather(c, fds, got, want, N, waited);
  for (int i = 0; i < N; i++) {
    char who[32];
    snprintf(who, sizeof who, "Connection c%02d", i);
    complete += got[i].len >= want[i];
    check_heard(c, &t, i, who, got[i].s, &h);
    gr_buf_free(&got[i]);
  }
  if (heard_score(&h) < 1)
    gr_say(c,
           "%d clients connected at once, %d of them each said a line or "
           "two: %d of %d lines arrived whole where they should%s.",
           N, AUTHORS, h.good, h.want, heard_extra(&h, extra, sizeof extra));
  if (complete < N)
    gr_say_waited(c, waited, 6);
  gr_score(c, heard_score(&h));
  talk_free(&t);
}

/* What a part of a test said since mark gets a heading that says what the
 * part was. */
static void
heading(struct gr_ctx *c, size_t mark, const char *what)
{
  char *said = strdup(c->feedback.s ? c->feedback.s + mark : "");

  c->feedback.len = mark;
  gr_buf_printf(&c->feedback, "%s:\n%s", what, said ? said : "");
  free(said);
}

/* One of the five parts of partial_lines ended: when it failed, what it
 * said since mark gets a heading. */
static double
part_done(struct gr_ctx *c, size_t mark, int ok, const char *what,
          const int *fds)
{
  char junk[4096];

  if (ok)
    return 0.2;
  heading(c, mark, what);
  for (int i = 0; i < 3; i++) /* leftovers of this part, not the next's */
    quiet(c, fds[i], 100, junk, sizeof junk);
  return 0;
}

static void
partial_lines(struct gr_ctx *c)
{
  int port = gr_port(c), fds[3], a, b, r;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  char *l1, *l2, early[512], shown[600];
  size_t cut1, cut2, n;
  double score = 0;
  size_t mark;
  int ok;

  if (!join(c, srv, port, fds, 0, 3))
    return;
  a = fds[0];
  b = fds[1];
  r = fds[2];
  nodelay(a);
  nodelay(b);

  /* Several lines in one write arrive as several lines. */
  mark = c->feedback.len;
  l1 = lines_of(c, 0, 3);
  say_on(a, l1);
  ok = hear(c, r, "A client", l1) & hear(c, b, "A client", l1);
  score += part_done(c, mark, ok, "Three lines in one write", fds);
  free(l1);

  /* A piece is held until its newline comes. */
  mark = c->feedback.len;
  l1 = lines_of(c, 0, 1);
  cut1 = 3 + gr_rand(c, strlen(l1) - 5);
  sl_send(a, l1, cut1, 0);
  n = quiet(c, r, 300, early, sizeof early);
  if (n > 0)
    gr_say(c,
           "A client sent \"%.*s\" without its newline; your server sent "
           "\"%s\" on before the rest of the line came.",
           (int)cut1, l1, visible(early, n, shown, sizeof shown));
  say_on(a, l1 + cut1);
  ok = n == 0 && hear(c, r, "A client", l1) && hear(c, b, "A client", l1);
  score += part_done(c, mark, ok, "A line in two pieces, 300 ms apart", fds);
  free(l1);

  /* Two authors' pieces interleave; each line still arrives whole. */
  mark = c->feedback.len;
  l1 = lines_of(c, 0, 1);
  l2 = lines_of(c, 1, 1);
  cut1 = 3 + gr_rand(c, strlen(l1) - 5);
  cut2 = 3 + gr_rand(c, strlen(l2) - 5);
  sl_send(a, l1, cut1, 0);
  n = quiet(c, r, 100, early, sizeof early);
  sl_send(b, l2, cut2, 0);
  n += quiet(c, r, 100, early + n, sizeof early - n);
  if (n > 0)
    gr_say(c,
           "Two clients had each sent half a line; your server sent \"%s\" "
           "on before either line was complete.",
           visible(early, n, shown, sizeof shown));
  say_on(a, l1 + cut1);
  ok = n == 0 && hear(c, r, "The third client", l1);
  say_on(b, l2 + cut2);
  ok = ok && hear(c, r, "The third client", l2) &&
       hear(c, a, "The first client", l2) &&
       hear(c, b, "The second client", l1);
  score += part_done(c, mark, ok,
                     "Two clients each send half a line, then the "
                     "rest",
                     fds);
  free(l1);
  free(l2);

  /* One byte per segment, with another client's line in the middle. */
  mark = c->feedback.len;
  l1 = lines_of(c, 0, 1);
  l2 = lines_of(c, 1, 1);
  cut1 = strlen(l1) / 2;
  for (size_t i = 0; i < cut1; i++) {
    sl_send(a, l1 + i, 1, 0);
    usleep(2000);
  }
  say_on(b, l2);
  ok = hear(c, r, "The third client", l2);
  for (size_t i = cut1; i < strlen(l1); i++) {
    sl_send(a, l1 + i, 1, 0);
    usleep(2000);
  }
  ok = ok && hear(c, r, "The third client", l1) &&
       hear(c, b, "The second client", l1) &&
       hear(c, a, "The first client", l2);
  score += part_done(c, mark, ok,
                     "A line sent one byte at a time, another client's "
                     "line in the middle",
                     fds);
  free(l1);
  free(l2);

  /* A write that ends in the middle of the next line. */
  mark = c->feedback.len;
  l1 = lines_of(c, 0, 2);
  cut2 = strchr(l1, '\n') + 1 - l1; /* the first line */
  cut1 = cut2 + 3 + gr_rand(c, strlen(l1) - cut2 - 5);
  sl_send(a, l1, cut1, 0);
  {
    char first[256];
    snprintf(first, sizeof first, "%.*s", (int)cut2, l1);
    ok = hear(c, r, "A client", first);
  }
  n = quiet(c, r, 200, early, sizeof early);
  if (n > 0)
    gr_say(c,
           "A write ended in the middle of a line: your server sent \"%s\" "
           "on before that line's newline came.",
           visible(early, n, shown, sizeof shown));
  say_on(a, l1 + cut1);
  ok = ok && n == 0 && hear(c, r, "A client", l1 + cut2) &&
       hear(c, b, "A client", l1);
  score +=
      part_done(c, mark, ok, "One write of a line and half of the next", fds);
  free(l1);
  gr_score(c, score);
}

/* A silent client must not keep the others waiting: the test that tells
 * a concurrent server from one that serves a client at a time. */
static void
serves_while_another_is_silent(struct gr_ctx *c)
{
  int port = gr_port(c), fds[3];
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  char *l1 = lines_of(c, 1, 1), *l2 = lines_of(c, 2, 1);
  double score = 0;

  fds[0] = gr_connect(c, port); /* connected, and says nothing */
  if (accepted(c, srv, port, 1, gr_patience(c, 2)) < 1 ||
      !join(c, srv, port, fds, 1, 3)) {
    gr_say(c, "(The first client was connected and silent.)");
    goto out;
  }
  say_on(fds[1], l1);
  if (hear(c, fds[2], "With a silent client connected, the third client", l1))
    score += 0.5;
  say_on(fds[2], l2);
  if (hear(c, fds[1], "With a silent client connected, the second client", l2))
    score += 0.5;
  if (score < 1) {
    char where[96];
    gr_where(srv, where, sizeof where);
    if (where[0])
      gr_say(c,
             "Your chat_server was in %s: does it wait for one client "
             "(sl_readline, a blocking recv) instead of polling all?",
             where);
  }
  gr_score(c, score);
out:
  free(l1);
  free(l2);
}

/* ---- a client that stops reading ----------------------------------------- */

/* A connection of the grader's with the smallest receive buffer the stack
 * allows, set before connect(): after it, the window already offered
 * could not shrink. */
static int
connect_small(struct gr_ctx *c, int port)
{
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
  struct addrinfo *ai = NULL;
  char p[16];
  int fd = -1;

  if (sl_getaddrinfo(gr_host(c), gr_itoa(port, p, sizeof p), &hints, &ai) ==
      0) {
    fd = sl_socket(AF_INET, SOCK_STREAM, 0);
    sl_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){1}, sizeof(int));
    if (fd >= 0 && sl_connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
      sl_close(fd);
      fd = -1;
    }
    freeaddrinfo(ai);
  }
  if (fd < 0) {
    gr_say(c, "The grader could not connect to your server: %s.",
           sl_strerror());
    gr_end(c);
  }
  return fd;
}

static long
sysctl_long(const char *path, int field)
{
  FILE *f = fopen(path, "r");
  long v = 0;

  for (int i = 0; f != NULL && i <= field; i++)
    if (fscanf(f, "%ld", &v) != 1)
      v = 0;
  if (f != NULL)
    fclose(f);
  return v;
}

/* The most a server can hold back for a client that reads nothing: the
 * server's send buffer and that client's receive buffer (rcvbuf).  The
 * kernel grows a send buffer up to tcp_wmem's maximum, and SO_SNDBUF may
 * ask for twice wmem_max; socklab's stack keeps 64 KiB unless asked, and
 * a client it runs that is stopped takes nothing at all. */
static size_t
held_back_at_most(struct gr_ctx *c, size_t rcvbuf)
{
  long snd = 65536, core;

  if (c->stack == GR_KERNEL) {
    snd = sysctl_long("/proc/sys/net/ipv4/tcp_wmem", 2);
    core = 2 * sysctl_long("/proc/sys/net/core/wmem_max", 0);
    snd = snd > core ? snd : core;
    if (snd <= 0)
      snd = 4 << 20; /* Linux's default tcp_wmem maximum */
  }
  return (size_t)snd + rcvbuf;
}

/* Bytes that reader r should have heard of what the talkers sent so far,
 * and has not yet (a server that sends lines back to their author sends
 * more). */
static size_t
in_flight(const struct talk *t, const size_t *sent, const struct peer *pe,
          int r)
{
  size_t n = 0, heard = peer_heard(&pe[r]);

  for (int a = 1; a < t->n; a++)
    if (a != r)
      n += sent[a];
  return n > heard ? n - heard : 0;
}

/* The talkers of t say what they said, a piece at a time and without
 * waiting, while pe[1..] listen; pe[0] reads nothing.  Ends when each has
 * heard what it should (1), when nothing moved for stall seconds, a room
 * stuck behind one client (0), or when the server closed connection i of
 * the others (-i).  *moved: the bytes the others received.
 * The talkers keep at most FLOOD_AHEAD bytes on the way to each of the
 * others, as people wait for an answer: a server may drop a client whose
 * send buffer is full (socklab's holds 64 KiB), and the grader, slowed by
 * a busy machine, must not be that client. */
enum { FLOOD_AHEAD = 32 * 1024 };

static int
flood(struct gr_ctx *c, struct peer *pe, const struct talk *t, double stall,
      size_t *moved)
{
  size_t sent[MAX_PEERS] = {0}, len[MAX_PEERS], want[MAX_PEERS], was = 0;
  int64_t last = now_ms();

  for (int i = 1; i < t->n; i++) {
    len[i] = t->said[i] ? strlen(t->said[i]) : 0;
    want[i] = to_hear(t, i);
  }
  for (;;) {
    struct pollfd p[MAX_PEERS];
    size_t ahead = 0;
    int done = 1, np = 0;
    *moved = 0;
    for (int i = 1; i < t->n; i++) {
      size_t f = in_flight(t, sent, pe, i);
      ahead = f > ahead ? f : ahead;
      *moved += peer_heard(&pe[i]);
      done &= sent[i] == len[i] && peer_heard(&pe[i]) >= want[i];
    }
    if (*moved > was) {
      was = *moved;
      last = now_ms();
    }
    if (done)
      return 1;
    if (now_ms() - last > (int64_t)(stall * 1000) || gr_left_ms(c) <= 0)
      return 0;
    for (int i = 1; i < t->n; i++) {
      size_t n = len[i] - sent[i];
      if (ahead < FLOOD_AHEAD && n > 0) {
        n = peer_say(&pe[i], t->said[i] + sent[i],
                     n < FLOOD_AHEAD - ahead ? n : FLOOD_AHEAD - ahead);
        sent[i] += n;
        ahead += n;
      }
      if (!peer_listen(&pe[i]))
        return -i;
      if (pe[i].p == NULL)
        p[np++] = (struct pollfd){.fd = pe[i].fd, .events = POLLIN};
    }
    if (np > 0)
      sl_poll(p, (nfds_t)np, 10);
    else
      usleep(10000);
  }
}

/* A flood that did not end complete: what that looks like. */
static void
say_stuck(struct gr_ctx *c, struct gr_proc *srv, const struct talk *t, int end,
          size_t volume, size_t moved, double stall)
{
  char where[96], how[200];

  if (!gr_running(srv)) {
    gr_exit_text(srv, how, sizeof how);
    gr_say(c, "While one client read nothing, your chat_server %s.", how);
    gr_show_stderr(c, srv);
    return;
  }
  if (end < 0) {
    gr_say(c,
           "While one client read nothing, your chat_server closed the "
           "connection of c%02d, which was reading all along.  Drop the "
           "client that does not read, not the others.",
           -end);
    return;
  }
  gr_where(srv, where, sizeof where);
  gr_say(c,
         "One client stopped reading while two others talked (%zu bytes, "
         "more than its buffers and the server's hold).  The three others "
         "had received %zu of the %zu bytes they should when nothing more "
         "came for %.1f s%s%s.",
         volume, moved, to_hear(t, 1) + to_hear(t, 2) + to_hear(t, 3), stall,
         where[0] ? ": your chat_server was in " : "", where);
  if (strstr(where, "send") != NULL || strstr(where, "write") != NULL)
    gr_say(c, "A blocking send to a client that does not read waits for "
              "ever once its buffers are full, and the whole room with it: "
              "newcomers are not even accepted.");
  else
    gr_say(c, "The room waited for the client that does not read.");
  gr_say(c, "Send with MSG_DONTWAIT and drop that client on EAGAIN (or keep "
            "what it has not taken, poll for POLLOUT, and go on serving the "
            "others).");
  gr_say_waited(c, stall, 3);
}

/* The others of a room whose pe[0] stopped reading talk more than it and
 * the server can hold: 1 when they all heard every line, whole, and none
 * that should not have come (less when some were wrong), 0 when the room
 * got stuck. */
static double
others_keep_hearing(struct gr_ctx *c, struct gr_proc *srv, struct peer *pe,
                    size_t rcvbuf)
{
  enum { N = 4 }; /* 0 stops reading, 1 and 2 talk, 3 listens */
  struct talk t = {.n = N};
  struct heard h = {0};
  char extra[160];
  size_t volume = held_back_at_most(c, rcvbuf) * 5 / 4 + 65536, moved = 0;
  size_t each = volume / 2 / 105 + 1; /* lines of 105 bytes on average */
  double stall = gr_patience(c, 3);
  int end;

  t.said[1] = long_lines_of(c, 1, (int)each, 200);
  t.said[2] = long_lines_of(c, 2, (int)each, 200);
  if ((end = flood(c, pe, &t, stall, &moved)) != 1) {
    say_stuck(c, srv, &t, end, volume, moved, stall);
    talk_free(&t);
    return 0;
  }
  check_peers(c, &t, pe, 1, &h);
  if (heard_score(&h) < 1)
    gr_say(c,
           "While one client read nothing, %d of the %d lines the others "
           "should have heard arrived whole%s.",
           h.good, h.want, heard_extra(&h, extra, sizeof extra));
  talk_free(&t);
  return heard_score(&h);
}

/* On the kernel's stack, the grader's own connections: one with the
 * smallest receive buffer hears a line and reads no more; two talk, one
 * listens; then a newcomer says a line (it is in the room once the
 * others hear it) and hears one. */
static double
stops_reading_kernel(struct gr_ctx *c)
{
  enum { N = 4 };
  int port = gr_port(c), fds[N], fd, rcvbuf = 0;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  struct peer pe[N] = {{0}};
  char *first = lines_of(c, 1, 1), *l4 = lines_of(c, 4, 1);
  char *l1 = lines_of(c, 1, 1);
  socklen_t len = sizeof rcvbuf;
  double score = 0;

  fds[0] = connect_small(c, port);
  if (!all_accepted(c, srv, port, 1) || !join(c, srv, port, fds, 1, N))
    goto out;
  say_on(fds[1], first);
  if (!hear(c, fds[0], "A client", first) ||
      !hear(c, fds[2], "A client", first) ||
      !hear(c, fds[3], "A client", first))
    goto out;
  for (int i = 0; i < N; i++)
    pe[i].fd = fds[i];
  sl_getsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
  score = 0.5 * others_keep_hearing(c, srv, pe, (size_t)rcvbuf);
  if (score == 0)
    goto out;
  fd = gr_connect(c, port);
  say_on(fd, l4);
  if (hear(c, fds[2], "With a client that reads nothing, another", l4) &&
      hear(c, fds[3], "With a client that reads nothing, another", l4)) {
    say_on(fds[1], l1);
    if (hear(c, fd, "A client that joined after one stopped reading", l1) &&
        hear(c, fds[3], "With a client that reads nothing, another", l1))
      score += 0.5;
  } else {
    gr_say(c, "(That line came from a client that joined after the one "
              "that stopped reading.)");
  }
out:
  for (int i = 0; i < N; i++)
    gr_buf_free(&pe[i].got);
  gr_stop(srv);
  free(first);
  free(l1);
  free(l4);
  return score;
}

/* Did p's output grow by exactly want from base within seconds? */
static int
printed_after(struct gr_ctx *c, struct gr_proc *p, size_t base,
              const char *want, double seconds)
{
  struct peer pe = {.fd = -1, .p = p, .base = base};
  int64_t until = now_ms() + (int64_t)(seconds * 1000);
  char *text;
  int same;

  while (peer_heard(&pe) < strlen(want) && now_ms() < until &&
         gr_left_ms(c) > 0)
    usleep(20000);
  text = peer_text(&pe);
  same = text != NULL && strcmp(text, want) == 0;
  free(text);
  return same;
}

/* Did p print exactly want within seconds (a gr_patience())? */
static int
printed(struct gr_ctx *c, struct gr_proc *p, const char *want, double seconds)
{
  return printed_after(c, p, 0, want, seconds);
}

/* On socklab's stack, reference chat_clients: one is stopped (SIGSTOP),
 * and with it its stack, which then acknowledges nothing; two talk, one
 * listens; then a newcomer. */
static double
stops_reading_socklab(struct gr_ctx *c)
{
  enum { N = 4 };
  struct gr_proc *srv, *cl[N + 1] = {NULL};
  struct peer pe[N] = {{0}};
  char *first, *l1, *l4, p[16];
  const char *argv[3];
  double score = 0, waited;
  int port;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  argv[0] = gr_host(c);
  argv[1] = gr_itoa(port, p, sizeof p);
  argv[2] = NULL;
  first = lines_of(c, 1, 1);
  l1 = lines_of(c, 1, 1);
  l4 = lines_of(c, 4, 1);
  srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  if (!join_programs(c, GR_REF, srv, port, cl, N))
    goto out;
  gr_feed(cl[1], first, strlen(first));
  waited = gr_patience(c, 6);
  if (!printed(c, cl[0], first, waited) || !printed(c, cl[2], first, waited) ||
      !printed(c, cl[3], first, waited)) {
    gr_say(c, "Four reference chat_clients; a line from one did not reach "
              "the others (the other tests say more).");
    gr_say_waited(c, waited, 6);
    goto out;
  }
  kill(cl[0]->pid, SIGSTOP);
  for (int i = 0; i < N; i++) {
    pe[i] =
        (struct peer){.fd = -1, .p = cl[i], .base = file_size(cl[i]->out_path)};
    fcntl(cl[i]->stdin_fd, F_SETFL, O_NONBLOCK);
  }
  score = 0.5 * others_keep_hearing(c, srv, pe, 65536);
  if (score == 0)
    goto out;
  for (int i = 1; i < N; i++) /* the lines of the newcomer's part */
    pe[i].base = file_size(cl[i]->out_path);
  cl[N] = gr_start(c, GR_REF, "chat_client", argv);
  gr_feed(cl[N], l4, strlen(l4));
  waited = gr_patience(c, 6);
  if (printed_after(c, cl[2], pe[2].base, l4, waited) &&
      printed_after(c, cl[3], pe[3].base, l4, waited)) {
    gr_feed(cl[1], l1, strlen(l1));
    if (printed(c, cl[N], l1, waited) &&
        printed_after(c, cl[3], pe[3].base + strlen(l4), l1, waited))
      score += 0.5;
    else
      gr_say(c, "A reference chat_client that joined after one stopped "
                "reading did not print a line another said then.");
  } else {
    gr_say(c, "A line from a reference chat_client that joined after one "
              "stopped reading did not reach the others.");
  }
  if (score < 1)
    gr_say_waited(c, waited, 6);
out:
  if (cl[0] != NULL)
    kill(cl[0]->pid, SIGCONT);
  free(first);
  free(l1);
  free(l4);
  return score;
}

/* A client that stops reading must not stop the room: once its buffers
 * are full, a blocking send to it waits for a reader that never comes,
 * and every other client -- and every newcomer -- waits with it.  On both
 * stacks, for their buffers differ: the kernel's grows a send buffer to
 * megabytes, socklab's keeps 64 KiB. */
static void
client_stops_reading(struct gr_ctx *c)
{
  size_t mark = c->feedback.len;
  double score = stops_reading_kernel(c);

  if (score < 1)
    heading(c, mark,
            "On the kernel's stack (a connection of the grader's "
            "stopped reading)");
  gr_score(c, score / 2); /* kept should the next part end the test */
  mark = c->feedback.len;
  score += stops_reading_socklab(c);
  if (score < 2 && c->feedback.len > mark)
    heading(c, mark,
            "On socklab's stack (a reference chat_client was "
            "stopped with SIGSTOP)");
  gr_score(c, score / 2);
}

/* Waits up to seconds (more on a loaded machine) until srv holds at most
 * n connections on port (or exits); 1 when it does. */
static int
dropped_to(struct gr_ctx *c, struct gr_proc *srv, int port, int n,
           double seconds)
{
  int64_t until = now_ms() + (int64_t)(gr_patience(c, seconds) * 1000);

  for (;;) {
    if (!gr_running(srv))
      return 0;
    if (gr_count_state(c, srv, "ESTABLISHED", port) <= n)
      return 1;
    if (now_ms() >= until || gr_left_ms(c) <= 0)
      return 0;
    usleep(20000);
  }
}

/* Says that the server died of a client's reset; 1 when it did. */
static int
died_of_reset(struct gr_ctx *c, struct gr_proc *srv, const char *which)
{
  char how[200];

  if (gr_running(srv))
    return 0;
  gr_exit_text(srv, how, sizeof how);
  gr_say(c,
         "%s reset its connection (SO_LINGER 0, then close: an RST), and "
         "your chat_server %s.  sl_recv then fails with ECONNRESET, and a "
         "send to that client with EPIPE or ECONNRESET: either ends this "
         "client, not the room.  Close it, remove it from the poll set, "
         "carry on.",
         which, how);
  gr_show_stderr(c, srv);
  return 1;
}

static void
reset(int fd)
{
  struct linger lg = {1, 0};

  sl_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  sl_close(fd); /* an RST, not a FIN */
}

/* Hard resets: one client right after it spoke, one with a line unread.
 * The server drops each and the others carry on. */
static void
survives_reset(struct gr_ctx *c)
{
  int port = gr_port(c), fds[3];
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  char *l0 = lines_of(c, 0, 1), *l1 = lines_of(c, 1, 1);
  char *l2 = lines_of(c, 2, 1), *l3 = lines_of(c, 2, 1);
  double score = 0;

  if (!join(c, srv, port, fds, 0, 3))
    goto out;
  say_on(fds[0], l0);
  if (!hear(c, fds[1], "A client", l0) || !hear(c, fds[2], "A client", l0))
    goto out;
  reset(fds[0]);
  dropped_to(c, srv, port, 2, 1);
  usleep(100000); /* for the server to see the reset */
  if (died_of_reset(c, srv, "A client"))
    goto out;
  say_on(fds[1], l1);
  if (hear(c, fds[2], "After a reset, another client", l1))
    score += 0.5;
  gr_score(c, score); /* kept should a later step end the test */

  /* A newcomer gets a line, does not read it, and resets: the server may
   * send to it (and fail) before its recv fails. */
  fds[0] = gr_connect(c, port);
  if (!all_accepted(c, srv, port, 3))
    goto done;
  say_on(fds[2], l2);
  if (!hear(c, fds[1], "A client", l2))
    goto done;
  usleep(50000);
  reset(fds[0]);
  say_on(fds[2], l3);
  dropped_to(c, srv, port, 2, 1);
  usleep(100000);
  if (died_of_reset(c, srv, "A client with a line still unread"))
    goto done;
  if (hear(c, fds[1], "After a second reset, another client", l3))
    score += 0.5;
done:
  gr_score(c, score);
out:
  free(l0);
  free(l1);
  free(l2);
  free(l3);
}

/* A client that says goodbye and closes normally is closed and dropped. */
static void
client_leaves(struct gr_ctx *c)
{
  int port = gr_port(c), fds[3], close_wait = 0;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  char *bye = lines_of(c, 0, 1), *l1 = lines_of(c, 1, 1);
  double score = 0, waited;
  int64_t until;

  if (!join(c, srv, port, fds, 0, 3))
    goto out;
  say_on(fds[0], bye);
  if (!hear(c, fds[1], "A client", bye) || !hear(c, fds[2], "A client", bye))
    goto out;
  sl_close(fds[0]); /* nothing unread: a FIN */
  waited = gr_patience(c, 2);
  until = now_ms() + (int64_t)(waited * 1000);
  do {
    usleep(20000);
    close_wait = gr_count_state(c, srv, "CLOSE_WAIT", port);
  } while (close_wait > 0 && now_ms() < until);
  if (!gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c, "A client closed its connection, and your chat_server %s.", how);
    gr_show_stderr(c, srv);
    goto out;
  }
  if (close_wait == 0)
    score += 0.5;
  else {
    gr_say(c, "A client closed its connection; 2 s later your chat_server "
              "still held it in CLOSE_WAIT: sl_recv returned 0 (end of file) "
              "and the server never called sl_close() on that socket.");
    gr_say_waited(c, waited, 2);
    gr_netstat_excerpt(c, port);
  }
  say_on(fds[1], l1);
  if (hear(c, fds[2], "After a client left, another client", l1))
    score += 0.5;
  gr_score(c, score);
out:
  free(bye);
  free(l1);
}

/* Clients that come and go leave nothing behind in the server. */
static void
no_leaks(struct gr_ctx *c)
{
  enum { WAVE = 12, ONE_BY_ONE = 6 };
  int port = gr_port(c), fds[WAVE], before, after = 0, close_wait = 0;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  double wait_eof = 1, waited;
  int64_t until;

  before = gr_open_fds(srv);
  /* A dozen at once, silent, then all gone. */
  for (int i = 0; i < WAVE; i++)
    fds[i] = gr_connect(c, port);
  accepted(c, srv, port, WAVE, gr_patience(c, 1));
  for (int i = 0; i < WAVE; i++)
    sl_close(fds[i]);
  /* Then one by one: a line, the end of its sending side, and the
   * server's close seen as end of file. */
  for (int i = 0; i < ONE_BY_ONE; i++) {
    char back[256];
    int fd = gr_connect(c, port);
    say_on(fd, "just passing through\n");
    sl_shutdown(fd, SHUT_WR);
    if (gr_recv_all(c, fd, back, sizeof back, wait_eof) == sizeof back)
      wait_eof = 0.2;
    sl_close(fd);
  }
  waited = gr_patience(c, 2);
  until = now_ms() + (int64_t)(waited * 1000);
  do {
    usleep(20000);
    after = gr_open_fds(srv);
    close_wait = gr_count_state(c, srv, "CLOSE_WAIT", port);
  } while ((close_wait > 0 || after > before) && now_ms() < until);
  if (close_wait == 0 && after <= before) {
    gr_score(c, 1);
    return;
  }
  if (close_wait > 0)
    gr_say(c,
           "After %d clients came and went, your chat_server holds %d "
           "connection%s in CLOSE_WAIT: the client closed, sl_recv "
           "returned 0, and the server never called sl_close().",
           WAVE + ONE_BY_ONE, close_wait, close_wait == 1 ? "" : "s");
  if (after > before)
    gr_say(c,
           "Your chat_server had %d descriptors open before %d clients "
           "came and went, and %d after.",
           before, WAVE + ONE_BY_ONE, after);
  gr_say_waited(c, waited, 2);
  gr_netstat_excerpt(c, port);
}

static void
no_busy_loop(struct gr_ctx *c)
{
  int port = gr_port(c), fds[5];
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  double cpu, running;

  for (int i = 0; i < 5; i++)
    fds[i] = gr_connect(c, port);
  accepted(c, srv, port, 5, gr_patience(c, 1));
  say_on(fds[0], "half a li"); /* and then nobody says anything */
  usleep(100000);
  running = watch_idle(srv, 1500, &cpu);
  if (running <= 0.5 && cpu < 0.5) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "With 5 clients connected and silent for 1.5 s, your chat_server "
         "was running in %.0f%% of the grader's looks and used %.2f s of "
         "CPU: a loop that never sleeps.  Call sl_poll with timeout -1, so "
         "that it blocks until a client or the listener is ready.",
         running * 100, cpu);
}

/* On socklab's stack, a chat_client killed with SIGKILL: the hub answers
 * for the dead process with a reset, as a kernel would. */
static void
killed_client_on_socklab_stack(struct gr_ctx *c)
{
  struct gr_proc *srv, *cl[3];
  struct gr_buf both = {0};
  char *l0, *l1, *out;
  int port, dropped;
  double waited;
  int64_t until;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  l0 = lines_of(c, 0, 1);
  l1 = lines_of(c, 1, 1);
  srv = gr_server(c, GR_STUDENT, "chat_server", port, NULL, 0);
  if (!join_programs(c, GR_REF, srv, port, cl, 3))
    goto out;
  gr_feed(cl[0], l0, strlen(l0));
  waited = gr_patience(c, 6);
  if (!printed(c, cl[1], l0, waited) || !printed(c, cl[2], l0, waited)) {
    gr_say(c, "Three reference chat_clients on socklab's stack; before any "
              "was killed, a line from the first did not reach both others "
              "(the other tests say more).");
    gr_say_waited(c, waited, 6);
    gr_netstat_excerpt(c, port);
    goto out;
  }
  kill(cl[0]->pid, SIGKILL);
  gr_wait(c, cl[0], 2);
  until = now_ms() + (int64_t)(gr_patience(c, 2) * 1000);
  do {
    usleep(20000);
    dropped = gr_count_state(c, srv, "ESTABLISHED", port) <= 2;
  } while (!dropped && gr_running(srv) && now_ms() < until);
  if (!gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c,
           "A chat_client was killed (SIGKILL); the hub reset its "
           "connection, and your chat_server %s.  One client's reset must "
           "not end the room.",
           how);
    gr_show_stderr(c, srv);
    goto out;
  }
  gr_feed(cl[1], l1, strlen(l1));
  gr_buf_add(&both, l0, strlen(l0));
  gr_buf_add(&both, l1, strlen(l1));
  waited = gr_patience(c, 6);
  if (printed(c, cl[2], both.s, waited)) {
    gr_score(c, dropped ? 1 : 0.5);
  } else {
    out = gr_slurp(cl[2]->out_path, NULL);
    gr_compare_lines(c, both.s, out,
                     "what a client printed after another was killed");
    gr_say_waited(c, waited, 6);
    free(out);
  }
  if (!dropped) {
    gr_say(c, "2 s after the reset your chat_server still held the "
              "killed client's connection as ESTABLISHED.");
    gr_netstat_excerpt(c, port);
  }
out:
  gr_buf_free(&both);
  free(l0);
  free(l1);
}

static const struct gr_test tests[] = {
    {"server_with_reference_clients",
     "your chat_server with 4 reference chat_clients, all talking", 3,
     GR_VISIBLE, 20, server_with_reference_clients},
    {"client_with_reference_server",
     "your chat_client sends its input and exits at its end", 2, GR_VISIBLE, 20,
     client_with_reference_server},
    {"client_prints_while_idle",
     "your chat_client prints what others say while its stdin is silent", 2,
     GR_VISIBLE, 20, client_prints_while_idle},
    {"client_with_your_server", "3 of your chat_clients with your chat_server",
     1, GR_VISIBLE, 20, client_with_your_server},
    {"many_clients",
     "40 clients at once: every line to every other client, not its author", 3,
     GR_VISIBLE, 25, many_clients},
    {"partial_lines", "lines that arrive in pieces are sent on whole", 2,
     GR_VISIBLE, 20, partial_lines},
    {"serves_while_another_is_silent",
     "clients are served while another is connected and silent", 2, GR_VISIBLE,
     20, serves_while_another_is_silent},
    {"client_stops_reading",
     "a client that stops reading does not stop the others or newcomers", 2,
     GR_VISIBLE, 40, client_stops_reading},
    {"survives_reset", "clients that reset are dropped, the others carry on", 2,
     GR_HIDDEN, 20, survives_reset},
    {"client_leaves", "a client that closes is closed and dropped", 1,
     GR_HIDDEN, 20, client_leaves},
    {"no_leaks", "no CLOSE_WAIT and no leaked descriptors after 18 clients", 1,
     GR_HIDDEN, 20, no_leaks},
    {"no_busy_loop", "no busy loop while clients are silent", 1, GR_HIDDEN, 15,
     no_busy_loop},
    {"fifty_reference_clients", "50 reference chat_clients at once", 2,
     GR_HIDDEN, 30, fifty_reference_clients},
    {"killed_client_on_socklab_stack",
     "a killed client on socklab's stack (the hub resets it)", 1, GR_HIDDEN, 20,
     killed_client_on_socklab_stack},
};

const struct gr_lab gr_lab07 = {"lab07", "lab07-concurrent-server", programs,
                                tests, sizeof tests / sizeof *tests};
