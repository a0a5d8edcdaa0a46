/* lab03-handshake: hs_server PORT MSS (announces MSS in its SYN,ACK,
 * counts one upload to end of file) and hs_client HOST PORT MSS BYTES
 * (announces MSS in its SYN, sends BYTES bytes, closes first).  The
 * protocol is checked in the traces of socklab's stack; labs/README.md
 * has the interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "grade/grade.h"

static const char *const programs[] = {"hs_server", "hs_client", NULL};

/* MSS values other than the handout's, so that a program that hard-codes
 * 1400 or 1460 (or sets nothing: 1460 on socklab's stack) is found out. */
static const int other_mss[] = {536, 1000, 1200};

/* socklab's stack advertises at most a 65535-byte window, so one recv
 * never returns more: a larger upload always takes several, and the
 * client cannot send all of it before the server reads. */
enum { MANY_RECVS = 70000 };

/* One upload from an hs_client to an hs_server. */
struct upload {
  struct gr_proc *srv, *cl;
  int ended; /* both exited in time */
};

static void
run_upload(struct gr_ctx *c, struct upload *u, enum gr_who server, int smss,
           enum gr_who client, int cmss, long long bytes, double seconds)
{
  char sm[16], cm[16], by[24];
  const char *smore[] = {gr_itoa(smss, sm, sizeof sm), NULL};
  const char *cmore[] = {gr_itoa(cmss, cm, sizeof cm), by, NULL};
  int port = gr_port(c);

  snprintf(by, sizeof by, "%lld", bytes);
  *u = (struct upload){0};
  u->srv = gr_server(c, server, "hs_server", port, smore, 0);
  u->ended =
      gr_client(c, client, "hs_client", port, cmore, NULL, 0, seconds, &u->cl);
  /* The server has the client's FIN once the client is gone: it should
   * print its count and exit at once. */
  if (u->ended) {
    u->ended = gr_expect_exit(c, u->srv, 5);
    return;
  }
  if (server == GR_STUDENT && gr_running(u->srv)) {
    char where[96];
    gr_where(u->srv, where, sizeof where);
    gr_say(c,
           "Meanwhile your hs_server had not exited%s%s. The client waits "
           "for its FIN: once sl_recv returns 0 (the client's FIN), the "
           "server prints its count and closes.",
           where[0] ? ": it was in " : "", where);
  }
  gr_stop(u->srv);
}

/* The N of the line "WORD N bytes" p printed; -1 when there is none.  What
 * it printed (its first line) goes to shown. */
static long long
printed_count(const struct gr_proc *p, const char *word, char *shown,
              size_t len)
{
  char *out = gr_slurp(p->out_path, NULL), fmt[32];
  long long n = -1, v;

  snprintf(shown, len, "nothing");
  if (out == NULL)
    return -1;
  if (out[0] != '\0')
    snprintf(shown, len, "\"%.*s\"", (int)strcspn(out, "\n"), out);
  snprintf(fmt, sizeof fmt, "%s %%lld bytes", word);
  for (char *save = NULL, *l = strtok_r(out, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save))
    if (sscanf(l, fmt, &v) == 1)
      n = v;
  free(out);
  return n;
}

/* Did p print "WORD want bytes" and exit 0?  When not, says what it did;
 * why names where want comes from. */
static int
count_ok(struct gr_ctx *c, struct gr_proc *p, const char *word, long long want,
         const char *why)
{
  char shown[160], how[200];
  long long got = printed_count(p, word, shown, sizeof shown);

  if (got == want && gr_exited_ok(p))
    return 1;
  gr_exit_text(p, how, sizeof how);
  gr_say(c,
         "Expected %s to print \"%s %lld bytes\" (%s) and exit 0; it "
         "printed %s and %s.",
         p->label, word, want, why, shown, how);
  if (got >= 0 && got < want && strcmp(word, "received") == 0 &&
      strncmp(p->label, "your", 4) == 0)
    gr_say(c,
           "It counted %lld bytes too few. One sl_recv returns whatever "
           "has arrived, at most what fits in the receive buffer, "
           "never \"the whole message\": read until sl_recv "
           "returns 0, the client's FIN, and add up what each returns.",
           want - got);
  gr_show_stderr(c, p);
  return 0;
}

