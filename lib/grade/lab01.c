/* lab01-udp: udp_server PORT (every datagram back to its sender, same
 * bytes, same boundaries, forever) and udp_client HOST PORT (a datagram per
 * line, the reply or "(no reply)" or "(refused)", then "sent N, received
 * M").  labs/README.md has the interface. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade/grade.h"
#include "socklab.h"

static const char *const programs[] = {"udp_server", "udp_client", NULL};

/* Words of one length: lines made of them keep every datagram as long as
 * the one before, so a test about something else does not also catch a
 * server that echoes stale bytes (datagram_boundaries does that). */
static const char words6[][7] = {"socket", "listen", "accept", "window",
                                 "stream", "header", "sender", "buffer"};

/* ---- helpers ------------------------------------------------------------- */

/* The grader's own UDP socket, connected to port on the test's stack. */
static int
udp_peer(struct gr_ctx *c, int port)
{
  char p[16];
  int fd = sl_udp_connect(gr_host(c), gr_itoa(port, p, sizeof p));

  if (fd < 0) {
    gr_say(c, "grader error: sl_udp_connect: %s.", sl_strerror());
    gr_end(c);
  }
  return fd;
}

/* Waits up to ms for one datagram on fd: its length, or -1 when none came
 * (or the socket reported an error). */
static ssize_t
recv_within(int fd, void *buf, size_t len, int ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};

  if (sl_poll(&p, 1, ms) <= 0)
    return -1;
  return sl_recv(fd, buf, len, 0);
}

/* Bytes for people: "ab\0c" becomes "\"ab\\0c\" (4 bytes)", cut after 40
 * bytes. */
static const char *
show_bytes(const void *data, size_t n, char *out, size_t len)
{
  size_t o;

  gr_quote(data, n, 40, out, len);
  o = strlen(out);
  snprintf(out + o, len - o, " (%zu byte%s)", n, n == 1 ? "" : "s");
  return out;
}

/* Lines of seeded text (gr_lines), with an empty line somewhere inside. */
static char *
lines_with_empty(struct gr_ctx *c, int n)
{
  char *lines = gr_lines(c, n, 100), *out, *p = lines;
  size_t len = strlen(lines);
  uint64_t at = 1 + gr_rand(c, (uint64_t)n - 1); /* after line `at` */

  for (uint64_t i = 0; i < at; i++)
    p = strchr(p, '\n') + 1;
  out = malloc(len + 2);
  memcpy(out, lines, (size_t)(p - lines));
  out[p - lines] = '\n';
  memcpy(out + (p - lines) + 1, p, len - (size_t)(p - lines) + 1);
  free(lines);
  return out;
}

/* "sent N, received M\n" added to the lines. */
static char *
with_summary(const char *lines, int sent, int received)
{
  struct gr_buf b = {0};

  gr_buf_add(&b, lines, strlen(lines));
  gr_buf_printf(&b, "sent %d, received %d\n", sent, received);
  return b.s;
}

static int
count_lines(const char *s)
{
  int n = 0;

  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* The lines through who's server and who's client; the client's output
 * must be the lines, then the summary. */
static void
echo_through(struct gr_ctx *c, enum gr_who server, enum gr_who client,
             const char *lines, double seconds)
{
  int port = gr_port(c), n = count_lines(lines);
  char *want = with_summary(lines, n, n), *out;
  const char *what;
  struct gr_proc *srv, *cl;

  srv = gr_server(c, server, "udp_server", port, NULL, 1);
  if (!gr_client(c, client, "udp_client", port, NULL, lines, strlen(lines),
                 seconds, &cl)) {
    free(want);
    return;
  }
  out = gr_slurp(cl->out_path, NULL);
  what = client == GR_STUDENT ? "what your udp_client printed"
                              : "what came back from your udp_server";
  gr_score(c, gr_data_score(c, gr_compare_lines(c, want, out, what)));
  if (c->score < 1 && server == GR_STUDENT && !gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c, "%s %s; it should serve forever.", srv->label, how);
    gr_show_stderr(c, srv);
  }
  gr_want_exit_0(c, cl);
  free(want);
  free(out);
}

/* ---- the tests ----------------------------------------------------------- */

