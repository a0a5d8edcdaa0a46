/* lab04-teardown: upload_server PORT (reads to the client's end of file,
 * replies "OK N\n", closes after the client) and upload_client HOST PORT
 * FILE (sends the file, shutdown(SHUT_WR), prints the reply, closes).
 * labs/README.md has the interface; RFC 9293 3.6 the teardown. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "grade/grade.h"
#include "socklab.h"
#include "obs/trace.h"

static const char *const programs[] = {"upload_server", "upload_client", NULL};

/* ---- files to upload ----------------------------------------------------- */

struct upfile {
  char path[320];
  char *data; /* its bytes, for the tests that check them one by one */
  size_t size;
};

/* Writes size seeded bytes to a new file of the test's directory. */
static void
make_file(struct gr_ctx *c, struct upfile *f, size_t size)
{
  static int made;
  FILE *out;

  snprintf(f->path, sizeof f->path, "%s/upload-%d.bin", c->work, ++made);
  f->size = size;
  f->data = malloc(size + 1);
  if (f->data == NULL || (out = fopen(f->path, "wb")) == NULL) {
    gr_say(c, "grader error: cannot write %s", f->path);
    gr_end(c);
  }
  for (size_t i = 0; i < size; i += 8) {
    uint64_t r = gr_rand(c, 0);
    memcpy(f->data + i, &r, size - i < 8 ? size - i : 8);
  }
  if (fwrite(f->data, 1, size, out) != size || fclose(out) != 0) {
    gr_say(c, "grader error: cannot write %s", f->path);
    gr_end(c);
  }
}

/* ---- the traces of socklab's stack, connection by connection ------------- */

struct conn_trace {
  char id[48];        /* "LOCAL:PORT>REMOTE:PORT", this side's view */
  char state[24];     /* netstat spelling, while the trace is read */
  char visited[256];  /* the states it went through, in order */
  char fin_cause[32]; /* what sent our FIN first ("shutdown(SHUT_WR)") */
  int data_half;      /* data arrived after our FIN (FIN_WAIT1/2) */
};

/* The connections of p's trace in the order they appear (a listener is
 * not one); how many, or -1 when p wrote no trace. */
static int
read_conns(const struct gr_proc *p, struct conn_trace *conns, int max)
{
  char line[1024], ev[16], id[48], from[24], to[24], dir[8];
  FILE *f = fopen(p->trace_path, "r");
  int n = 0;

  if (f == NULL)
    return -1;
  memset(conns, 0, sizeof *conns * (size_t)max);
  while (fgets(line, sizeof line, f) != NULL) {
    struct conn_trace *k = NULL;
    sl__trace_field_str(line, "ev", ev, sizeof ev);
    sl__trace_field_str(line, "conn", id, sizeof id);
    if (id[0] == '\0' || strstr(id, ">0.0.0.0:0") != NULL)
      continue;
    for (int i = 0; i < n && k == NULL; i++)
      if (strcmp(conns[i].id, id) == 0)
        k = &conns[i];
    if (k == NULL) {
      if (n == max || strcmp(ev, "state") != 0)
        continue;
      k = &conns[n++];
      snprintf(k->id, sizeof k->id, "%s", id);
    }
    if (strcmp(ev, "state") == 0) {
      size_t len = strlen(k->visited);
      sl__trace_field_str(line, "from", from, sizeof from);
      sl__trace_field_str(line, "to", to, sizeof to);
      if (len == 0)
        len = (size_t)snprintf(k->visited, sizeof k->visited, "%s",
                               gr_netstat_name(from));
      snprintf(k->visited + len, sizeof k->visited - len, " %s",
               gr_netstat_name(to));
      snprintf(k->state, sizeof k->state, "%s", gr_netstat_name(to));
      if (strcmp(to, "FIN-WAIT-1") == 0 && k->fin_cause[0] == '\0')
        sl__trace_field_str(line, "cause", k->fin_cause, sizeof k->fin_cause);
    } else if (strcmp(ev, "seg") == 0) {
      sl__trace_field_str(line, "dir", dir, sizeof dir);
      if (strcmp(dir, "in") == 0 && sl__trace_field_num(line, "len") > 0 &&
          strncmp(k->state, "FIN_WAIT", 8) == 0)
        k->data_half = 1;
    }
  }
  fclose(f);
  return n;
}