/* Reads both traces; 0, or -1 with what is missing said. */
static int
read_traces(struct gr_ctx *c, const struct upload *u, struct gr_trace *ct,
            struct gr_trace *st)
{
  const struct gr_proc *missing = NULL;

  if (gr_trace_read(u->cl, ct) < 0)
    missing = u->cl;
  if (gr_trace_read(u->srv, st) < 0)
    missing = u->srv;
  if (missing == NULL)
    return 0;
  gr_say(c,
         "%s left no trace of socklab's stack: does it use the sl_ calls "
         "(sl_socket, sl_connect, sl_send, ...) throughout?",
         missing->label);
  return -1;
}

/* ---- the counts ---------------------------------------------------------- */

static void
server_with_reference_client(struct gr_ctx *c)
{
  struct upload u;
  long long bytes = MANY_RECVS + (long long)gr_rand(c, 60000);

  gr_use_stack(c, GR_USER, "");
  run_upload(c, &u, GR_STUDENT, 1400, GR_REF, 1460, bytes, 10);
  if (u.ended &&
      count_ok(c, u.srv, "received", bytes, "the reference client sent that"))
    gr_score(c, 1);
}

static void
client_with_reference_server(struct gr_ctx *c)
{
  struct upload u;
  long long bytes = 1 + (long long)gr_rand(c, 100000);
  int counted, arrived;

  gr_use_stack(c, GR_USER, "");
  run_upload(c, &u, GR_REF, 1400, GR_STUDENT, 1460, bytes, 10);
  if (!u.ended)
    return;
  /* The bytes that arrived are the data: all or nothing.  Then half for
   * them, half for the count the client printed. */
  counted = count_ok(c, u.cl, "sent", bytes, "it was told BYTES");
  arrived =
      count_ok(c, u.srv, "received", bytes, "all your client should have sent");
  if (!arrived)
    gr_say(c, "Did your client send all BYTES bytes (sl_writen loops over "
              "short writes) before it closed?");
  gr_score(c, gr_data_score(c, arrived) * (0.5 + 0.5 * counted));
}

/* Each side's states in the trace: the handshake as the lecture draws it. */
static int
handshake_states_ok(struct gr_ctx *c, const struct upload *u,
                    const struct gr_trace *ct, const struct gr_trace *st)
{
  int ok = 1;

  if (ct->data_segments == 0) {
    gr_say(c,
           "%s sent no data: there was no transfer to check the "
           "handshake of.",
           u->cl->label);
    return 0;
  }
  if (strstr(ct->visited, "SYN_SENT ESTABLISHED") == NULL) {
    gr_say(c,
           "%s went through: %s.\nExpected SYN_SENT -> ESTABLISHED: its "
           "SYN out, the server's SYN,ACK in.",
           u->cl->label, ct->visited);
    ok = 0;
  }
  if (strstr(st->visited, "LISTEN SYN_RECV ESTABLISHED") == NULL) {
    gr_say(c,
           "%s went through: %s.\nExpected LISTEN -> SYN_RECV -> "
           "ESTABLISHED: the client's SYN in, the final ACK in.",
           u->srv->label, st->visited);
    ok = 0;
  }
  return ok;
}

static void
client_with_your_server(struct gr_ctx *c)
{
  struct upload u;
  struct gr_trace ct, st;
  long long bytes = MANY_RECVS + (long long)gr_rand(c, 60000);
  double score = 0;
  int counted;

  gr_use_stack(c, GR_USER, "");
  run_upload(c, &u, GR_STUDENT, 1400, GR_STUDENT, 1460, bytes, 10);
  if (!u.ended)
    return;
  /* The counts are the data (all or nothing); the states half the rest. */
  counted = count_ok(c, u.cl, "sent", bytes, "it was told BYTES") &&
            count_ok(c, u.srv, "received", bytes, "what your client sent");
  if (read_traces(c, &u, &ct, &st) == 0) {
    if (handshake_states_ok(c, &u, &ct, &st))
      score += 0.5;
    else
      gr_ladder_excerpt(c, u.cl, u.srv, 30);
  }
  gr_score(c, gr_data_score(c, counted) * (0.5 + score));
}

