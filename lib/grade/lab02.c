/* lab02-tcp-echo: echo_server PORT (one client at a time, line by line)
 * and echo_client HOST PORT (stdin to the server, the echo to stdout, and
 * the client closes first).  labs/README.md has the interface. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>
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
  const char *what;
  struct gr_proc *cl;

  gr_server(c, server, "echo_server", port, NULL, 0);
  if (!gr_client(c, client, "echo_client", port, NULL, lines, strlen(lines),
                 seconds, &cl)) {
    /* Every line back, and the client, half-closed, still waits: for the
     * server's close.  The data came through: half. */
    out = gr_slurp(cl->out_path, NULL);
    if (server == GR_STUDENT && out != NULL && strcmp(out, lines) == 0) {
      gr_say(c,
             "Every line came back; then %s half-closed at the end of its "
             "input (its FIN: shutdown(SHUT_WR)) and waited for your server "
             "to close the connection. When sl_readline returns 0, the "
             "client's end of file, sl_close() the connection.",
             cl->label);
      gr_score(c, 0.5);
    }
    gr_netstat_excerpt(c, port);
    free(lines);
    free(out);
    return;
  }
  out = gr_slurp(cl->out_path, NULL);
  what = client == GR_STUDENT ? "what your echo_client printed"
                              : "what came back from your echo_server";
  gr_score(c, gr_data_score(c, gr_compare_lines(c, lines, out, what)));
  gr_want_exit_0(c, cl);
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

/* One line through an open connection of the grader's own: 1 when it
 * came back as it went.  What came back (to its newline, at most len - 1
 * bytes, NUL-terminated) is in back. */
static int
echo_back(struct gr_ctx *c, int fd, const char *line, double seconds,
          char *back, size_t len)
{
  size_t n = strlen(line);

  back[0] = '\0';
  if (sl_writen(fd, line, n) != (ssize_t)n)
    return 0;
  gr_recv_line(c, fd, back, len, seconds);
  return strcmp(back, line) == 0;
}

