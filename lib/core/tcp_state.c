/* TCP states: their names in three spellings, the edges of the RFC 9293
 * state diagram (section 3.3.2, figure 5), and sl__tcp_set_state, the one
 * function through which every connection changes state. */
#include <string.h>

#include "core/priv.h"

static const struct {
  const char *rfc, *netstat, *ss;
} names[SL_TCP_NSTATES] = {
    [SL_TCP_CLOSED] = {"CLOSED", "CLOSE", "UNCONN"},
    [SL_TCP_LISTEN] = {"LISTEN", "LISTEN", "LISTEN"},
    [SL_TCP_SYN_SENT] = {"SYN-SENT", "SYN_SENT", "SYN-SENT"},
    [SL_TCP_SYN_RECEIVED] = {"SYN-RECEIVED", "SYN_RECV", "SYN-RECV"},
    [SL_TCP_ESTABLISHED] = {"ESTABLISHED", "ESTABLISHED", "ESTAB"},
    [SL_TCP_FIN_WAIT_1] = {"FIN-WAIT-1", "FIN_WAIT1", "FIN-WAIT-1"},
    [SL_TCP_FIN_WAIT_2] = {"FIN-WAIT-2", "FIN_WAIT2", "FIN-WAIT-2"},
    [SL_TCP_CLOSE_WAIT] = {"CLOSE-WAIT", "CLOSE_WAIT", "CLOSE-WAIT"},
    [SL_TCP_CLOSING] = {"CLOSING", "CLOSING", "CLOSING"},
    [SL_TCP_LAST_ACK] = {"LAST-ACK", "LAST_ACK", "LAST-ACK"},
    [SL_TCP_TIME_WAIT] = {"TIME-WAIT", "TIME_WAIT", "TIME-WAIT"},
};

const char *
sl_tcp_state_rfc(enum sl_tcp_state s)
{
  return (unsigned)s < SL_TCP_NSTATES ? names[s].rfc : NULL;
}

const char *
sl_tcp_state_netstat(enum sl_tcp_state s)
{
  return (unsigned)s < SL_TCP_NSTATES ? names[s].netstat : NULL;
}

const char *
sl_tcp_state_ss(enum sl_tcp_state s)
{
  return (unsigned)s < SL_TCP_NSTATES ? names[s].ss : NULL;
}

/* The BSD spellings (BSD's netstat, Stevens' books, the course's lecture
 * notes), accepted by name but never printed. */
static const struct {
  const char *name;
  enum sl_tcp_state state;
} bsd_names[] = {{"SYN_RCVD", SL_TCP_SYN_RECEIVED},
                 {"FIN_WAIT_1", SL_TCP_FIN_WAIT_1},
                 {"FIN_WAIT_2", SL_TCP_FIN_WAIT_2}};

int
sl_tcp_state_from_name(const char *name)
{
  if (name == NULL)
    return -1;
  for (int s = 0; s < SL_TCP_NSTATES; s++)
    if (strcmp(name, names[s].rfc) == 0 ||
        strcmp(name, names[s].netstat) == 0 || strcmp(name, names[s].ss) == 0)
      return s;
  for (size_t i = 0; i < sizeof bsd_names / sizeof bsd_names[0]; i++)
    if (strcmp(name, bsd_names[i].name) == 0)
      return (int)bsd_names[i].state;
  return -1;
}

#define BIT(s) (1u << (s))

/* allowed[from] has a bit for every `to`.  The diagram's edges, plus
 * "-> CLOSED" from every state: a reset, an abort or a give-up ends any
 * connection (RFC 9293 3.10.7.4 and 3.10.8). */