static void
server_with_reference_client(struct gr_ctx *c)
{
  char *lines = lines_with_empty(c, 20);

  echo_through(c, GR_STUDENT, GR_REF, lines, 15);
  if (c->score < 1)
    gr_say(c, "Each line is one datagram (the empty line an empty one); "
              "the reference client prints each reply as it came.");
  free(lines);
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  char *lines = lines_with_empty(c, 20);

  echo_through(c, GR_REF, GR_STUDENT, lines, 15);
  free(lines);
}

/* What one datagram of datagram_boundaries is. */
struct dgram {
  const char *what;
  unsigned char *data;
  size_t len;
};

static void
fill_text(struct gr_ctx *c, unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)('a' + gr_rand(c, 26));
}

/* Back to back, without waiting for replies: a long datagram, a short one,
 * an empty one, bytes that are not text (with a '\0' inside), a big one
 * and a single byte.  Each must come back as it went. */
static void
datagram_boundaries(struct gr_ctx *c)
{
  enum { N = 6 };
  static unsigned char reply[N][65536];
  struct dgram d[N] = {{"a long datagram", NULL, 0},
                       {"a short datagram after the long one", NULL, 0},
                       {"an empty datagram", NULL, 0},
                       {"bytes that are not text, a '\\0' among them", NULL, 0},
                       {"a big datagram", NULL, 0},
                       {"a single byte", NULL, 1}};
  ssize_t got[N];
  int port = gr_port(c), fd, ok = 0, nreplies = 0, shown = 0;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "udp_server", port, NULL, 1);
  char a[200], b[200];

  d[0].len = 200 + gr_rand(c, 1000); /* one after the other: seeded */
  d[1].len = 2 + gr_rand(c, 8);
  d[3].len = 16 + gr_rand(c, 48);
  d[4].len = 3000 + gr_rand(c, 5000);
  for (int i = 0; i < N; i++) {
    d[i].data = calloc(1, d[i].len + 1);
    fill_text(c, d[i].data, d[i].len);
  }
  for (size_t i = 0; i < d[3].len; i++) /* bytes 1..255 ... */
    d[3].data[i] = (unsigned char)(1 + gr_rand(c, 255));
  d[3].data[1 + gr_rand(c, d[3].len - 2)] = '\0'; /* ... and one '\0' */
  fd = udp_peer(c, port);
  for (int i = 0; i < N; i++)
    sl_send(fd, d[i].data, d[i].len, 0);
  for (nreplies = 0; nreplies < N; nreplies++)
    if ((got[nreplies] =
             recv_within(fd, reply[nreplies], sizeof reply[0], 2000)) < 0)
      break;
  sl_close(fd);
  /* Loopback keeps the order; the datagrams differ, so compare in it. */
  for (int i = 0; i < N; i++) {
    if (i < nreplies && (size_t)got[i] == d[i].len &&
        memcmp(reply[i], d[i].data, d[i].len) == 0) {
      ok++;
      continue;
    }
    if (shown++ == 0)
      gr_say(c,
             "The grader sent %d datagrams back to back. Datagram %d, %s, "
             "was %s;\nthe reply %s%s.",
             N, i + 1, d[i].what, show_bytes(d[i].data, d[i].len, a, sizeof a),
             i < nreplies ? "was " : "never came",
             i < nreplies ? show_bytes(reply[i], (size_t)got[i], b, sizeof b)
                          : "");
  }
  if (ok < N) {
    gr_say(c, "%d of %d datagrams came back unchanged (%d replies in all).", ok,
           N, nreplies);
    gr_say(c, "sl_recvfrom returns the length n of one datagram (up to "
              "65507 bytes: receive into a buffer that big); send back "
              "exactly those n bytes, not strlen(buf): the bytes are not a "
              "C string, a datagram may be empty or hold a '\\0', and the "
              "buffer still holds the tail of an earlier, longer one.");
  }
  if (!gr_running(srv)) {
    gr_exit_text(srv, a, sizeof a);
    gr_say(c,
           "%s %s; it should serve forever (an empty datagram is not an "
           "end of file: UDP has none).",
           srv->label, a);
    gr_show_stderr(c, srv);
  }
  for (int i = 0; i < N; i++)
    free(d[i].data);
  gr_score(c, gr_data_score(c, (double)ok / N));
}

