/* lab05-flow-control: slow_receiver PORT DELAY_MS (SO_RCVBUF 4096 before
 * listen, one connection, reads nothing for DELAY_MS, then counts to end
 * of file) and nb_sender HOST PORT BYTES (a non-blocking socket, short
 * sends and EAGAIN handled with sl_poll).  labs/README.md has the
 * interface; RFC 9293 3.8.6 the zero window and its probes. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"
#include "socklab.h"
#include "obs/trace.h"

/* Only these two are graded; udp_sink and udp_blast come complete. */
static const char *const programs[] = {"slow_receiver", "nb_sender", NULL};

/* socklab's send buffer is 64 KiB: a sender sees EAGAIN and short sends
 * only when BYTES is well above it (and the receiver's 4 KiB window). */
enum { BIG_MIN = 300000, BIG_SPAN = 200000 };

static void
sleep_s(double s)
{
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* The byte at offset off of nb_sender's stream (fill() in the starter). */
static unsigned char
pattern(unsigned long long off)
{
  return (unsigned char)(off % 251);
}

/* ---- the two programs ---------------------------------------------------- */

static struct gr_proc *
start_receiver(struct gr_ctx *c, enum gr_who who, int port, int delay_ms)
{
  char d[16];
  const char *more[] = {gr_itoa(delay_ms, d, sizeof d), NULL};

  return gr_server(c, who, "slow_receiver", port, more, 0);
}

static struct gr_proc *
start_sender(struct gr_ctx *c, enum gr_who who, int port, long long bytes)
{
  char p[16], b[24];
  const char *argv[] = {gr_host(c), gr_itoa(port, p, sizeof p), b, NULL};
  struct gr_proc *s;

  snprintf(b, sizeof b, "%lld", bytes);
  s = gr_start(c, who, "nb_sender", argv);
  gr_close_stdin(s);
  return s;
}

/* The N of the line "WORD N bytes" that p printed on stdout, or -1; its
 * first line (for the feedback) in first. */
static long long
printed_count(const struct gr_proc *p, const char *word, char *first,
              size_t len)
{
  char *out = gr_slurp(p->out_path, NULL);
  long long n = -1;

  first[0] = '\0';
  if (out == NULL)
    return -1;
  for (char *save = NULL, *l = strtok_r(out, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save)) {
    long long v;
    int end = 0;
    size_t wl = strlen(word);
    if (first[0] == '\0')
      snprintf(first, len, "%.120s", l);
    if (strncmp(l, word, wl) == 0 &&
        sscanf(l + wl, " %lld bytes%n", &v, &end) == 1 &&
        l[wl + (size_t)end] == '\0') {
      n = v;
      break;
    }
  }
  free(out);
  return n;
}

/* One transfer: a receiver, a sender, what they were told. */
struct transfer {
  struct gr_proc *rcv, *snd;
  int port, delay_ms;
  long long bytes;
};

static void
transfer_start(struct gr_ctx *c, struct transfer *t, enum gr_who receiver,
               enum gr_who sender)
{
  t->port = gr_port(c);
  t->rcv = start_receiver(c, receiver, t->port, t->delay_ms);
  t->snd = start_sender(c, sender, t->port, t->bytes);
}

/* Waits for both to exit: the receiver reads after its delay, and moving
 * the bytes takes a moment.  0 when one was stuck (said, and stopped). */
static int
transfer_wait(struct gr_ctx *c, struct transfer *t)
{
  double seconds = t->delay_ms / 1000.0 + 8;
  int ok = gr_expect_exit(c, t->snd, seconds);

  return gr_expect_exit(c, t->rcv, ok ? 3 : 1) && ok;
}

static void
say_exit(struct gr_ctx *c, struct gr_proc *p)
{
  char how[200];

  gr_exit_text(p, how, sizeof how);
  gr_say(c, "%s %s; it should exit with 0 once all is done.", p->label, how);
  gr_show_stderr(c, p);
}

/* A hint when the sender failed on EAGAIN or dropped bytes. */
static void
sender_hint(struct gr_ctx *c, const struct transfer *t, long long got,
            long long sent)
{
  char *err = gr_slurp(t->snd->err_path, NULL);

  if (err != NULL && (strcasestr(err, "temporarily unavailable") != NULL ||
                      strstr(err, "EAGAIN") != NULL))
    gr_say(c, "EAGAIN is not an error on a non-blocking socket: the send "
              "buffer is full (the receiver's window is zero). Wait in "
              "sl_poll() for POLLOUT, then send the rest.");
  else if (sent == t->bytes && got >= 0 && got < t->bytes)
    gr_say(c,
           "Your nb_sender says it sent every byte, yet %lld of them "
           "never arrived: a short send? sl_send() may take fewer bytes "
           "than asked; advance by what it returned and send the rest.",
           t->bytes - got);
  free(err);
}

enum judged { RECEIVER, SENDER, BOTH };

/* Scores a finished transfer on what focus is responsible for: the
 * receiver's count and exit; the sender's count, the bytes arriving and
 * its exit; or all of it. */
static void
transfer_judge(struct gr_ctx *c, struct transfer *t, enum judged focus)
{
  char rline[128], sline[128];
  long long got = printed_count(t->rcv, "received", rline, sizeof rline);
  long long sent = printed_count(t->snd, "sent", sline, sizeof sline);
  int arrived = got == t->bytes, counted = sent == t->bytes;
  double score = 0;

  if (!arrived)
    gr_say(c,
           "%s was to receive %lld bytes: expected it to print "
           "\"received %lld bytes\", %s%s%s.",
           t->rcv->label, t->bytes, t->bytes,
           rline[0] ? "it printed \"" : "it printed nothing", rline,
           rline[0] ? "\"" : "");
  if (focus != RECEIVER && !counted)
    gr_say(c,
           "%s was to send %lld bytes: expected it to print \"sent %lld "
           "bytes\", %s%s%s.",
           t->snd->label, t->bytes, t->bytes,
           sline[0] ? "it printed \"" : "it printed nothing", sline,
           sline[0] ? "\"" : "");
  /* Bytes that did not arrive (or were not counted) are data lost: all
   * or nothing (labs/README.md). */
  switch (focus) {
  case RECEIVER:
    score = 0.75 + 0.25 * gr_exited_ok(t->rcv);
    if (!gr_exited_ok(t->rcv))
      say_exit(c, t->rcv);
    break;
  case SENDER:
    score = 0.5 + 0.25 * counted + 0.25 * gr_exited_ok(t->snd);
    if (!gr_exited_ok(t->snd))
      say_exit(c, t->snd);
    break;
  case BOTH:
    score = 0.5 + 0.25 * counted +
            0.25 * (gr_exited_ok(t->snd) && gr_exited_ok(t->rcv));
    if (!gr_exited_ok(t->snd))
      say_exit(c, t->snd);
    if (!gr_exited_ok(t->rcv))
      say_exit(c, t->rcv);
    break;
  }
  if (focus != RECEIVER && (!arrived || !counted))
    sender_hint(c, t, got, sent);
  gr_score(c, gr_data_score(c, arrived) * score);
}

/* A whole transfer of bytes, DELAY_MS delay_ms, on the test's stack. */
static void
transfer(struct gr_ctx *c, enum gr_who receiver, enum gr_who sender,
         long long bytes, int delay_ms, enum judged focus)
{
  struct transfer t = {.bytes = bytes, .delay_ms = delay_ms};

  transfer_start(c, &t, receiver, sender);
  transfer_wait(c, &t);
  transfer_judge(c, &t, focus);
  if (c->score < 1)
    gr_say(c, "(%lld bytes, DELAY_MS %d, on %s stack.)", bytes, delay_ms,
           c->stack == GR_USER ? "socklab's" : "the kernel's");
}

/* ---- the tests ----------------------------------------------------------- */

static void
receiver_with_reference_sender(struct gr_ctx *c)
{
  gr_use_stack(c, GR_USER, "");
  transfer(c, GR_STUDENT, GR_REF, BIG_MIN + (long long)gr_rand(c, BIG_SPAN),
           600 + (int)gr_rand(c, 400), RECEIVER);
}

static void
sender_with_reference_receiver(struct gr_ctx *c)
{
  gr_use_stack(c, GR_USER, "");
  transfer(c, GR_REF, GR_STUDENT, BIG_MIN + (long long)gr_rand(c, BIG_SPAN),
           600 + (int)gr_rand(c, 400), SENDER);
}

static void
sender_with_your_receiver(struct gr_ctx *c)
{
  gr_use_stack(c, GR_USER, "");
  transfer(c, GR_STUDENT, GR_STUDENT, BIG_MIN + (long long)gr_rand(c, BIG_SPAN),
           500 + (int)gr_rand(c, 400), BOTH);
}

/* What the traces say of the window, by the receiver and by the sender. */
struct window_seen {
  long syn_ack_win;    /* the window of the receiver's SYN,ACK; -1 none */
  long min_win;        /* the smallest it advertised after; -1 none */
  unsigned beyond;     /* data segments past the peer's window */
  long long beyond_at; /* the first one's relative sequence number */
};

static void
window_read(const struct gr_proc *p, struct window_seen *w)
{
  char line[1024], ev[8], dir[8], flags[16], note[32];
  FILE *f = fopen(p->trace_path, "r");
  uint32_t edge = 0;
  int have_edge = 0;

  *w = (struct window_seen){-1, -1, 0, 0};
  if (f == NULL)
    return;
  while (fgets(line, sizeof line, f) != NULL) {
    long long win = sl__trace_field_num(line, "win");
    uint32_t seq = (uint32_t)sl__trace_field_num(line, "seq");
    uint32_t len = (uint32_t)sl__trace_field_num(line, "len");
    sl__trace_field_str(line, "ev", ev, sizeof ev);
    sl__trace_field_str(line, "dir", dir, sizeof dir);
    sl__trace_field_str(line, "flags", flags, sizeof flags);
    sl__trace_field_str(line, "note", note, sizeof note);
    if (strcmp(ev, "seg") != 0 || strchr(flags, 'R') != NULL)
      continue;
    if (strcmp(dir, "in") == 0 && strchr(flags, '.') != NULL) {
      /* RFC 9293 3.8.6: the sender may send up to SND.UNA + SND.WND. */
      uint32_t e = (uint32_t)sl__trace_field_num(line, "ack") + (uint32_t)win;
      if (!have_edge || (int32_t)(e - edge) > 0)
        edge = e;
      have_edge = 1;
    } else if (strcmp(dir, "out") == 0) {
      if (strchr(flags, 'S') != NULL && strchr(flags, '.') != NULL)
        w->syn_ack_win = (long)win;
      else if (strchr(flags, 'S') == NULL &&
               (w->min_win < 0 || win < w->min_win))
        w->min_win = (long)win;
      /* A probe is the one byte past a zero window it is allowed. */
      if (len > 0 && have_edge && strcmp(note, "window probe") != 0 &&
          (int32_t)(seq + len - edge) > 0 && w->beyond++ == 0)
        w->beyond_at = sl__trace_field_num(line, "rseq");
    }
  }
  fclose(f);
}

/* The receiver's window falls to zero while it sleeps, and the reference
 * sender's TCP stops and probes.  BYTES stays under socklab's default
 * receive buffer (65535): only SO_RCVBUF 4096 makes the window zero. */
static int zero_span(const struct gr_proc *p, double *from, double *to);
static int persist_fired(const struct gr_proc *p, double from, double to);

static void
zero_window(struct gr_ctx *c)
{
  struct transfer t = {.bytes = 20000 + (long long)gr_rand(c, 30000),
                       .delay_ms = 700 + (int)gr_rand(c, 300)};
  struct gr_trace rt, st;
  struct window_seen rw, sw;
  double score = 0;

  gr_use_stack(c, GR_USER, "");
  transfer_start(c, &t, GR_STUDENT, GR_REF);
  transfer_wait(c, &t);
  if (gr_trace_read(t.rcv, &rt) < 0 || gr_trace_read(t.snd, &st) < 0) {
    gr_say(c, "No trace from socklab's stack: does your slow_receiver use "
              "the sl_ calls?");
    return;
  }
  window_read(t.rcv, &rw);
  window_read(t.snd, &sw);
  if (rt.zero_windows == 0) {
    gr_say(c,
           "Your slow_receiver never advertised a zero window, with "
           "DELAY_MS %d and %lld bytes coming: its SYN,ACK announced a "
           "window of %ld, and the smallest it advertised after was %ld.",
           t.delay_ms, t.bytes, rw.syn_ack_win, rw.min_win);
    if (!gr_exited_ok(t.rcv))
      say_exit(c, t.rcv);
    if (rw.syn_ack_win > 4096)
      gr_say(c, "Expected 4096 from the SYN,ACK on: set SO_RCVBUF to 4096 "
                "on the listening socket before listen() (the accepted "
                "socket inherits it).");
    else
      gr_say(c, "Does it sleep DELAY_MS before its first sl_recv()?");
  } else {
    double zfrom = 0, zto = 0;
    score += 0.5;
    if (st.probes == 0 && zero_span(t.rcv, &zfrom, &zto) == 0 &&
        !persist_fired(t.snd, zfrom, zto))
      score += 0.25; /* opened before a probe was due: nothing to judge */
    else if (st.probes == 0)
      gr_say(c,
             "Your slow_receiver advertised win=0 %u times, and the "
             "reference sender's persist timer ran out while the window "
             "was zero, yet it sent no window probe: socklab's stack "
             "should always probe then; tell your instructor.  (Does "
             "your receiver sleep DELAY_MS, %d ms here, before it "
             "reads?)",
             rt.zero_windows, t.delay_ms);
    else
      score += 0.25;
    if (sw.beyond > 0)
      gr_say(c,
             "The sender sent %u segment%s past the receiver's window "
             "(first at relative sequence %lld): socklab's stack should "
             "never do that; tell your instructor.",
             sw.beyond, sw.beyond == 1 ? "" : "s", sw.beyond_at);
    else
      score += 0.25;
  }
  gr_score(c, score);
  if (score < 1) {
    gr_say(c, "(%lld bytes, DELAY_MS %d, on socklab's stack.)", t.bytes,
           t.delay_ms);
    gr_ladder_excerpt(c, t.rcv, t.snd, 30);
  }
}

/* The time of a trace line ("t", seconds), or -1. */
static double
line_time(const char *line)
{
  const char *v = sl__trace_field_raw(line, "t");

  return v != NULL ? strtod(v, NULL) : -1;
}

/* The first span during which p's trace advertised a zero window: from
 * the first segment out with win=0 to the next with a window again (or
 * the end of the trace).  0, or -1 when there was none. */
static int
zero_span(const struct gr_proc *p, double *from, double *to)
{
  char line[1024], ev[8], dir[8];
  FILE *f = fopen(p->trace_path, "r");
  int found = 0;

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    sl__trace_field_str(line, "ev", ev, sizeof ev);
    sl__trace_field_str(line, "dir", dir, sizeof dir);
    if (strcmp(ev, "seg") != 0 || strcmp(dir, "out") != 0)
      continue;
    *to = line_time(line);
    if (!found && sl__trace_field_num(line, "win") == 0) {
      *from = *to;
      found = 1;
    } else if (found && sl__trace_field_num(line, "win") > 0) {
      break;
    }
  }
  fclose(f);
  return found ? 0 : -1;
}