/* Does the list of states visited have a, then b later? */
static int
visited_in_order(const char *visited, const char *a, const char *b)
{
  char pa[24], pb[24];
  const char *x;

  snprintf(pa, sizeof pa, " %s", a);
  snprintf(pb, sizeof pb, " %s", b);
  x = strstr(visited, pa);
  return x != NULL && strstr(x + strlen(pa), pb) != NULL;
}

/* ---- running the programs ------------------------------------------------ */

/* Waits for a client; when it is stuck, shows the server's port in
 * netstat while it still is, says where it waits, and stops it. */
static int
client_finishes(struct gr_ctx *c, struct gr_proc *cl, int port, double seconds)
{
  static int shown;
  char where[96];

  if (gr_wait(c, cl, seconds))
    return 1;
  gr_where(cl, where, sizeof where);
  gr_say(c, "%s did not finish within %.0f s%s%s.", cl->label, seconds,
         where[0] ? ": it was still in " : "", where);
  if (!shown++) /* the first time: the next ones look the same */
    gr_netstat_excerpt(c, port);
  gr_stop(cl);
  return 0;
}

/* who's upload_client sends f to port, and must print "OK size" and exit
 * 0: 1 when it did, 0.5 when only the status was wrong, 0 otherwise. */
static double
upload(struct gr_ctx *c, enum gr_who who, int port, const struct upfile *f,
       double seconds, struct gr_proc **out)
{
  const char *argv[4];
  char p[16], want[32], how[200], *got;
  struct gr_proc *cl;
  double score = 0;
  static int hinted;

  argv[0] = gr_host(c);
  argv[1] = gr_itoa(port, p, sizeof p);
  argv[2] = f->path;
  argv[3] = NULL;
  cl = gr_start(c, who, "upload_client", argv);
  if (out != NULL)
    *out = cl;
  gr_close_stdin(cl);
  if (!client_finishes(c, cl, port, seconds)) {
    if (hinted++)
      return 0; /* once is enough */
    if (who == GR_STUDENT)
      gr_say(c, "Your client waits for the reply while the server waits for "
                "the end of the upload: after the file, "
                "sl_shutdown(fd, SHUT_WR) sends the FIN that tells the server "
                "the upload is over (and the client can still read).");
    else
      gr_say(c,
             "The reference client sent the %zu-byte file, then its FIN "
             "(shutdown(SHUT_WR)), and waited for \"OK %zu\": your server "
             "did not reply and close.",
             f->size, f->size);
    return 0;
  }
  snprintf(want, sizeof want, "OK %zu\n", f->size);
  got = gr_slurp(cl->out_path, NULL);
  if (got != NULL && strcmp(got, want) == 0) {
    score = 1;
  } else {
    char shown[160];
    gr_say(c, "Uploading a %zu-byte file, %s printed %s; expected \"OK %zu\".",
           f->size, cl->label, gr_show_output(got, shown, sizeof shown),
           f->size);
    if (got != NULL && strncmp(got, "OK ", 3) == 0) {
      if (who == GR_STUDENT)
        gr_say(c, "The server counted what arrived: bytes of the file were "
                  "lost on the way out of your client (a short write?).");
      else
        gr_say(c, "The reference client sent every byte: your server "
                  "counted them wrong.");
    }
  }
  if (!gr_exited_ok(cl)) {
    gr_exit_text(cl, how, sizeof how);
    gr_say(c, "%s %s; it should exit with 0 after an upload.", cl->label, how);
    gr_show_stderr(c, cl);
    score *= 0.5;
  }
  free(got);
  return score;
}

/* Uploads of these sizes, one after the other; the server is started
 * first. */