static void
client_refused(struct gr_ctx *c)
{
  int port = gr_port(c), n = 3 + (int)gr_rand(c, 3); /* nothing there */
  struct gr_buf in = {0}, want = {0};
  struct gr_proc *cl;
  char *out;

  for (int i = 0; i < n; i++) {
    gr_buf_printf(&in, "to a closed port %d\n", i + 1);
    gr_buf_printf(&want, "(refused)\n");
  }
  gr_buf_printf(&want, "sent %d, received 0\n", n);
  if (gr_client(c, GR_STUDENT, "udp_client", port, NULL, in.s, in.len, 10,
                &cl)) {
    out = gr_slurp(cl->out_path, NULL);
    gr_score(c, gr_compare_lines(c, want.s, out,
                                 "what your udp_client printed for a port "
                                 "where nothing listens"));
    if (c->score < 1)
      gr_say(c, "Each datagram to that port is answered with an ICMP port "
                "unreachable, which a connected UDP socket reports as "
                "ECONNREFUSED: sl_poll returns (POLLERR), and sl_recv "
                "fails with errno ECONNREFUSED. Print \"(refused)\" and go "
                "on with the next line.");
    gr_want_exit_0(c, cl);
    free(out);
  }
  gr_buf_free(&in);
  gr_buf_free(&want);
}

/* Two clients of one server, datagrams interleaved: each must get its own
 * replies and nothing else. */
static void
two_clients(struct gr_ctx *c)
{
  enum { ROUNDS = 3 };
  int port = gr_port(c), fd[2], good = 0, shown = 0;
  const char names[2] = {'A', 'B'};

  gr_server(c, GR_STUDENT, "udp_server", port, NULL, 1);
  fd[0] = udp_peer(c, port);
  fd[1] = udp_peer(c, port);
  for (int r = 0; r < ROUNDS; r++) {
    char msg[2][64], back[2][4][64], a[160], b[160];
    int first = (int)gr_rand(c, 2), nback[2] = {0, 0}, right = 1;
    const char *w = words6[gr_rand(c, sizeof words6 / sizeof *words6)];
    for (int k = 0; k < 2; k++)
      snprintf(msg[k], sizeof msg[k], "client %c, datagram %d: %s", names[k],
               r + 1, w);
    sl_send(fd[first], msg[first], strlen(msg[first]), 0);
    sl_send(fd[!first], msg[!first], strlen(msg[!first]), 0);
    /* Until each has a reply (2 s at most: loopback takes well under a
     * millisecond), then a little longer for replies that should not
     * come. */
    for (int k = 0; k < 2; k++) {
      ssize_t n;
      while (nback[k] < 4 && (n = recv_within(fd[k], back[k][nback[k]], 63,
                                              nback[k] == 0 ? 2000 : 50)) >= 0)
        back[k][nback[k]++][n] = '\0';
    }
    for (int k = 0; k < 2; k++)
      right &= nback[k] == 1 && strcmp(back[k][0], msg[k]) == 0;
    if (right) {
      good++;
      continue;
    }
    if (shown++)
      continue;
    gr_say(c,
           "Round %d: client %c sent \"%s\", then client %c sent \"%s\" "
           "(two sockets, two ports).",
           r + 1, names[first], msg[first], names[!first], msg[!first]);
    for (int k = 0; k < 2; k++) {
      a[0] = '\0';
      for (int j = 0; j < nback[k]; j++) {
        snprintf(b, sizeof b, "%s\"%s\"", j ? ", " : "", back[k][j]);
        strncat(a, b, sizeof a - strlen(a) - 1);
      }
      gr_say(c, "Client %c received: %s.", names[k], nback[k] ? a : "nothing");
    }
    gr_say(c, "Each datagram's reply goes to the address sl_recvfrom gave "
              "for that datagram (its sender), not to an address kept from "
              "an earlier one: one server socket serves every client.");
  }
  sl_close(fd[0]);
  sl_close(fd[1]);
  if (good < ROUNDS)
    gr_say(c, "%d of %d rounds right.", good, ROUNDS);
  /* A reply that reaches the wrong client is data lost to the right one. */
  gr_score(c, gr_data_score(c, (double)good / ROUNDS));
}

