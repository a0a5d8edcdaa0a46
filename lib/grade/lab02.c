/* lab02-tcp-echo: echo_server PORT (one client at a time, line by line)
 * and echo_client HOST PORT (stdin to the server, the echo to stdout, and
 * the client closes first).  labs/README.md has the interface. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "grade/grade.h"
#include "socklab.h"

static const char *const programs[] = {"echo_server", "echo_client", NULL};

/* The reference client sends seeded lines through who's server. */
static void
echo_through(struct gr_ctx *c, enum gr_who server, enum gr_who client,
             int nlines, double seconds)
{
  int port = gr_port(c);
  char *lines = gr_lines(c, nlines, 120), *out;
  struct gr_proc *cl;

  gr_server(c, server, "echo_server", port, NULL, 0);
  if (!gr_client(c, client, "echo_client", port, NULL, lines, strlen(lines),
                 seconds, &cl)) {
    gr_netstat_excerpt(c, port);
    free(lines);
    return;
  }
  out = gr_slurp(cl->out_path, NULL);
  gr_score(c, gr_compare_lines(c, lines, out,
                               client == GR_STUDENT
                                   ? "what your echo_client printed"
                                   : "what came back from your echo_server"));
  if (!gr_exited_ok(cl)) {
    char how[200];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c, "%s %s; it should exit with 0 at the end of its input.",
           cl->label, how);
    gr_show_stderr(c, cl);
    gr_score(c, c->score * 0.5);
  }
  free(lines);
  free(out);
}

static void
server_with_reference_client(struct gr_ctx *c)
{
  echo_through(c, GR_STUDENT, GR_REF, 20, 10);
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  echo_through(c, GR_REF, GR_STUDENT, 20, 10);
}

static void
client_with_your_server(struct gr_ctx *c)
{
  echo_through(c, GR_STUDENT, GR_STUDENT, 20, 10);
}

/* One line through an open connection of the grader's own. */
static int
echo_one(struct gr_ctx *c, int fd, const char *line, double seconds)
{
  char back[256];
  size_t n = strlen(line), got;

  if (sl_writen(fd, line, n) != (ssize_t)n)
    return 0;
  got = gr_recv_all(c, fd, back, n, seconds);
  return got == n && memcmp(back, line, n) == 0;
}

static void
serves_clients_in_turn(struct gr_ctx *c)
{
  int port = gr_port(c), a, b, ok = 0;

  gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  for (int round = 0; round < 3; round++) {
    a = gr_connect(c, port);
    ok += echo_one(c, a, "one client after another\n", 3);
    sl_close(a);
  }
  if (ok < 3)
    gr_say(c,
           "Three clients one after another: %d of 3 got their line "
           "back.",
           ok);
  /* A second client waits in the backlog while the first is served, and
   * is served when the first one leaves. */
  a = gr_connect(c, port);
  b = gr_connect(c, port);
  if (echo_one(c, a, "first\n", 3))
    ok++;
  else
    gr_say(c, "With a second client waiting, the first got no echo.");
  sl_close(a);
  if (echo_one(c, b, "second, served once the first left\n", 3))
    ok++;
  else {
    gr_say(c, "The second client was not served after the first closed: "
              "does your server go back to accept() when a client leaves?");
    gr_netstat_excerpt(c, port);
  }
  sl_close(b);
  gr_score(c, ok / 5.0);
}

static void
client_closes_first(struct gr_ctx *c)
{
  int port;
  struct gr_proc *srv, *cl;
  struct gr_trace ct, st;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  srv = gr_server(c, GR_REF, "echo_server", port, NULL, 0);
  if (!gr_client(c, GR_STUDENT, "echo_client", port, NULL, "bye\n", 4, 10, &cl))
    return;
  usleep(300000); /* the server's side of the teardown */
  gr_stop(srv);
  if (gr_trace_read(cl, &ct) < 0 || gr_trace_read(srv, &st) < 0) {
    gr_say(c, "No trace from socklab's stack: did your client use sl_ "
              "calls?");
    return;
  }
  if (ct.time_wait && !st.time_wait) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "On socklab's stack your client went through: %s.\nThe server "
         "went through: %s.\nThe client should close first (at the end "
         "of its input), so that TIME_WAIT is on the client's side.",
         ct.visited, st.visited);
  gr_ladder_excerpt(c, cl, srv, 0);
}