/* ---- the MSS in the handshake -------------------------------------------- */

/* Did the SYN (the client's) or SYN,ACK (the server's) announce mss? */
static int
announced_ok(struct gr_ctx *c, const struct gr_proc *p, const char *what,
             int syn_mss, int want, const char *when)
{
  if (syn_mss == want)
    return 1;
  if (syn_mss == 0)
    gr_say(c, "%s was started with MSS %d; its %s carried no MSS option.",
           p->label, want, what);
  else
    gr_say(c,
           "%s was started with MSS %d; its %s announced mss=%d%s. Set "
           "TCP_MAXSEG %s: the %s carries it, and after that it is too "
           "late.",
           p->label, want, what, syn_mss,
           syn_mss == 1460 ? " (socklab's default: was it set at all?)" : "",
           when, what);
  return 0;
}

/* The reference client uploads to your server, told to announce smss. */
static int
server_announces(struct gr_ctx *c, int smss)
{
  struct upload u;
  struct gr_trace ct, st;
  long long bytes = 20000 + (long long)gr_rand(c, 20000);
  int ok;

  run_upload(c, &u, GR_STUDENT, smss, GR_REF, 1460, bytes, 10);
  if (read_traces(c, &u, &ct, &st) < 0)
    return 0;
  ok = announced_ok(c, u.srv, "SYN,ACK", st.syn_mss, smss,
                    "on the listening socket, before sl_listen()");
  if (ct.max_payload > (unsigned)smss) {
    gr_say(c,
           "The reference client's largest segment carried %u bytes; "
           "it should be at most your server's MSS, %d.",
           ct.max_payload, smss);
    ok = 0;
  }
  if (!ok)
    gr_ladder_excerpt(c, u.cl, u.srv, 30);
  return ok;
}

static void
server_announces_mss(struct gr_ctx *c)
{
  int other = other_mss[gr_rand(c, sizeof other_mss / sizeof *other_mss)];
  int ok;

  gr_use_stack(c, GR_USER, "");
  ok = server_announces(c, 1400);
  ok += server_announces(c, other);
  gr_score(c, ok / 2.0);
}

/* Your client uploads to the reference server, told to announce cmss. */
static int
client_announces(struct gr_ctx *c, int cmss)
{
  struct upload u;
  struct gr_trace ct, st;
  long long bytes = 5000 + (long long)gr_rand(c, 5000);

  run_upload(c, &u, GR_REF, 1400, GR_STUDENT, cmss, bytes, 10);
  if (read_traces(c, &u, &ct, &st) < 0)
    return 0;
  if (announced_ok(c, u.cl, "SYN", ct.syn_mss, cmss,
                   "on the socket before sl_connect()"))
    return 1;
  gr_ladder_excerpt(c, u.cl, u.srv, 30);
  return 0;
}

static void
client_announces_mss(struct gr_ctx *c)
{
  int first = (int)gr_rand(c, 2), ok;

  gr_use_stack(c, GR_USER, "");
  /* 536 and 1200: neither is the 1460 of socklab's stack. */
  ok = client_announces(c, first ? 536 : 1200);
  ok += client_announces(c, first ? 1200 : 536);
  gr_score(c, ok / 2.0);
}