/* Is summary, the line after n lines of which replies were replies,
 * "sent n, received replies"?  Says what it should be when not. */
static int
summary_ok(struct gr_ctx *c, const char *summary, int n, int replies)
{
  char want[64];

  snprintf(want, sizeof want, "sent %d, received %d", n, replies);
  if (summary != NULL && strcmp(summary, want) == 0)
    return 1;
  gr_say(c,
         "After the %d lines, the last line should be \"%s\" (%d replies "
         "were printed); it was %s%.100s%s.",
         n, want, replies, summary ? "\"" : "", summary ? summary : "missing",
         summary ? "\"" : "");
  return 0;
}

/* The grader's own echo server on fd while client p runs; it does not
 * answer the first datagram it gets (into *ignored), as a lossy network
 * would not, so that a client that waits for ever is caught whatever the
 * hub loses.  Returns 1 when p exits; 0 when p sent nothing (its trace
 * did not grow: a datagram per line, at least every second or so) for
 * idle_ms, or ran longer than limit_ms (said, with where it was, and
 * stopped). */
static int
serve_until_exit(struct gr_ctx *c, int fd, struct gr_proc *p, char *ignored,
                 size_t len, int64_t idle_ms, int64_t limit_ms)
{
  static char buf[65536];
  int64_t start = gr_left_ms(c), still_since = start;
  off_t last = -1;
  char where[96];

  ignored[0] = '\0';
  while (gr_running(p)) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    struct stat st;
    off_t size;
    ssize_t n;
    if (sl_poll(&pf, 1, 50) > 0 &&
        (n = sl_recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from,
                         &fromlen)) >= 0) {
      if (ignored[0] == '\0')
        snprintf(ignored, len, "%.*s", (int)(n < 60 ? n : 60), buf);
      else
        sl_sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
    }
    size = stat(p->trace_path, &st) == 0 ? st.st_size : 0;
    if (size != last) {
      last = size;
      still_since = gr_left_ms(c);
    }
    if (still_since - gr_left_ms(c) >= idle_ms ||
        start - gr_left_ms(c) >= limit_ms || gr_left_ms(c) <= 0)
      goto stuck;
  }
  return 1;
stuck:
  gr_where(p, where, sizeof where);
  if (still_since - gr_left_ms(c) >= idle_ms)
    gr_say(c, "%s sent nothing for %.0f s and did not finish%s%s.", p->label,
           idle_ms / 1000.0, where[0] ? ": it was still in " : "", where);
  else
    gr_say(c, "%s did not finish within %.0f s%s%s.", p->label,
           limit_ms / 1000.0, where[0] ? ": it was still in " : "", where);
  gr_stop(p);
  return 0;
}

/* The student's client on a link that loses 30% of the frames (each way)
 * on socklab's stack, against the grader's own server, which leaves one
 * datagram unanswered. */