static void
client_refused(struct gr_ctx *c)
{
  int port = gr_port(c); /* nothing listens there */
  struct gr_proc *cl;
  char *err;

  if (!gr_client(c, GR_STUDENT, "echo_client", port, NULL, "hello\n", 6, 5,
                 &cl))
    return;
  err = gr_slurp(cl->err_path, NULL);
  if (gr_exited_ok(cl) || err == NULL || strcasestr(err, "refused") == NULL) {
    char how[200];
    gr_exit_text(cl, how, sizeof how);
    gr_say(c,
           "Connecting to a port where nothing listens, your client %s "
           "and wrote \"%.200s\" on stderr.\nExpected: exit status 1 and "
           "a message that says the connection was refused (sl_strerror() "
           "gives one).",
           how, err ? err : "");
  } else {
    gr_score(c, 1);
  }
  free(err);
}

/* The peer writes a line one byte at a time: the server must not assume
 * that one recv is one line. */
static void
one_byte_writes(struct gr_ctx *c)
{
  static const char line[] = "a line that arrives one byte at a time\n";
  char back[sizeof line];
  int port = gr_port(c), fd;
  size_t got;

  gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  fd = gr_connect(c, port);
  sl_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  for (size_t i = 0; i + 1 < sizeof line; i++) {
    sl_send(fd, line + i, 1, 0);
    usleep(2000);
  }
  got = gr_recv_all(c, fd, back, sizeof line - 1, 3);
  sl_close(fd);
  if (got == sizeof line - 1 && memcmp(back, line, got) == 0) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "The grader sent \"%.*s\" one byte per segment; your server "
         "echoed %zu bytes: \"%.*s\".",
         (int)sizeof line - 2, line, got, (int)got, back);
}

/* The last line has no newline; then the client closes. */
static void
partial_last_line(struct gr_ctx *c)
{
  char back[64];
  int port = gr_port(c), fd;
  size_t got;

  gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  fd = gr_connect(c, port);
  sl_writen(fd, "complete\nno newline", 19);
  sl_shutdown(fd, SHUT_WR);
  got = gr_recv_all(c, fd, back, sizeof back, 3);
  sl_close(fd);
  if (got == 19 && memcmp(back, "complete\nno newline", 19) == 0) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "The grader sent \"complete\\nno newline\" and closed its "
         "sending side; expected both back (the last line without its "
         "newline), then the server's close. Got %zu bytes: \"%.*s\".",
         got, (int)got, back);
}

/* Clients that come and go leave nothing behind in the server. */
static void
no_leaks(struct gr_ctx *c)
{
  int port = gr_port(c), fds_before, fds_after, close_wait;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);

  fds_before = gr_open_fds(srv);
  for (int i = 0; i < 8; i++) {
    int fd = gr_connect(c, port);
    echo_one(c, fd, "leak check\n", 2);
    sl_close(fd);
  }
  usleep(300000);
  fds_after = gr_open_fds(srv);
  close_wait = gr_count_state(c, srv, "CLOSE_WAIT", port);
  if (close_wait == 0 && fds_after <= fds_before) {
    gr_score(c, 1);
    return;
  }
  if (close_wait > 0)
    gr_say(c,
           "After 8 clients came and went, your server holds %d "
           "connection%s in CLOSE_WAIT: the client closed, and your "
           "server never called sl_close() on its socket.",
           close_wait, close_wait == 1 ? "" : "s");
  if (fds_after > fds_before)
    gr_say(c,
           "Your server had %d descriptors open before and %d after 8 "
           "clients: each client leaks one.",
           fds_before, fds_after);
  gr_netstat_excerpt(c, port);
}