static void
uploads(struct gr_ctx *c, enum gr_who server, enum gr_who client,
        const size_t *sizes, int n, double seconds)
{
  int port = gr_port(c), right = 0;
  double sum = 0, one;

  gr_server(c, server, "upload_server", port, NULL, 0);
  for (int i = 0; i < n; i++) {
    struct upfile f = {0};
    make_file(c, &f, sizes[i]);
    sum += one = upload(c, client, port, &f, seconds, NULL);
    right += one > 0; /* the reply counted every byte */
    free(f.data);
  }
  /* A wrong count is data lost: all or nothing.  A wrong exit status
   * costs half of that upload's share. */
  gr_score(c, gr_data_score(c, (double)right / n) * sum / n);
  if (sum < n)
    gr_say(c, "%.1f of %d uploads as expected.", sum, n);
}

/* ---- the grader's own connections ---------------------------------------- */

/* An upload of the grader's own: size seeded bytes, its FIN, and the
 * reply.  Is the reply "OK size"?  The connection is closed. */
static int
own_upload(struct gr_ctx *c, int port, size_t size, char *reply, size_t len)
{
  int fd = gr_connect(c, port), ok;
  char want[32], *data = size > 0 ? malloc(size) : NULL;

  for (size_t i = 0; data != NULL && i < size; i++)
    data[i] = (char)('a' + gr_rand(c, 26));
  if (data != NULL)
    sl_writen(fd, data, size);
  free(data);
  sl_shutdown(fd, SHUT_WR);
  gr_recv_line(c, fd, reply, len, 3);
  sl_close(fd);
  snprintf(want, sizeof want, "OK %zu\n", size);
  ok = strcmp(reply, want) == 0;
  reply[strcspn(reply, "\n")] = '\0';
  return ok;
}

/* Waits up to seconds until p holds no more descriptors than fds and no
 * connection of port is in CLOSE_WAIT; 1 when it came to that. */
static int
settles(struct gr_ctx *c, struct gr_proc *p, int port, int fds, double seconds)
{
  for (int waited = 0; waited <= (int)(seconds * 1000); waited += 20) {
    if (gr_open_fds(p) <= fds && gr_count_state(c, p, "CLOSE_WAIT", port) == 0)
      return 1;
    usleep(20000);
  }
  return 0;
}

/* ---- the tests ----------------------------------------------------------- */

static void
server_with_reference_client(struct gr_ctx *c)
{
  const size_t sizes[] = {1, 1500000 + gr_rand(c, 1500000), 0};

  uploads(c, GR_STUDENT, GR_REF, sizes, 3, 3);
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  const size_t sizes[] = {10000 + gr_rand(c, 20000), 1, 0};

  uploads(c, GR_REF, GR_STUDENT, sizes, 3, 3);
}

static void
client_with_your_server(struct gr_ctx *c)
{
  const size_t sizes[] = {10000 + gr_rand(c, 20000)};

  uploads(c, GR_STUDENT, GR_STUDENT, sizes, 1, 3);
}

/* On socklab's stack: the client's FIN goes first (shutdown), the reply
 * arrives in FIN_WAIT2, and the client ends in TIME_WAIT. */
static void
client_half_close(struct gr_ctx *c)
{
  struct conn_trace k[4];
  struct upfile f = {0};
  struct gr_proc *srv, *cl;
  int port, n;
  double ok;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  srv = gr_server(c, GR_REF, "upload_server", port, NULL, 0);
  make_file(c, &f, 1 + gr_rand(c, 3000));
  ok = upload(c, GR_STUDENT, port, &f, 4, &cl);
  free(f.data);
  if (!cl->done || (n = read_conns(cl, k, 4)) < 0) {
    if (cl->done)
      gr_say(c, "No trace from socklab's stack: did your client use sl_ "
                "calls?");
    gr_ladder_excerpt(c, cl, srv, 30);
    return;
  }
  if (n == 1 && strcmp(k[0].fin_cause, "shutdown(SHUT_WR)") == 0 &&
      visited_in_order(k[0].visited, "FIN_WAIT1", "FIN_WAIT2") &&
      visited_in_order(k[0].visited, "FIN_WAIT2", "TIME_WAIT") &&
      k[0].data_half) {
    gr_score(c, ok);
    return;
  }
  gr_say(c,
         "On socklab's stack your client went through: %s%s%s.\nExpected "
         "SYN_SENT ESTABLISHED FIN_WAIT1 (its shutdown(SHUT_WR)) FIN_WAIT2 "
         "TIME_WAIT, with the server's reply arriving in FIN_WAIT2: the "
         "half-close, the client's FIN first.",
         n > 0 ? k[0].visited : "(no connection)",
         n > 0 && k[0].fin_cause[0] ? "; its FIN was sent by " : "",
         n > 0 ? k[0].fin_cause : "");
  if (n > 0 && strcmp(k[0].fin_cause, "shutdown(SHUT_RDWR)") == 0)
    gr_say(c, "SHUT_RDWR shuts the reading side too: the client says it "
              "will read nothing more, yet the reply is still to come. "
              "shutdown(SHUT_WR) ends the upload and leaves the client "
              "able to read.");
  if (n > 0 && k[0].fin_cause[0] && !k[0].data_half)
    gr_say(c, "No reply arrived after your client's FIN.");
  gr_ladder_excerpt(c, cl, srv, 30);
  gr_score(c, ok * 0.5);
}