static void
lossy_link(struct gr_ctx *c)
{
  enum { N = 10 };
  char line[N][64], *out, *p, *nl, ignored[64];
  struct gr_buf in = {0};
  struct gr_proc *cl;
  const char *argv[3];
  int port, fd, replies = 0, ok_lines = 0, shown = 0;
  char portstr[16], *summary = NULL;

  gr_use_stack(c, GR_USER, "--loss 30%");
  port = gr_port(c);
  if ((fd = sl_udp_bind(NULL, gr_itoa(port, portstr, sizeof portstr))) < 0) {
    gr_say(c, "grader error: sl_udp_bind: %s.", sl_strerror());
    return;
  }
  for (int i = 0; i < N; i++) {
    snprintf(line[i], sizeof line[i], "line %d: %s", i + 1,
             words6[gr_rand(c, sizeof words6 / sizeof *words6)]);
    gr_buf_printf(&in, "%s\n", line[i]);
  }
  argv[0] = gr_host(c);
  argv[1] = portstr;
  argv[2] = NULL;
  cl = gr_start(c, GR_STUDENT, "udp_client", argv);
  gr_feed(cl, in.s, in.len);
  gr_close_stdin(cl);
  gr_buf_free(&in);
  if (!serve_until_exit(c, fd, cl, ignored, sizeof ignored, 5000,
                        N * 1500 + 10000)) {
    gr_say(c,
           "The grader's server did not answer \"%s\" (on purpose: on "
           "a lossy network a datagram or its reply is lost, and no reply "
           "ever comes). Wait with sl_poll(&p, 1, 1000), print \"(no "
           "reply)\" when it returns 0, and go on with the next line. (Hub "
           "seed %llu.)",
           ignored, (unsigned long long)c->seed);
    sl_close(fd);
    return;
  }
  sl_close(fd);
  /* Each line: "(no reply)" or a reply to this line (or, when a reply
   * came late, to an earlier one); then the summary. */
  p = out = gr_slurp(cl->out_path, NULL);
  for (int i = 0; p != NULL && *p != '\0' && summary == NULL; i++) {
    int good;
    if ((nl = strchr(p, '\n')) != NULL)
      *nl = '\0';
    if (i == N) {
      summary = p;
      break;
    }
    good = strcmp(p, "(no reply)") == 0;
    for (int j = 0; j <= i && !good; j++)
      if (strcmp(p, line[j]) == 0) {
        good = 1;
        replies++;
      }
    if (good)
      ok_lines++;
    else if (shown++ == 0)
      gr_say(c,
             "Line %d of what your udp_client printed: \"%.100s\"; "
             "expected the reply to \"%s\", or \"(no reply)\".",
             i + 1, p, line[i]);
    p = nl != NULL ? nl + 1 : "";
  }
  if (ok_lines < N)
    gr_say(c, "%d of %d lines were a reply or \"(no reply)\".", ok_lines, N);
  gr_score(c, 0.7 * ok_lines / N + 0.3 * summary_ok(c, summary, N, replies));
  if (c->score < 1)
    gr_say(c,
           "(On socklab's stack with 30%% loss, and the grader's server "
           "left \"%s\" unanswered; hub seed %llu.)",
           ignored, (unsigned long long)c->seed);
  gr_want_exit_0(c, cl);
  free(out);
}

/* ---- replies that take their time ---------------------------------------- */

enum { SLOW_N = 6, SLOW_MIN_MS = 150, SLOW_MAX_MS = 700 };

/* One datagram the grader's slow server got, and its reply. */
struct slow_dgram {
  char text[64];   /* what came (the first 63 bytes) */
  size_t len;      /* how many bytes came */
  int64_t came_ms; /* when it came, ms into the run */
  int64_t due_ms;  /* when its reply is to go */
  int64_t sent_ms; /* when the reply went; -1 not yet */
  struct sockaddr_storage from;
  socklen_t fromlen;
};

/* The grader's echo server on fd while client p runs, answering each
 * datagram after its delay (delay_ms[k] for the k-th; the last for any
 * beyond).  Until p exits (*exit_ms: when it was seen to have exited),
 * or limit_ms, when it says where p was stuck and stops it.  Returns
 * how many datagrams came (at most max are kept), or -1 when p was
 * stuck. */
static int
serve_slowly(struct gr_ctx *c, int fd, struct gr_proc *p, const int *delay_ms,
             struct slow_dgram *d, int max, int64_t limit_ms, int64_t *exit_ms)
{
  int64_t t0 = gr_left_ms(c);
  int n = 0;
  char where[96];

  while (gr_running(p)) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int64_t now = t0 - gr_left_ms(c), wait = 20;
    char buf[2048];
    for (int i = 0; i < n && i < max; i++) {
      if (d[i].sent_ms >= 0)
        continue;
      if (d[i].due_ms <= now) {
        sl_sendto(fd, d[i].text, d[i].len, 0, (struct sockaddr *)&d[i].from,
                  d[i].fromlen);
        d[i].sent_ms = now;
      } else if (d[i].due_ms - now < wait) {
        wait = d[i].due_ms - now;
      }
    }
    if (now >= limit_ms || gr_left_ms(c) <= 0) {
      gr_where(p, where, sizeof where);
      gr_say(c, "%s did not finish within %.0f s%s%s.", p->label,
             limit_ms / 1000.0, where[0] ? ": it was still in " : "", where);
      gr_stop(p);
      return -1;
    }
    if (sl_poll(&pf, 1, (int)wait) > 0) {
      struct slow_dgram k = {.sent_ms = -1, .fromlen = sizeof k.from};
      ssize_t got = sl_recvfrom(fd, buf, sizeof buf, 0,
                                (struct sockaddr *)&k.from, &k.fromlen);
      if (got < 0)
        continue;
      k.len = (size_t)got < sizeof k.text - 1 ? (size_t)got : sizeof k.text - 1;
      memcpy(k.text, buf, k.len);
      k.came_ms = t0 - gr_left_ms(c);
      k.due_ms = k.came_ms + delay_ms[n < SLOW_N ? n : SLOW_N - 1];
      if (n < max)
        d[n] = k;
      n++;
    }
  }
  *exit_ms = t0 - gr_left_ms(c);
  return n;
}