/* Did p's persist timer fire between from and to?  The sender probes a
 * zero window only then: a window that opened before its first persist
 * interval ran out (a long one, on a loaded machine) needed no probe. */
static int
persist_fired(const struct gr_proc *p, double from, double to)
{
  char line[1024], ev[8], timer[16];
  FILE *f = fopen(p->trace_path, "r");
  int fired = 0;

  if (f == NULL)
    return 0;
  while (!fired && fgets(line, sizeof line, f) != NULL) {
    double t = line_time(line);
    sl__trace_field_str(line, "ev", ev, sizeof ev);
    sl__trace_field_str(line, "timer", timer, sizeof timer);
    fired = strcmp(ev, "timer") == 0 && strcmp(timer, "persist") == 0 &&
            t > from && t <= to;
  }
  fclose(f);
  return fired;
}

/* While the receiver sleeps, the sender waits in sl_poll: it is not
 * runnable, and uses almost no CPU. */
static void
no_busy_wait(struct gr_ctx *c)
{
  struct transfer t = {.bytes = BIG_MIN + (long long)gr_rand(c, BIG_SPAN),
                       .delay_ms = 1400 + (int)gr_rand(c, 200)};
  double cpu, busy, wall = t.delay_ms / 1000.0 - 0.6;
  char how[200];

  gr_use_stack(c, GR_USER, "");
  transfer_start(c, &t, GR_REF, GR_STUDENT);
  sleep_s(0.3); /* connected, the window zero, the send buffer full */
  cpu = gr_cpu_seconds(t.snd);
  busy = gr_busy_fraction(c, t.snd, wall);
  cpu = gr_cpu_seconds(t.snd) - cpu;
  if (!gr_running(t.snd)) {
    gr_exit_text(t.snd, how, sizeof how);
    gr_say(c,
           "Your nb_sender %s while the receiver's window was zero "
           "(%lld bytes to send, the receiver asleep for %d ms): it "
           "should wait in sl_poll() for POLLOUT and carry on, so there "
           "was no waiting to measure.",
           how, t.bytes, t.delay_ms);
    gr_show_stderr(c, t.snd);
    return;
  }
  transfer_wait(c, &t);
  if (busy < 0.3) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "While the receiver's window was zero for %.2f s, your nb_sender "
         "was running %.0f%% of the time (%.2f s of CPU): it retries "
         "sl_send() in a loop instead of sleeping. On EAGAIN, wait in "
         "sl_poll() for POLLOUT.",
         wall, busy * 100, cpu);
}