/* On socklab's stack: the server's close is the passive one, after the
 * client's FIN (CLOSE_WAIT, LAST_ACK), for an empty upload too. */
static void
server_passive_close(struct gr_ctx *c)
{
  struct conn_trace k[4];
  struct upfile f[2] = {{{0}}};
  struct gr_proc *srv, *cl[2];
  int port, n;
  double score = 0;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  srv = gr_server(c, GR_STUDENT, "upload_server", port, NULL, 0);
  make_file(c, &f[0], 0);
  make_file(c, &f[1], 1 + gr_rand(c, 3000));
  for (int i = 0; i < 2; i++) {
    upload(c, GR_REF, port, &f[i], 3, &cl[i]);
    free(f[i].data);
  }
  if ((n = read_conns(srv, k, 4)) < 0) {
    gr_say(c, "No trace from socklab's stack: did your server use sl_ "
              "calls?");
    return;
  }
  for (int i = 0; i < 2; i++) {
    if (i < n && visited_in_order(k[i].visited, "CLOSE_WAIT", "LAST_ACK") &&
        strstr(k[i].visited, "FIN_WAIT") == NULL &&
        strstr(k[i].visited, "TIME_WAIT") == NULL) {
      score += 0.5;
      continue;
    }
    gr_say(c,
           "The %s upload: your server went through %s.\nExpected "
           "ESTABLISHED CLOSE_WAIT (the client's FIN) LAST_ACK (your "
           "sl_close() after the reply): the client closes first.",
           f[i].size ? "second (a small file)" : "first (an empty file)",
           i < n ? k[i].visited : "(no such connection in its trace)");
    if (i < n && strcmp(k[i].state, "CLOSE_WAIT") == 0)
      gr_say(c, "It stayed in CLOSE_WAIT: that path never reaches "
                "sl_close().");
    gr_ladder_excerpt(c, cl[i], i == 0 ? srv : NULL, 30);
  }
  gr_score(c, score);
}

/* Clients come and go, empty uploads included: nothing stays behind. */
static void
no_close_wait(struct gr_ctx *c)
{
  int port = gr_port(c), before, fd, fds, cw;
  struct gr_proc *srv =
      gr_server(c, GR_STUDENT, "upload_server", port, NULL, 0);
  char reply[64];

  before = gr_open_fds(srv);
  own_upload(c, port, 0, reply, sizeof reply);
  fd = gr_connect(c, port); /* an empty upload: connect, and close */
  sl_close(fd);
  own_upload(c, port, 1, reply, sizeof reply);
  own_upload(c, port, 0, reply, sizeof reply);
  if (settles(c, srv, port, before, 2)) {
    gr_score(c, 1);
    return;
  }
  fds = gr_open_fds(srv);
  cw = gr_count_state(c, srv, "CLOSE_WAIT", port);
  gr_say(c,
         "Four clients uploaded (two empty uploads, a client that "
         "connected and closed at once, one byte) and left; then your "
         "server held %d connection%s in CLOSE_WAIT and %d descriptors "
         "(%d before).",
         cw, cw == 1 ? "" : "s", fds, before);
  if (cw > 0)
    gr_say(c, "CLOSE_WAIT: the client closed, and your server never "
              "called sl_close() on that socket. Which path of your loop "
              "skips it? `socklab netstat --diagnose` finds them.");
  gr_netstat_excerpt(c, port);
}