/* The student's client against the grader's server, which answers every
 * datagram, but only after 150-700 ms (seeded, one delay a datagram):
 * a client that waits the handout's second prints every reply.  One that
 * gives up sooner prints "(no reply)" for a reply that was on its way.
 * On a loaded machine a reply may still come after the second: a "(no
 * reply)" after the client waited 800 ms or more is not counted against
 * it, nor is the late reply it may then print for a later line. */
static void
slow_replies(struct gr_ctx *c)
{
  struct slow_dgram d[SLOW_N + 4];
  int delay_ms[SLOW_N], port, fd, n, lag, cap, good = 0, replies = 0;
  int excused = 0, shown = 0;
  char line[SLOW_N][64], portstr[16], *out, *p, *summary = NULL;
  struct gr_buf in = {0};
  struct gr_proc *cl;
  const char *argv[3];
  int64_t exit_ms;

  /* The delays must fit in the second with room to spare, whatever the
   * load: a machine that wakes us L ms late makes every one shorter. */
  lag = gr_lag_ms();
  cap = 1000 - 250 - 2 * lag;
  cap = cap < SLOW_MIN_MS ? SLOW_MIN_MS : cap > SLOW_MAX_MS ? SLOW_MAX_MS : cap;
  for (int i = 0; i < SLOW_N; i++) {
    delay_ms[i] = SLOW_MIN_MS + (int)gr_rand(c, SLOW_MAX_MS - SLOW_MIN_MS + 1);
    delay_ms[i] = delay_ms[i] > cap ? cap : delay_ms[i];
    snprintf(line[i], sizeof line[i], "slow reply %d: %s", i + 1,
             words6[gr_rand(c, sizeof words6 / sizeof *words6)]);
    gr_buf_printf(&in, "%s\n", line[i]);
  }
  port = gr_port(c);
  if ((fd = sl_udp_bind(NULL, gr_itoa(port, portstr, sizeof portstr))) < 0) {
    gr_say(c, "grader error: sl_udp_bind: %s.", sl_strerror());
    gr_buf_free(&in);
    return;
  }
  argv[0] = gr_host(c);
  argv[1] = portstr;
  argv[2] = NULL;
  cl = gr_start(c, GR_STUDENT, "udp_client", argv);
  gr_feed(cl, in.s, in.len);
  gr_close_stdin(cl);
  gr_buf_free(&in);
  n = serve_slowly(c, fd, cl, delay_ms, d, SLOW_N + 4, SLOW_N * 1500 + 5000,
                   &exit_ms);
  sl_close(fd);
  if (n < 0)
    return;
  /* Each line: the reply to this line; or "(no reply)" after a wait of
   * 800 ms or more; or, once such a wait was excused, a late reply to an
   * earlier line.  Then the summary. */
  p = out = gr_slurp(cl->out_path, NULL);
  for (int i = 0; p != NULL && *p != '\0' && summary == NULL; i++) {
    char *nl = strchr(p, '\n');
    int64_t waited = 0;
    int earlier = 0;
    if (nl != NULL)
      *nl = '\0';
    if (i == SLOW_N) {
      summary = p;
      break;
    }
    if (i < n)
      waited = (i + 1 < n ? d[i + 1].came_ms : exit_ms) - d[i].came_ms;
    for (int j = 0; j < i; j++)
      earlier |= strcmp(p, line[j]) == 0;
    if (strcmp(p, line[i]) == 0 || (earlier && excused > 0)) {
      good++;
      replies++;
    } else if (strcmp(p, "(no reply)") == 0 && waited >= 800) {
      good++;
      excused++;
    } else if (shown++ > 0) {
      /* the first wrong line says enough */
    } else if (strcmp(p, "(no reply)") == 0 && i < n) {
      gr_say(c,
             "Line %d: your udp_client printed \"(no reply)\" and sent its "
             "next datagram %lld ms after \"%s\"; the grader's reply to "
             "it %s %lld ms after it came. A reply may take that long (a "
             "busy server, a long path): wait the whole second, "
             "sl_poll(&p, 1, 1000), before printing \"(no reply)\".",
             i + 1, (long long)waited, line[i],
             d[i].sent_ms < 0 ? "was to go" : "went out",
             (long long)((d[i].sent_ms < 0 ? d[i].due_ms : d[i].sent_ms) -
                         d[i].came_ms));
    } else {
      gr_say(c,
             "Line %d of what your udp_client printed: \"%.100s\"; "
             "expected \"%s\", the grader's reply.",
             i + 1, p, line[i]);
    }
    p = nl != NULL ? nl + 1 : "";
  }
  if (good < SLOW_N)
    gr_say(c,
           "%d of %d lines were the reply (each came 150-700 ms after "
           "its datagram).",
           good, SLOW_N);
  if (excused > 0)
    gr_say(c,
           "(%d repl%s came after more than a second: the machine is "
           "loaded (before the test, the grader's own sleeps overran by up "
           "to %d ms). Not counted against you.)",
           excused, excused == 1 ? "y" : "ies", lag);
  gr_score(c,
           0.8 * good / SLOW_N + 0.2 * summary_ok(c, summary, SLOW_N, replies));
  gr_want_exit_0(c, cl);
  free(out);
}