/* The grader itself receives (SO_RCVBUF 4096, a pause) and checks every
 * byte of the pattern, in order. */
static int
listen_small(struct gr_ctx *c, int port)
{
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
  int fd = sl_socket(AF_INET, SOCK_STREAM, 0), one = 1, small = 4096;

  if (fd < 0 ||
      sl_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      sl_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) < 0 ||
      sl_bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      sl_listen(fd, 1) < 0) {
    gr_say(c, "grader error: cannot listen on port %d: %s", port,
           sl_strerror());
    gr_end(c);
  }
  return fd;
}

static void
sender_data_in_order(struct gr_ctx *c)
{
  long long bytes = BIG_MIN + (long long)gr_rand(c, BIG_SPAN);
  int port, lfd, fd;
  struct pollfd p;
  struct gr_proc *snd;
  unsigned char *buf;
  size_t got;
  long long bad = -1;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  lfd = listen_small(c, port);
  snd = start_sender(c, GR_STUDENT, port, bytes);
  p = (struct pollfd){.fd = lfd, .events = POLLIN};
  if (sl_poll(&p, 1, 5000) <= 0 || (fd = sl_accept(lfd, NULL, NULL)) < 0) {
    gr_say(c, "Your nb_sender did not connect within 5 s.");
    gr_show_stderr(c, snd);
    return;
  }
  sleep_s(0.5); /* the window falls to zero */
  buf = malloc((size_t)bytes + 1);
  got = gr_recv_all(c, fd, buf, (size_t)bytes + 1, 8);
  sl_close(fd);
  sl_close(lfd);
  for (size_t i = 0; i < got && bad < 0; i++)
    if (buf[i] != pattern(i))
      bad = (long long)i;
  if (got == (size_t)bytes && bad < 0) {
    gr_score(c, 1);
  } else if (bad >= 0) {
    gr_say(c,
           "The grader received %zu bytes of the %lld your nb_sender was to "
           "send; byte %lld was %u, expected %u (byte i of the stream is "
           "i %% 251, what fill() makes).",
           got, bytes, bad, buf[bad], pattern((unsigned long long)bad));
    gr_say(c, "%s",
           got == (size_t)bytes
               ? "As many bytes as expected, but not the right ones: "
                 "each chunk must go on with the pattern from its "
                 "offset in the stream."
               : "Bytes were skipped or repeated there. After a "
                 "short send, send the rest of the chunk.");
  } else {
    gr_say(c,
           "The grader received %zu bytes, in order, of the %lld your "
           "nb_sender was to send.",
           got, bytes);
  }
  free(buf);
  gr_expect_exit(c, snd, 5);
  if (c->score < 1 && !gr_exited_ok(snd))
    say_exit(c, snd);
}