/* Your client and your server, each told another MSS. */
static void
mss_both_sides(struct gr_ctx *c)
{
  struct upload u;
  struct gr_trace ct, st;
  int pick = (int)gr_rand(c, 2), smss = pick ? 536 : 1200,
      cmss = pick ? 1200 : 536, ok;
  long long bytes = 10000 + (long long)gr_rand(c, 10000);

  gr_use_stack(c, GR_USER, "");
  run_upload(c, &u, GR_STUDENT, smss, GR_STUDENT, cmss, bytes, 10);
  if (read_traces(c, &u, &ct, &st) < 0)
    return;
  ok = announced_ok(c, u.cl, "SYN", ct.syn_mss, cmss,
                    "on the socket before sl_connect()");
  ok &= announced_ok(c, u.srv, "SYN,ACK", st.syn_mss, smss,
                     "on the listening socket, before sl_listen()");
  if (ct.max_payload > (unsigned)smss) {
    gr_say(c,
           "Your client's largest segment carried %u bytes; the "
           "server's MSS was %d.",
           ct.max_payload, smss);
    ok = 0;
  }
  if (ok)
    gr_score(c, 1);
  else
    gr_ladder_excerpt(c, u.cl, u.srv, 30);
}

/* ---- the teardown -------------------------------------------------------- */

/* Did the client of u close first: TIME_WAIT on its side only? */
static int
closed_first(struct gr_ctx *c, const struct upload *u, const char *yours)
{
  struct gr_trace ct, st;

  if (!u->ended || read_traces(c, u, &ct, &st) < 0)
    return 0;
  if (ct.data_segments == 0) {
    gr_say(c, "%s sent no data: there was no upload to close after.",
           u->cl->label);
    return 0;
  }
  if (ct.time_wait && !st.time_wait)
    return 1;
  gr_say(c, "The client went through: %s.\nThe server went through: %s.",
         ct.visited, st.visited);
  if (st.time_wait)
    gr_say(c,
           "The server's FIN went out first, so the TIME_WAIT is on the "
           "server's side. Look at %s: the client closes first, after "
           "its last byte; the server closes (or shuts down its side) "
           "only once sl_recv returned 0, the client's FIN.",
           yours);
  else
    gr_say(c,
           "The client never reached TIME_WAIT. Look at %s: the client "
           "closes first, after its last byte (sl_shutdown or sl_close "
           "sends its FIN), and does not reset the connection.",
           yours);
  gr_ladder_excerpt(c, u->cl, u->srv, 30);
  return 0;
}

static void
client_closes_first(struct gr_ctx *c)
{
  struct upload u;
  int ok;

  gr_use_stack(c, GR_USER, "");
  /* More than one window: the client's FIN cannot leave before the
   * server has read, so a server that shuts down its side before it
   * reads is caught every time, however the processes are scheduled. */
  run_upload(c, &u, GR_REF, 1400, GR_STUDENT, 1460,
             MANY_RECVS + (long long)gr_rand(c, 30000), 10);
  ok = closed_first(c, &u, "your hs_client");
  run_upload(c, &u, GR_STUDENT, 1400, GR_REF, 1460,
             MANY_RECVS + (long long)gr_rand(c, 30000), 10);
  ok += closed_first(c, &u, "your hs_server");
  gr_score(c, ok / 2.0);
}

/* ---- hidden: real networks, other stacks, errors ------------------------- */

static void
lossy_link(struct gr_ctx *c)
{
  struct upload u;
  long long up = 100000 + (long long)gr_rand(c, 200000);
  long long down = 100000 + (long long)gr_rand(c, 200000);
  double score = 0;

  gr_use_stack(c, GR_USER, "--loss 5%");
  run_upload(c, &u, GR_STUDENT, 1400, GR_REF, 1460, up, 20);
  if (u.ended &&
      count_ok(c, u.srv, "received", up, "the reference client sent that"))
    score += 0.5;
  run_upload(c, &u, GR_REF, 1400, GR_STUDENT, 1460, down, 20);
  if (u.ended && count_ok(c, u.cl, "sent", down, "it was told BYTES") &&
      count_ok(c, u.srv, "received", down, "all your client should have sent"))
    score += 0.5;
  if (score < 1)
    gr_say(c, "(On socklab's stack with 5%% loss; hub seed %llu.)",
           (unsigned long long)c->seed);
  gr_score(c, score);
}