/* The student's server with the reference client on socklab's stack. */
static void
server_on_socklab_stack(struct gr_ctx *c)
{
  struct gr_buf lines = {0};
  int n = 5 + (int)gr_rand(c, 5);

  gr_use_stack(c, GR_USER, "");
  for (int i = 0; i < n; i++)
    gr_buf_printf(&lines, "datagram %d on socklab's stack: %s\n", i + 1,
                  words6[gr_rand(c, sizeof words6 / sizeof *words6)]);
  echo_through(c, GR_STUDENT, GR_REF, lines.s, 15);
  if (c->score < 1)
    gr_say(c, "(On socklab's stack: SOCKLAB_STACK=user. Every call must be "
              "an sl_ call.)");
  gr_buf_free(&lines);
}

/* One datagram and its reply through fd; 1 when the reply is right. */
static int
echo_one(int fd, const char *msg)
{
  char back[128];
  ssize_t n;

  sl_send(fd, msg, strlen(msg), 0);
  n = recv_within(fd, back, sizeof back, 2000);
  return n == (ssize_t)strlen(msg) && memcmp(back, msg, (size_t)n) == 0;
}

/* Clients come and go (one leaves before its reply arrives); the next one
 * is served. */
static void
serves_after_client_leaves(struct gr_ctx *c)
{
  int port = gr_port(c), fd;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "udp_server", port, NULL, 1);
  /* Three datagrams of one length: this test is not about stale bytes. */
  const char *gone = "a client gone before its reply";
  char how[200];

  fd = udp_peer(c, port);
  echo_one(fd, "a first client, then it leaves");
  sl_close(fd);
  fd = udp_peer(c, port);
  sl_send(fd, gone, strlen(gone), 0);
  sl_close(fd);
  usleep(200000);
  fd = udp_peer(c, port);
  if (echo_one(fd, "the next client: is it served?")) {
    gr_score(c, 1);
  } else if (!gr_running(srv)) {
    gr_exit_text(srv, how, sizeof how);
    gr_say(c,
           "Two clients came and went (the second closed its socket before "
           "its reply arrived), and %s %s. A server must outlive its "
           "clients.",
           srv->label, how);
    gr_show_stderr(c, srv);
  } else {
    gr_say(c, "Two clients came and went (the second closed its socket "
              "before its reply arrived); a third client's datagram got no "
              "reply within 2 s. Does your server reply to each datagram's "
              "own sender, and go back to sl_recvfrom whatever happened?");
  }
  sl_close(fd);
}