/* Waits up to ms for something (the reply, a FIN) from the server on
 * fd; the milliseconds it took, or -1 when nothing came. */
static int
heard_within(int fd, int ms)
{
  struct timespec t0, t;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int left = ms; left > 0;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = sl_poll(&p, 1, left), spent;
    clock_gettime(CLOCK_MONOTONIC, &t);
    spent = (int)((t.tv_sec - t0.tv_sec) * 1000 +
                  (t.tv_nsec - t0.tv_nsec) / 1000000);
    if (r > 0)
      return spent;
    left = ms - spent;
  }
  return -1;
}

/* A client that pauses before its shutdown(SHUT_WR): the server must wait
 * for the end of file, so that the client's FIN comes first and no
 * TIME_WAIT lands on the server's port. */
static void
server_no_time_wait(struct gr_ctx *c)
{
  int port = gr_port(c), fd, early, tw, ok = 0, bad_early = 0;
  size_t sizes[] = {1000 + gr_rand(c, 20000), 0};
  char reply[64], want[32];

  gr_server(c, GR_STUDENT, "upload_server", port, NULL, 0);

  for (int i = 0; i < 2; i++) {
    fd = gr_connect(c, port);
    if (sizes[i] > 0) {
      char *data = malloc(sizes[i]);
      for (size_t j = 0; data != NULL && j < sizes[i]; j++)
        data[j] = (char)('a' + gr_rand(c, 26));
      if (data != NULL)
        sl_writen(fd, data, sizes[i]);
      free(data);
    }
    early = heard_within(fd, 1000);
    sl_shutdown(fd, SHUT_WR);
    gr_recv_line(c, fd, reply, sizeof reply, 3);
    sl_close(fd);
    snprintf(want, sizeof want, "OK %zu", sizes[i]);
    reply[strcspn(reply, "\n")] = '\0';
    if (early >= 0) {
      bad_early = 1;
      gr_say(c,
             "The grader's client sent %zu bytes, then paused 1 s before its "
             "shutdown(SHUT_WR); %d ms into the pause your server sent "
             "its reply or its FIN. A pause is not the end of an upload: "
             "only the client's FIN is (sl_recv() returns 0).",
             sizes[i], early);
    } else if (strcmp(reply, want) != 0) {
      gr_say(c,
             "The grader's client sent %zu bytes, paused 1 s, then shut "
             "down its sending side: your server replied %s%.60s%s, not "
             "\"%s\".",
             sizes[i], reply[0] ? "\"" : "", reply[0] ? reply : "nothing",
             reply[0] ? "\"" : "", want);
    } else {
      ok++;
    }
  }
  usleep(50000);
  tw = gr_count_state(c, NULL, "TIME_WAIT", port);
  if (tw > 0) {
    gr_say(c,
           "%d connection%s in TIME_WAIT on your server's port %d: your "
           "server closed first. Wait for the client's end of file before "
           "you reply; then the client's FIN is first and TIME_WAIT is "
           "the client's.",
           tw, tw == 1 ? "" : "s", port);
    gr_netstat_excerpt(c, port);
  }
  gr_score(c, tw > 0 || bad_early ? 0 : ok / 2.0);
}

/* The grader plays the server: it checks the upload byte for byte, then
 * sends its reply one byte at a time.  The client must print the line
 * whole, however it arrives. */