/* A client resets in the middle of a line; the next must be served. */
static void
survives_reset(struct gr_ctx *c)
{
  int port = gr_port(c), fd, ok;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  struct linger lg = {1, 0};

  fd = gr_connect(c, port);
  sl_writen(fd, "half a li", 9);
  usleep(100000);
  sl_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  sl_close(fd); /* RST */
  usleep(200000);
  if (!gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c,
           "A client reset its connection (RST) in the middle of a line, "
           "and your server %s. A server must survive its clients: drop "
           "that client, go back to accept().",
           how);
    gr_show_stderr(c, srv);
    return;
  }
  fd = gr_connect(c, port);
  ok = echo_one(c, fd, "after the reset\n", 3);
  sl_close(fd);
  if (ok)
    gr_score(c, 1);
  else
    gr_say(c, "After a client reset its connection, the next client got "
              "no echo.");
}

static void
lossy_link(struct gr_ctx *c)
{
  gr_use_stack(c, GR_USER, "--loss 10% --reorder 5% --dup 2%");
  /* Each line is a round trip, and a loss costs a retransmission
   * timeout (200 ms or more): 30 lines take a few seconds. */
  echo_through(c, GR_STUDENT, GR_REF, 30, 30);
  if (c->score < 1)
    gr_say(c,
           "(On socklab's stack, with 10%% loss, 5%% reordering and 2%% "
           "duplication; hub seed %llu.)",
           (unsigned long long)c->hub_seed);
}

static void
no_busy_loop(struct gr_ctx *c)
{
  int port = gr_port(c), fd;
  struct gr_proc *srv = gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  double cpu, busy;

  fd = gr_connect(c, port);
  echo_one(c, fd, "then silence\n", 2);
  cpu = gr_cpu_seconds(srv);
  busy = gr_busy_fraction(c, srv, 1.5); /* a client silent for 1.5 s */
  cpu = gr_cpu_seconds(srv) - cpu;
  sl_close(fd);
  if (busy < 0.5) {
    gr_score(c, 1);
    return;
  }
  gr_say(c,
         "While its client said nothing for 1.5 s, your server was "
         "running %.0f%% of the time (%.2f s of CPU) instead of waiting: "
         "a loop that never blocks. Let sl_recv() (or sl_readline()) "
         "block until data comes.",
         busy * 100, cpu);
}

static const struct gr_test tests[] = {
    {"server_with_reference_client",
     "your echo_server echoes 20 lines to the reference client", 3, GR_VISIBLE,
     20, server_with_reference_client},
    {"client_with_reference_server",
     "your echo_client sends 20 lines and prints their echo", 3, GR_VISIBLE, 20,
     client_with_reference_server},
    {"client_with_your_server", "your echo_client with your echo_server", 1,
     GR_VISIBLE, 20, client_with_your_server},
    {"serves_clients_in_turn",
     "your echo_server serves clients one after another", 2, GR_VISIBLE, 25,
     serves_clients_in_turn},
    {"client_closes_first",
     "your echo_client closes first (TIME_WAIT on the client)", 1, GR_VISIBLE,
     20, client_closes_first},
    {"client_refused", "your echo_client reports a refused connection", 1,
     GR_VISIBLE, 15, client_refused},
    {"one_byte_writes", "a line that arrives one byte at a time", 1, GR_HIDDEN,
     15, one_byte_writes},
    {"partial_last_line", "a last line without a newline, then EOF", 1,
     GR_HIDDEN, 15, partial_last_line},
    {"no_leaks", "no CLOSE_WAIT and no leaked descriptors after 8 clients", 1,
     GR_HIDDEN, 20, no_leaks},
    {"survives_reset",
     "a client that resets mid-line does not stop the "
     "server",
     1, GR_HIDDEN, 15, survives_reset},
    {"lossy_link", "30 lines on a lossy link on socklab's stack", 1, GR_HIDDEN,
     40, lossy_link},
    {"no_busy_loop", "no busy loop while a client is silent", 1, GR_HIDDEN, 15,
     no_busy_loop},
};

const struct gr_lab gr_lab02 = {"lab02", "lab02-tcp-echo", programs, tests,
                                sizeof tests / sizeof *tests};