static void
no_busy_loop(struct gr_ctx *c)
{
  int port = gr_port(c), fd;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "udp_server", port, NULL, 1);
  double cpu, busy;

  fd = udp_peer(c, port);
  echo_one(fd, "then silence");
  cpu = gr_cpu_seconds(srv);
  busy = gr_busy_fraction(c, srv, 1.5); /* no datagram for 1.5 s */
  cpu = gr_cpu_seconds(srv) - cpu;
  sl_close(fd);
  if (busy < 0.5) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "While no datagram came for 1.5 s, your server was running %.0f%% "
         "of the time (%.2f s of CPU) instead of waiting: a loop that "
         "never blocks. Let sl_recvfrom() block until a datagram comes.",
         busy * 100, cpu);
}

/* A host that does not resolve, a port already taken: a message on
 * stderr and exit status 1. */
static void
errors(struct gr_ctx *c)
{
  const char *argv[] = {"no-such-host.invalid", "7", NULL};
  int port = gr_port(c), taken, half = 0;
  struct gr_proc *p;
  char how[200], *err;

  p = gr_start(c, GR_STUDENT, "udp_client", argv);
  gr_close_stdin(p);
  if (gr_expect_exit(c, p, 10)) {
    err = gr_slurp(p->err_path, NULL);
    gr_exit_text(p, how, sizeof how);
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 1 && err && *err)
      half++;
    else
      gr_say(c,
             "For the host \"no-such-host.invalid\", %s %s and wrote "
             "\"%.200s\" on stderr. Expected: a message (sl_strerror()) and "
             "exit status 1.",
             p->label, how, err ? err : "");
    free(err);
  }
  taken = sl_udp_bind(NULL, gr_itoa(port, how, sizeof how));
  argv[0] = how;
  argv[1] = NULL;
  p = gr_start(c, GR_STUDENT, "udp_server", argv);
  gr_close_stdin(p);
  if (gr_expect_exit(c, p, 10)) {
    err = gr_slurp(p->err_path, NULL);
    gr_exit_text(p, how, sizeof how);
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 1 && err && *err)
      half++;
    else
      gr_say(c,
             "On a port already bound by another socket, %s %s and wrote "
             "\"%.200s\" on stderr. Expected: a message (sl_strerror(): "
             "\"bind: Address already in use\") and exit status 1.",
             p->label, how, err ? err : "");
    free(err);
  }
  if (taken >= 0)
    sl_close(taken);
  gr_score(c, half / 2.0);
}

static const struct gr_test tests[] = {
    {"server_with_reference_client",
     "your udp_server echoes 21 datagrams to the reference client", 3,
     GR_VISIBLE, 20, server_with_reference_client},
    {"client_with_reference_server",
     "your udp_client sends 21 lines and prints the replies and the count", 3,
     GR_VISIBLE, 20, client_with_reference_server},
    {"datagram_boundaries",
     "long, short, empty, binary and big datagrams come back unchanged", 3,
     GR_VISIBLE, 15, datagram_boundaries},
    {"client_refused",
     "your udp_client prints (refused) for a port where nothing listens", 1,
     GR_VISIBLE, 15, client_refused},
    {"two_clients", "two clients at once each get only their own replies", 2,
     GR_VISIBLE, 15, two_clients},
    {"lossy_link",
     "your udp_client on a link losing 30%: (no reply), never hangs", 2,
     GR_VISIBLE, 40, lossy_link},
    {"slow_replies",
     "your udp_client waits up to 1 s: replies that take 150-700 ms", 2,
     GR_VISIBLE, 25, slow_replies},
    {"server_on_socklab_stack",
     "your udp_server with the reference client on socklab's stack", 1,
     GR_HIDDEN, 20, server_on_socklab_stack},
    {"serves_after_client_leaves",
     "your udp_server keeps serving after clients go away", 1, GR_HIDDEN, 15,
     serves_after_client_leaves},
    {"no_busy_loop", "no busy loop while no datagram comes", 1, GR_HIDDEN, 15,
     no_busy_loop},
    {"errors", "an unknown host, a port already taken: stderr and exit 1", 1,
     GR_HIDDEN, 25, errors},
};

const struct gr_lab gr_lab01 = {"lab01", "lab01-udp", programs, tests,
                                sizeof tests / sizeof *tests};