/* The kernel's send buffer grows up to tcp_wmem's maximum (4 MiB unless
 * the machine was tuned): half as much again, and its sends also say
 * EAGAIN, and come up short. */
static void
kernel_stack(struct gr_ctx *c)
{
  long long wmem_max = 4194304, bytes;
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");

  if (f != NULL) {
    if (fscanf(f, "%*d %*d %lld", &wmem_max) != 1)
      wmem_max = 4194304;
    fclose(f);
  }
  bytes = wmem_max * 3 / 2 < 6000000 ? 6000000 : wmem_max * 3 / 2;
  transfer(c, GR_STUDENT, GR_STUDENT, bytes + (long long)gr_rand(c, 2000000),
           300 + (int)gr_rand(c, 300), BOTH);
}

static void
small_no_delay(struct gr_ctx *c)
{
  gr_use_stack(c, GR_USER, "");
  transfer(c, GR_STUDENT, GR_STUDENT, 1 + (long long)gr_rand(c, 3000), 0, BOTH);
}

/* Does p exit with 1 and a message naming the cause (one of words)? */
static int
reports(struct gr_ctx *c, struct gr_proc *p, const char *what,
        const char *const *words)
{
  char *err = gr_slurp(p->err_path, NULL), how[200];
  int named = 0;

  for (int i = 0; err != NULL && words[i] != NULL; i++)
    named |= strcasestr(err, words[i]) != NULL;
  if (p->done && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 1 && named) {
    free(err);
    return 1;
  }
  gr_exit_text(p, how, sizeof how);
  gr_say(c,
         "%s, %s %s and wrote \"%.200s\" on stderr.\nExpected: exit status "
         "1 and a message that says why (\"%s\"; sl_strerror() gives one).",
         what, p->label, how, err ? err : "", words[0]);
  free(err);
  return 0;
}