static void
reply_in_pieces(struct gr_ctx *c)
{
  int port = gr_port(c), lfd, fd = -1;
  char p[16], reply[32], *got = NULL, *out;
  const char *argv[4];
  struct upfile f = {0};
  struct gr_proc *cl;
  struct pollfd pl;
  size_t have = 0, n;
  double score = 0;

  make_file(c, &f, 100 + gr_rand(c, 4000));
  if ((lfd = sl_tcp_listen(NULL, gr_itoa(port, p, sizeof p), 4)) < 0) {
    gr_say(c, "grader error: %s", sl_strerror());
    gr_end(c);
  }
  argv[0] = gr_host(c);
  argv[1] = p;
  argv[2] = f.path;
  argv[3] = NULL;
  cl = gr_start(c, GR_STUDENT, "upload_client", argv);
  gr_close_stdin(cl);
  pl = (struct pollfd){.fd = lfd, .events = POLLIN};
  if (sl_poll(&pl, 1, 5000) <= 0 || (fd = sl_accept(lfd, NULL, NULL)) < 0) {
    gr_say(c, "Your upload_client did not connect to the grader's server.");
    client_finishes(c, cl, port, 1);
    gr_show_stderr(c, cl);
    return;
  }
  /* The whole file and the end of file; a client that never sends its
   * FIN gets the reply anyway, a second after the last byte (the other
   * tests hold that against it). */
  got = malloc(f.size + 1);
  while (got != NULL && have <= f.size &&
         (n = gr_recv_all(c, fd, got + have, f.size + 1 - have,
                          have < f.size ? 4 : 1)) > 0)
    have += n;
  if (got != NULL && have == f.size && memcmp(got, f.data, f.size) == 0) {
    score += 0.5;
  } else {
    size_t i = 0;
    while (got != NULL && i < have && i < f.size && got[i] == f.data[i])
      i++;
    if (have == 0)
      gr_say(c, "The grader's server received nothing of a %zu-byte file.",
             f.size);
    else
      gr_say(c,
             "The grader's server received %zu bytes of a %zu-byte file; "
             "the first %zu as in the file%s.",
             have, f.size, i, i < have ? ", then a different byte" : "");
  }
  sl_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  n = (size_t)snprintf(reply, sizeof reply, "OK %zu\n", f.size);
  for (size_t i = 0; i < n; i++) {
    sl_send(fd, reply + i, 1, 0);
    usleep(30000);
  }
  sl_close(fd);
  sl_close(lfd);
  if (client_finishes(c, cl, port, 4)) {
    out = gr_slurp(cl->out_path, NULL);
    size_t len = out ? strcspn(out, "\n") : 0;
    if (out != NULL && strcmp(out, reply) == 0 && gr_exited_ok(cl)) {
      score += 0.5;
    } else if (len > 0 && len + 1 < n && strncmp(out, reply, len) == 0) {
      gr_say(c,
             "The grader's server sent its reply \"OK %zu\" one byte per "
             "segment; your client printed \"%.*s\": one recv() is not "
             "one line. Read to the newline (sl_readline() does).",
             f.size, (int)len, out);
    } else {
      char how[200], shown[160];
      gr_exit_text(cl, how, sizeof how);
      gr_say(c,
             "The grader's server sent its reply \"OK %zu\" (one byte per "
             "segment); your client printed %s and %s.",
             f.size, gr_show_output(out, shown, sizeof shown), how);
    }
    free(out);
  }
  free(got);
  free(f.data);
  gr_score(c, score);
}

/* A client resets its connection in the middle of an upload: the server
 * closes that socket and serves the next client. */
static void
survives_reset(struct gr_ctx *c)
{
  int port = gr_port(c), before, fd, fds, served;
  struct gr_proc *srv =
      gr_server(c, GR_STUDENT, "upload_server", port, NULL, 0);
  struct linger lg = {1, 0};
  char reply[64];
  double score = 0;

  before = gr_open_fds(srv);
  fd = gr_connect(c, port);
  sl_writen(fd, "half an uplo", 12);
  usleep(100000);
  sl_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  sl_close(fd); /* RST */
  if (settles(c, srv, port, before, 2))
    score += 0.5;
  if (!gr_running(srv)) {
    char how[200];
    gr_exit_text(srv, how, sizeof how);
    gr_say(c,
           "A client reset its connection (RST) in the middle of an "
           "upload, and your server %s. A failed connection must end that "
           "connection only: close it, go back to sl_accept().",
           how);
    gr_show_stderr(c, srv);
    gr_score(c, 0);
    return;
  }
  fds = gr_open_fds(srv);
  if (score == 0)
    gr_say(c,
           "After a client reset its connection in the middle of an "
           "upload, your server held %d descriptors (%d before): the reset "
           "connection's socket was never closed. sl_recv() returning -1 "
           "is a path to sl_close() too.",
           fds, before);
  served = own_upload(c, port, 5, reply, sizeof reply);
  if (served)
    score += 0.5;
  else
    gr_say(c,
           "After the reset, the next client's 5-byte upload got "
           "\"%.60s\", not \"OK 5\".",
           reply);
  gr_score(c, score);
}