static const unsigned allowed[SL_TCP_NSTATES] = {
    /* passive OPEN; active OPEN */
    [SL_TCP_CLOSED] = BIT(SL_TCP_LISTEN) | BIT(SL_TCP_SYN_SENT),
    /* rcv SYN; CLOSE */
    [SL_TCP_LISTEN] = BIT(SL_TCP_SYN_RECEIVED) | BIT(SL_TCP_CLOSED),
    /* rcv SYN (simultaneous open); rcv SYN,ACK; CLOSE or timeout */
    [SL_TCP_SYN_SENT] =
        BIT(SL_TCP_SYN_RECEIVED) | BIT(SL_TCP_ESTABLISHED) | BIT(SL_TCP_CLOSED),
    /* rcv ACK of SYN; CLOSE; RST */
    [SL_TCP_SYN_RECEIVED] =
        BIT(SL_TCP_ESTABLISHED) | BIT(SL_TCP_FIN_WAIT_1) | BIT(SL_TCP_CLOSED),
    /* CLOSE; rcv FIN */
    [SL_TCP_ESTABLISHED] =
        BIT(SL_TCP_FIN_WAIT_1) | BIT(SL_TCP_CLOSE_WAIT) | BIT(SL_TCP_CLOSED),
    /* rcv ACK of FIN; rcv FIN (simultaneous close); rcv FIN,ACK */
    [SL_TCP_FIN_WAIT_1] = BIT(SL_TCP_FIN_WAIT_2) | BIT(SL_TCP_CLOSING) |
                          BIT(SL_TCP_TIME_WAIT) | BIT(SL_TCP_CLOSED),
    /* rcv FIN */
    [SL_TCP_FIN_WAIT_2] = BIT(SL_TCP_TIME_WAIT) | BIT(SL_TCP_CLOSED),
    /* CLOSE */
    [SL_TCP_CLOSE_WAIT] = BIT(SL_TCP_LAST_ACK) | BIT(SL_TCP_CLOSED),
    /* rcv ACK of FIN */
    [SL_TCP_CLOSING] = BIT(SL_TCP_TIME_WAIT) | BIT(SL_TCP_CLOSED),
    /* rcv ACK of FIN */
    [SL_TCP_LAST_ACK] = BIT(SL_TCP_CLOSED),
    /* timeout 2MSL */
    [SL_TCP_TIME_WAIT] = BIT(SL_TCP_CLOSED),
};

int
sl__tcp_transition_ok(enum sl_tcp_state from, enum sl_tcp_state to)
{
  if ((unsigned)from >= SL_TCP_NSTATES || (unsigned)to >= SL_TCP_NSTATES)
    return 0;
  return (allowed[from] & BIT(to)) != 0;
}

/* The MIB counters that belong to transitions (RFC 1213 tcp group). */
static void
count_transition(struct sl__tcp_stats *st, enum sl_tcp_state from,
                 enum sl_tcp_state to)
{
  if (from == SL_TCP_CLOSED && to == SL_TCP_SYN_SENT)
    st->active_opens++;
  else if (from == SL_TCP_LISTEN && to == SL_TCP_SYN_RECEIVED)
    st->passive_opens++;
  if ((from == SL_TCP_SYN_SENT || from == SL_TCP_SYN_RECEIVED) &&
      (to == SL_TCP_CLOSED || to == SL_TCP_LISTEN))
    st->attempt_fails++;
  if ((from == SL_TCP_ESTABLISHED || from == SL_TCP_CLOSE_WAIT) &&
      to == SL_TCP_CLOSED)
    st->estab_resets++;
}

void
sl__tcp_set_state(struct sl__tcb *t, enum sl_tcp_state to, const char *cause)
{
  struct sl__host *h = t->host;
  /* A listener's child is born in SYN-RECEIVED: for the diagram, the
   * counters and the trace that is LISTEN -> SYN-RECEIVED. */
  enum sl_tcp_state from =
      t->state == SL_TCP_CLOSED && t->passive ? SL_TCP_LISTEN : t->state;
  struct sl__event ev = {.type = SL__EV_STATE};

  if (t->state == to)
    return;
  if (!sl__tcp_transition_ok(from, to))
    h->stats.tcp.bad_transitions++; /* a bug in socklab: tests assert 0 */
  count_transition(&h->stats.tcp, from, to);
  t->state = to;
  ev.tcb = t;
  ev.from = from;
  ev.to = to;
  ev.cause = cause;
  sl__trace(h, &ev);
  sl__notify_tcb(t);
}
