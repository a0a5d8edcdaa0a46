/* netstat --diagnose and --explain: what the lecture notes warn about
 * (server-side TIME_WAIT, CLOSE_WAIT, full queues), and what a state
 * means. */
#include <string.h>

#include "obs/netstat_priv.h"

/* ---- what the lecture notes warn about ---------------------------------- */

static const struct {
  const char *state, *meaning;
} explanations[] = {
    {"LISTEN", "a server waiting for connections (it called listen()). A SYN "
               "moves a new\n  connection to SYN_RECV; the listener itself "
               "stays in LISTEN."},
    {"SYN_SENT", "a client that sent its SYN (connect()) and waits for the "
                 "server's SYN,ACK,\n  which moves it to ESTABLISHED. A RST "
                 "instead means: connection refused."},
    {"SYN_RECV", "a server that answered a SYN with SYN,ACK and waits for the "
                 "client's ACK,\n  which moves it to ESTABLISHED. Many of "
                 "them at once: ACKs are not arriving."},
    {"ESTABLISHED", "the handshake is done; data flows both ways. close() "
                    "sends a FIN\n  (-> FIN_WAIT1); the peer's FIN moves it "
                    "to CLOSE_WAIT."},
    {"FIN_WAIT1", "this side closed (sent its FIN) and waits for the ACK of "
                  "it (-> FIN_WAIT2)\n  or the peer's FIN (-> CLOSING)."},
    {"FIN_WAIT2", "this side's FIN was acknowledged; it waits for the peer's "
                  "FIN, which moves\n  it to TIME_WAIT. The other direction "
                  "may still carry data (half-close)."},
    {"CLOSE_WAIT", "the peer closed (its FIN arrived) and this side has not: "
                   "the application\n  must call close(), which sends our "
                   "FIN (-> LAST_ACK). Piling up: close() is\n  never "
                   "called -- a leak."},
    {"CLOSING", "both sides sent FINs at the same time; waiting for the ACK "
                "of ours\n  (-> TIME_WAIT)."},
    {"LAST_ACK", "this side closed after the peer did; waiting for the ACK "
                 "of our FIN\n  (-> CLOSED)."},
    {"TIME_WAIT", "this side closed first. It waits 2 x MSL so that a late "
                  "segment of this\n  connection cannot be taken for part "
                  "of a new one, then CLOSED. On a server\n  port it means "
                  "the server closed first: let the client close."},
    {"CLOSED", "no connection (netstat prints CLOSE)."},
};

int
sl__netstat_explain(FILE *out, const char *state)
{
  for (size_t i = 0; i < sizeof explanations / sizeof *explanations; i++)
    if (strcasecmp(state, explanations[i].state) == 0 ||
        strcasecmp(sl__netstat_user_state(state, 0), explanations[i].state) ==
            0) {
      fprintf(out, "%s: %s\n", explanations[i].state, explanations[i].meaning);
      return 0;
    }
  fprintf(stderr,
          "socklab netstat: --explain %s: not a TCP state (LISTEN, "
          "SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, "
          "CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT, CLOSED)\n",
          state);
  return 2;
}

/* Is there a listener on this port, on this stack? */
static int
is_server_port(const struct row *rows, int n, const struct row *r)
{
  for (int i = 0; i < n; i++)
    if (rows[i].listening && rows[i].proto[0] == 't' &&
        strcmp(rows[i].stack, r->stack) == 0 &&
        sl__netstat_port_of(rows[i].local) == sl__netstat_port_of(r->local))
      return 1;
  return 0;
}

/* One line of advice per port and kind of trouble. */
int
sl__netstat_diagnose(FILE *out, const struct row *rows, int n)
{
  int found = 0;

  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    unsigned port = sl__netstat_port_of(r->local);
    int count = 0, first = 1;

    if (r->proto[0] != 't')
      continue;
    /* Count this kind on this port once, at its first row. */
    for (int j = 0; j < n; j++)
      if (strcmp(rows[j].state, r->state) == 0 &&
          strcmp(rows[j].stack, r->stack) == 0 &&
          sl__netstat_port_of(rows[j].local) == port) {
        count++;
        if (j < i)
          first = 0;
      }
    if (!first)
      continue;
    if (strcmp(r->state, "TIME_WAIT") == 0 && is_server_port(rows, n, r)) {
      fprintf(out,
              "port %u (%s stack): %d connection%s in TIME_WAIT on the "
              "server's side.\n  The server closed first. Make the protocol "
              "let the client close first,\n  so TIME_WAIT stays on the "
              "clients.\n",
              port, r->stack, count, count == 1 ? "" : "s");
      found++;
    } else if (strcmp(r->state, "CLOSE_WAIT") == 0) {
      fprintf(out,
              "port %u (%s stack): %d connection%s in CLOSE_WAIT%s.\n  The "
              "peer closed, but the application has not called close(): "
              "each one\n  is a descriptor leaked until it does.\n",
              port, r->stack, count, count == 1 ? "" : "s",
              count >= 3 ? ", piling up" : "");
      found++;
    } else if (strcmp(r->state, "SYN_RECV") == 0 && count >= 5) {
      fprintf(out,
              "port %u (%s stack): %d connections stuck in SYN_RECV.\n  "
              "SYN,ACKs are going out and no ACKs are coming back: a "
              "network\n  problem, or a SYN flood.\n",
              port, r->stack, count);
      found++;
    }
  }
  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    /* States in which data can still wait in a queue. */
    int open = strcmp(r->state, "ESTABLISHED") == 0 ||
               strcmp(r->state, "FIN_WAIT1") == 0 ||
               strcmp(r->state, "FIN_WAIT2") == 0 ||
               strcmp(r->state, "CLOSE_WAIT") == 0;
    if (r->proto[0] != 't' || !open)
      continue;
    /* A socklab socket says its windows; a kernel socket only its queues,
     * so a big queue stands for a full window there. */
    if ((r->rcv_wnd == 0 && r->recvq > 0) || r->recvq >= 32768) {
      fprintf(out,
              "%s -> %s (%s stack): %u bytes wait in Recv-Q%s.\n  The "
              "application stopped reading; the window it advertises "
              "shrinks\n  to zero and the sender must wait (persist "
              "probes).\n",
              r->local, r->remote, r->stack, r->recvq,
              r->rcv_wnd == 0 ? " and the window is zero" : "");
      found++;
    }
    if ((r->snd_wnd == 0 && r->sendq > 0) || r->sendq >= 32768) {
      fprintf(out,
              "%s -> %s (%s stack): %u bytes stuck in Send-Q%s.\n  The "
              "peer is not reading (a zero window) or the network is slow; "
              "sends\n  will block, or fail with EAGAIN on a non-blocking "
              "socket.\n",
              r->local, r->remote, r->stack, r->sendq,
              r->snd_wnd == 0 ? ", the peer's window is zero" : "");
      found++;
    }
  }
  if (!found)
    fprintf(out,
            "nothing to report: no server-side TIME_WAIT, no CLOSE_WAIT, no "
            "full queues.\n");
  return 0;
}