static void
large_upload(struct gr_ctx *c)
{
  struct upfile f = {0};
  struct gr_proc *cl;
  int port;

  gr_use_stack(c, GR_USER, "");
  port = gr_port(c);
  gr_server(c, GR_REF, "upload_server", port, NULL, 0);
  make_file(c, &f, 3000000 + gr_rand(c, 1000000));
  gr_score(c, upload(c, GR_STUDENT, port, &f, 6, &cl));
  if (c->score < 1 && gr_exited_ok(cl))
    gr_say(c, "(On socklab's stack, whose send buffer holds 64 KiB: "
              "sl_send() takes what fits and returns that count; "
              "sl_writen() loops until all of it is sent.)");
  free(f.data);
}

static void
lossy_link(struct gr_ctx *c)
{
  struct upfile f = {0};
  struct gr_proc *cl;
  int port;

  gr_use_stack(c, GR_USER, "--loss 10% --reorder 5% --dup 2%");
  port = gr_port(c);
  gr_server(c, GR_REF, "upload_server", port, NULL, 0);
  /* Less than the 64 KiB send buffer: this test is about the link. */
  make_file(c, &f, 20000 + gr_rand(c, 20000));
  gr_score(c, upload(c, GR_STUDENT, port, &f, 20, &cl));
  if (c->score < 1)
    gr_say(c,
           "(On socklab's stack, with 10%% loss, 5%% reordering and 2%% "
           "duplication; hub seed %llu.)",
           (unsigned long long)c->seed);
  free(f.data);
}

static const struct gr_test tests[] = {
    {"server_with_reference_client",
     "your upload_server counts uploads of 1 byte, megabytes and nothing", 2,
     GR_VISIBLE, 25, server_with_reference_client},
    {"client_with_reference_server",
     "your upload_client uploads kilobytes, 1 byte and nothing", 3, GR_VISIBLE,
     25, client_with_reference_server},
    {"client_with_your_server", "your upload_client with your upload_server", 1,
     GR_VISIBLE, 15, client_with_your_server},
    {"client_half_close",
     "your client half-closes: FIN_WAIT1, the reply in FIN_WAIT2, TIME_WAIT", 2,
     GR_VISIBLE, 20, client_half_close},
    {"server_passive_close",
     "your server closes after the client: CLOSE_WAIT, LAST_ACK", 1, GR_VISIBLE,
     20, server_passive_close},
    {"no_close_wait",
     "no CLOSE_WAIT and no leaked descriptors after empty uploads", 2,
     GR_VISIBLE, 20, no_close_wait},
    {"server_no_time_wait",
     "no TIME_WAIT on the server when the client pauses before its FIN", 2,
     GR_VISIBLE, 20, server_no_time_wait},
    {"reply_in_pieces",
     "the upload byte for byte; a reply that arrives one byte at a time", 2,
     GR_VISIBLE, 20, reply_in_pieces},
    {"large_upload", "your client uploads 3-4 MB on socklab's stack", 3,
     GR_VISIBLE, 25, large_upload},

    {"survives_reset",
     "a client that resets mid-upload: closed, and the next one served", 1,
     GR_HIDDEN, 15, survives_reset},
    {"lossy_link", "your client's upload over a lossy link", 1, GR_HIDDEN, 35,
     lossy_link},
};

const struct gr_lab gr_lab04 = {"lab04", "lab04-teardown", programs, tests,
                                sizeof tests / sizeof *tests};