static void
reports_errors(struct gr_ctx *c)
{
  static const char *const refused[] = {"refused", "ECONNREFUSED", NULL};
  static const char *const in_use[] = {"in use", "EADDRINUSE", NULL};
  char p[16];
  int port = gr_port(c), ok = 0; /* nothing listens there */
  struct gr_proc *snd = start_sender(c, GR_STUDENT, port, 1000), *rcv;

  if (gr_expect_exit(c, snd, 5))
    ok +=
        reports(c, snd, "Connecting to a port where nothing listens", refused);
  port = gr_port(c);
  start_receiver(c, GR_REF, port, 0);
  rcv = gr_start(c, GR_STUDENT, "slow_receiver",
                 (const char *[]){gr_itoa(port, p, sizeof p), "0", NULL});
  if (gr_expect_exit(c, rcv, 5))
    ok += reports(c, rcv, "On a port where another program listens", in_use);
  gr_score(c, ok / 2.0);
}

static const struct gr_test tests[] = {
    {"receiver_with_reference_sender",
     "your slow_receiver counts every byte the reference nb_sender sends", 2,
     GR_VISIBLE, 20, receiver_with_reference_sender},
    {"zero_window",
     "your slow_receiver's window falls to zero; the sender probes", 2,
     GR_VISIBLE, 20, zero_window},
    {"sender_with_reference_receiver",
     "your nb_sender sends every byte through a zero window", 2, GR_VISIBLE, 20,
     sender_with_reference_receiver},
    {"sender_data_in_order",
     "every byte of your nb_sender's stream arrives, in order", 3, GR_VISIBLE,
     20, sender_data_in_order},
    {"no_busy_wait", "your nb_sender sleeps while the window is zero", 2,
     GR_VISIBLE, 20, no_busy_wait},
    {"sender_with_your_receiver", "your nb_sender with your slow_receiver", 1,
     GR_VISIBLE, 20, sender_with_your_receiver},

    {"kernel_stack", "your two programs on the kernel's stack, over 6 MB", 1,
     GR_HIDDEN, 25, kernel_stack},
    {"small_no_delay", "a few bytes, DELAY_MS 0", 1, GR_HIDDEN, 15,
     small_no_delay},
    {"reports_errors", "errors (refused, port in use) on stderr, exit status 1",
     1, GR_HIDDEN, 15, reports_errors},
};

const struct gr_lab gr_lab05 = {"lab05", "lab05-flow-control", programs, tests,
                                sizeof tests / sizeof *tests};