static void
zero_bytes(struct gr_ctx *c)
{
  struct upload u;
  double score = 0;

  run_upload(c, &u, GR_STUDENT, 1400, GR_REF, 1460, 0, 10);
  if (u.ended && count_ok(c, u.srv, "received", 0,
                          "the reference client connected and closed"))
    score += 0.5;
  run_upload(c, &u, GR_REF, 1400, GR_STUDENT, 1460, 0, 10);
  if (u.ended && count_ok(c, u.cl, "sent", 0, "it was told BYTES=0") &&
      count_ok(c, u.srv, "received", 0, "an empty upload"))
    score += 0.5;
  gr_score(c, score);
}

static void
kernel_megabyte(struct gr_ctx *c)
{
  struct upload u;
  long long bytes = 1000000 + (long long)gr_rand(c, 48576);

  run_upload(c, &u, GR_STUDENT, 1400, GR_STUDENT, 1460, bytes, 15);
  if (u.ended && count_ok(c, u.cl, "sent", bytes, "it was told BYTES") &&
      count_ok(c, u.srv, "received", bytes, "what your client sent"))
    gr_score(c, 1);
  else
    gr_say(c, "(On the kernel's stack.)");
}

static void
client_refused(struct gr_ctx *c)
{
  const char *more[] = {"1460", "1000", NULL};
  int port = gr_port(c); /* nothing listens there */
  struct gr_proc *cl;
  char *err, how[200];

  if (!gr_client(c, GR_STUDENT, "hs_client", port, more, NULL, 0, 5, &cl))
    return;
  err = gr_slurp(cl->err_path, NULL);
  if (cl->done && WIFEXITED(cl->status) && WEXITSTATUS(cl->status) == 1 &&
      err != NULL && strcasestr(err, "refused") != NULL) {
    gr_score(c, 1);
  } else {
    gr_exit_text(cl, how, sizeof how);
    gr_say(c,
           "Connecting to a port where nothing listens, your client %s "
           "and wrote \"%.200s\" on stderr.\nExpected: exit status 1 and "
           "a message that says the connection was refused "
           "(sl_strerror() gives one).",
           how, err ? err : "");
  }
  free(err);
}

static const struct gr_test tests[] = {
    {"server_with_reference_client",
     "your hs_server counts an upload of 70000-130000 bytes", 3, GR_VISIBLE, 20,
     server_with_reference_client},
    {"client_with_reference_server",
     "your hs_client sends BYTES bytes and prints the count", 3, GR_VISIBLE, 20,
     client_with_reference_server},
    {"client_with_your_server",
     "your hs_client with your hs_server: counts and handshake states", 2,
     GR_VISIBLE, 20, client_with_your_server},
    {"server_announces_mss",
     "your hs_server's SYN,ACK announces its MSS (1400 and another)", 2,
     GR_VISIBLE, 25, server_announces_mss},
    {"client_announces_mss",
     "your hs_client's SYN announces its MSS (536 and 1200)", 2, GR_VISIBLE, 25,
     client_announces_mss},
    {"client_closes_first",
     "the client closes first: TIME_WAIT on the client, not the server", 1,
     GR_VISIBLE, 25, client_closes_first},
    {"lossy_link", "uploads of 100000-300000 bytes with 5% loss", 2, GR_HIDDEN,
     50, lossy_link},
    {"zero_bytes", "BYTES=0 on the kernel's stack", 1, GR_HIDDEN, 25,
     zero_bytes},
    {"kernel_megabyte",
     "your client and server move a megabyte on the kernel's stack", 1,
     GR_HIDDEN, 25, kernel_megabyte},
    {"mss_both_sides",
     "your client and server, told 536 and 1200, announce them", 1, GR_HIDDEN,
     20, mss_both_sides},
    {"client_refused", "your hs_client reports a refused connection", 1,
     GR_HIDDEN, 15, client_refused},
};

const struct gr_lab gr_lab03 = {"lab03", "lab03-handshake", programs, tests,
                                sizeof tests / sizeof *tests};
