/* TCP states, as socklab's stack and the course name them, and the state
 * of any connected descriptor on either stack. */
#ifndef SOCKLAB_TCP_H
#define SOCKLAB_TCP_H

/* RFC 9293 section 3.3.2, in RFC order: state >= SL_TCP_ESTABLISHED means
 * "synchronized", state >= SL_TCP_FIN_WAIT_1 "closing". */
enum sl_tcp_state {
  SL_TCP_CLOSED = 0,
  SL_TCP_LISTEN,
  SL_TCP_SYN_SENT,
  SL_TCP_SYN_RECEIVED,
  SL_TCP_ESTABLISHED,
  SL_TCP_FIN_WAIT_1,
  SL_TCP_FIN_WAIT_2,
  SL_TCP_CLOSE_WAIT,
  SL_TCP_CLOSING,
  SL_TCP_LAST_ACK,
  SL_TCP_TIME_WAIT,
  SL_TCP_NSTATES
};

/* The three spellings of a state: RFC 9293 ("SYN-RECEIVED"), netstat
 * ("SYN_RECV") and ss ("SYN-RECV").  NULL when state is out of range. */
const char *sl_tcp_state_rfc(enum sl_tcp_state state);
const char *sl_tcp_state_netstat(enum sl_tcp_state state);
const char *sl_tcp_state_ss(enum sl_tcp_state state);
/* The state a name in any of the three spellings names (a trace's
 * "TIME-WAIT", netstat's "TIME_WAIT"), or in BSD's (SYN_RCVD,
 * FIN_WAIT_1, FIN_WAIT_2: BSD netstat, Stevens); -1 when it names none. */
int sl_tcp_state_from_name(const char *name);

/* The TCP state of socket fd, on whichever stack it lives (the kernel's
 * from TCP_INFO).  -1 with errno: EBADF, ENOTSOCK, or ENOPROTOOPT for a
 * socket that is not TCP. */
int sl_tcp_state_of(int fd);

#endif