static int
echo_one(struct gr_ctx *c, int fd, const char *line, double seconds)
{
  char back[256];

  return echo_back(c, fd, line, seconds, back, sizeof back);
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

/* The input's last line has no newline.  The server echoes that line
 * only at the client's end of file (it cannot know the line is over
 * before), so the client must half-close, then print what comes back;
 * one that waits for the echo first waits for ever, and so does the
 * server. */
static void
client_last_line(struct gr_ctx *c)
{
  int port = gr_port(c);
  char *lines = gr_lines(c, 2 + (int)gr_rand(c, 4), 80), *out;
  struct gr_buf in = {0};
  struct gr_proc *cl;

  gr_buf_printf(&in, "%sthe last line, %d, without a newline", lines,
                (int)gr_rand(c, 1000));
  free(lines);
  gr_server(c, GR_REF, "echo_server", port, NULL, 0);
  if (!gr_client(c, GR_STUDENT, "echo_client", port, NULL, in.s, in.len, 5,
                 &cl)) {
    gr_say(c,
           "The last line of the input, \"%s\", had no newline. The "
           "server echoes it only at your client's end of file: a client "
           "that waits for that echo before it closes waits for ever, and "
           "the server waits for it. After the last line, "
           "sl_shutdown(fd, SHUT_WR), then print what comes back until "
           "sl_readline returns 0.",
           strrchr(in.s, '\n') + 1);
    gr_buf_free(&in);
    return;
  }
  out = gr_slurp(cl->out_path, NULL);
  gr_score(c, gr_data_score(c, gr_compare_lines(c, in.s, out,
                                                "what your echo_client "
                                                "printed")));
  gr_want_exit_0(c, cl);
  gr_buf_free(&in);
  free(out);
}

/* Sends line (n bytes) back in 2 to 4 pieces, each its own segment, 20 to
 * 60 ms apart, as a slow path or a busy server might. */
static void
send_in_pieces(struct gr_ctx *c, int fd, const char *line, size_t n)
{
  size_t k = 2 + (size_t)gr_rand(c, 3), at = 0;

  k = k > n ? n : k;
  for (size_t i = 1; i <= k; i++) {
    /* Piece i ends at a seeded point, leaving a byte for each one after. */
    size_t end = i == k ? n : at + 1 + (size_t)gr_rand(c, n - at - (k - i));
    sl_writen(fd, line + at, end - at);
    at = end;
    if (i < k)
      usleep(20000 + (useconds_t)gr_rand(c, 40000));
  }
}

/* The student's client against the grader's own server, which echoes each
 * line in pieces: one sl_recv is not one line. */
static void
echo_in_pieces(struct gr_ctx *c)
{
  int port = gr_port(c), lfd, fd = -1;
  char *lines = gr_lines(c, 8, 120), *out, p[16];
  static char line[SL_READER_BUFSIZE];
  static struct sl_reader r;
  struct timeval patience = {5, 0};
  struct pollfd pl;
  struct gr_proc *cl;
  ssize_t n;

  if ((lfd = sl_tcp_listen(NULL, gr_itoa(port, p, sizeof p), 4)) < 0) {
    gr_say(c, "grader error: %s", sl_strerror());
    gr_end(c);
  }
  cl = gr_start(c, GR_STUDENT, "echo_client",
                (const char *[]){gr_host(c), p, NULL});
  gr_feed(cl, lines, strlen(lines));
  gr_close_stdin(cl);
  pl = (struct pollfd){.fd = lfd, .events = POLLIN};
  if (sl_poll(&pl, 1, 5000) <= 0 || (fd = sl_accept(lfd, NULL, NULL)) < 0) {
    gr_say(c, "Your echo_client did not connect to the grader's server.");
    gr_expect_exit(c, cl, 1);
    gr_show_stderr(c, cl);
    free(lines);
    return;
  }
  sl_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  sl_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  sl_reader_init(&r, fd);
  while ((n = sl_readline(&r, line, sizeof line)) > 0)
    send_in_pieces(c, fd, line, (size_t)n);
  sl_close(fd);
  sl_close(lfd);
  if (!gr_expect_exit(c, cl, 5)) {
    free(lines);
    return;
  }
  out = gr_slurp(cl->out_path, NULL);
  gr_score(c, gr_data_score(c, gr_compare_lines(c, lines, out,
                                                "what your echo_client "
                                                "printed")));
  if (c->score < 1)
    gr_say(c, "The grader's server sent each line back in 2 to 4 pieces, "
              "each in a segment of its own, 20-60 ms apart. One sl_recv "
              "returns what has arrived, perhaps part of a line: read to "
              "the newline (sl_readline does).");
  gr_want_exit_0(c, cl);
  free(lines);
  free(out);
}

/* The longest line the handout allows: 8191 bytes with its newline
 * (SL_READER_BUFSIZE - 1), seeded text, NUL-terminated. */
static char *
longest_line(struct gr_ctx *c)
{
  enum { LONG = SL_READER_BUFSIZE - 1 };
  char *more = gr_lines(c, 200, 120), *big = malloc(LONG + 1);
  size_t have = 0, n = strlen(more);

  /* Seeded lines without their newlines, one after the other. */
  while (have < LONG - 1) {
    size_t take = n < LONG - 1 - have ? n : LONG - 1 - have;
    for (size_t i = 0; i < take; i++)
      big[have + i] = more[i] == '\n' ? ' ' : more[i];
    have += take;
  }
  big[LONG - 1] = '\n';
  big[LONG] = '\0';
  free(more);
  return big;
}

/* A line of 8191 bytes through the student's server (then a short one,
 * to see it keeps its lines apart), and through the student's client
 * with the reference server: half each. */
static void
long_line(struct gr_ctx *c)
{
  static char back[SL_READER_BUFSIZE];
  char *big = longest_line(c), *out, shown[160];
  size_t len = strlen(big), got;
  int port = gr_port(c), fd, server_ok, client_ok = 0;
  struct gr_buf in = {0};
  struct gr_proc *cl, *srv;

  srv = gr_server(c, GR_STUDENT, "echo_server", port, NULL, 0);
  fd = gr_connect(c, port);
  sl_writen(fd, big, len);
  got = gr_recv_all(c, fd, back, len, 5);
  server_ok = got == len && memcmp(back, big, len) == 0 &&
              echo_one(c, fd, "a short line after the long one\n", 3);
  sl_close(fd);
  if (!server_ok)
    gr_say(c,
           "The grader sent your echo_server a line of %zu bytes (its "
           "newline included: the longest the handout allows), then a "
           "short one; it echoed %zu bytes of the long one%s. A buffer of "
           "SL_READER_BUFSIZE bytes holds it: char line[SL_READER_BUFSIZE] "
           "for sl_readline(&r, line, sizeof line).",
           len, got,
           got == len && memcmp(back, big, len) == 0
               ? ", but not the short one after it"
           : got > 0 ? ", and not as it went"
                     : "");
  if (!server_ok)
    gr_show_stderr(c, srv);
  port = gr_port(c);
  gr_server(c, GR_REF, "echo_server", port, NULL, 0);
  gr_buf_printf(&in, "a short line first\n%sand a short line after\n", big);
  if (gr_client(c, GR_STUDENT, "echo_client", port, NULL, in.s, in.len, 5,
                &cl)) {
    out = gr_slurp(cl->out_path, NULL);
    client_ok =
        gr_compare_lines(c, in.s, out, "what your echo_client printed") >= 1 &&
        gr_exited_ok(cl);
    if (!client_ok)
      gr_say(c,
             "Your echo_client's input had a line of %zu bytes between "
             "two short ones; it printed %s and %s. Its buffers must "
             "hold SL_READER_BUFSIZE bytes: fgets and sl_readline both "
             "keep room for the '\\0'.",
             len, gr_show_output(out, shown, sizeof shown),
             gr_exited_ok(cl) ? "exited with 0" : "did not exit with 0");
    free(out);
  }
  gr_score(c, 0.5 * server_ok + 0.5 * client_ok);
  gr_buf_free(&in);
  free(big);
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
  static const char next[] = "after the reset\n";
  char back[256], shown[160];
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
  ok = echo_back(c, fd, next, 3, back, sizeof back);
  sl_close(fd);
  if (ok) {
    gr_score(c, 1);
    return;
  }
  if (back[0] == '\0') {
    gr_say(c, "After a client reset its connection, the next client sent "
              "\"after the reset\\n\" and got no echo within 3 s.");
    return;
  }
  gr_say(c,
         "After a client reset its connection, the next client sent "
         "\"after the reset\\n\" and got back %s.",
         gr_quote(back, strlen(back), 100, shown, sizeof shown));
  if (strlen(back) > strlen(next) &&
      strcmp(back + strlen(back) - strlen(next), next) == 0)
    gr_say(c,
           "The %zu bytes before it are bytes of the client that was "
           "reset (it sent \"half a li\"): a buffer kept from one client "
           "to the next (a static one?) must start empty for each "
           "connection, as a struct sl_reader set up after each accept "
           "does.",
           strlen(back) - strlen(next));
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
    {"one_byte_writes",
     "your echo_server echoes a line that arrives one byte at a time", 2,
     GR_VISIBLE, 15, one_byte_writes},
    {"partial_last_line",
     "your echo_server echoes a last line without a newline, then closes", 2,
     GR_VISIBLE, 15, partial_last_line},
    {"echo_in_pieces",
     "your echo_client prints lines that come back in pieces, 20-60 ms apart",
     2, GR_VISIBLE, 20, echo_in_pieces},
    {"client_last_line",
     "your echo_client half-closes after a last line without a newline and "
     "prints its echo",
     2, GR_VISIBLE, 15, client_last_line},
    {"long_line",
     "a line of 8191 bytes through your echo_server and your echo_client", 2,
     GR_VISIBLE, 25, long_line},
    {"no_leaks", "no CLOSE_WAIT and no leaked descriptors after 8 clients", 1,
     GR_HIDDEN, 20, no_leaks},
    {"survives_reset",
     "a client that resets mid-line: the server goes on, the next client "
     "gets its own echo",
     1, GR_HIDDEN, 15, survives_reset},
    {"lossy_link", "30 lines on a lossy link on socklab's stack", 1, GR_HIDDEN,
     40, lossy_link},
    {"no_busy_loop", "no busy loop while a client is silent", 1, GR_HIDDEN, 15,
     no_busy_loop},
};

const struct gr_lab gr_lab02 = {"lab02", "lab02-tcp-echo", programs, tests,
                                sizeof tests / sizeof *tests};
