/* socklab netstat, the clone of net-tools' netstat that shows the
 * kernel's sockets and socklab's side by side, as a function: the CLI's
 * `socklab netstat` and the library's sl_netstat() both call sl__netstat.
 * Exit-status results: 0 done, 1 the job failed, 2 bad usage (with a
 * message on stderr).  Its files: netstat.c (options, the flow),
 * netstat_kernel.c (/proc, netlink), netstat_user.c (socklab processes,
 * DUMP), netstat_print.c, netstat_diagnose.c (--diagnose, --explain),
 * netstat_watch.c (--watch), netstat_stats.c (-s). */
#ifndef SOCKLAB_OBS_NETSTAT_PRIV_H
#define SOCKLAB_OBS_NETSTAT_PRIV_H

#include <stdio.h>

/* Parses argv as `socklab netstat` does (argv[0] names the caller in
 * messages) and prints to out.  Keeps no state between calls: two
 * threads may run it at once. */
int sl__netstat(FILE *out, int argc, char **argv);
/* netstat -s: the kernel's and/or socklab's protocol counters. */
int sl__netstat_statistics(FILE *out, int kernel, int user);

/* What netstat makes of one buffer, for tests and fuzz targets (the
 * buffers come from the kernel and from other processes: whatever they
 * hold must not crash netstat).  Each parses len bytes at text or buf as
 * netstat reads them, then prints the rows it found to out as -aeo -i,
 * --diagnose and --proc-format would.  Returns the count of rows (at most
 * 256), or a negative errno.
 *  - proc: the text of /proc/net/PROTO (header line first), where proto
 *    is tcp, tcp6, udp or udp6;
 *  - netlink: one recv(2) of NETLINK_SOCK_DIAG answers (inet_diag_msg,
 *    with INET_DIAG_INFO attributes), family AF_INET or AF_INET6,
 *    protocol IPPROTO_TCP or IPPROTO_UDP;
 *  - dump: a socklab process's answer to DUMP (obs/EXPORT.md), from
 *    process pid. */
int sl__netstat_parse_proc(FILE *out, const char *proto, const char *text,
                           size_t len);
int sl__netstat_parse_netlink(FILE *out, int family, int protocol,
                              const void *buf, size_t len);
int sl__netstat_parse_dump(FILE *out, int pid, const char *text, size_t len);

/* ---- between netstat's files ------------------------------------------- */

/* One socket, whichever stack it lives on, as netstat prints it. */
struct row {
  char proto[5]; /* tcp, tcp6, udp, udp6 */
  unsigned recvq, sendq;
  char local[64], remote[64];
  char state[16];      /* netstat spelling; "" for unconnected UDP */
  int listening;       /* LISTEN, or an unconnected UDP socket */
  const char *stack;   /* "kernel" or "user" */
  int pid;             /* 0: unknown */
  char timer[32];      /* -o */
  unsigned long inode; /* kernel sockets: to find their tcp_info */
  unsigned uid;        /* -e: the owner */
  /* socklab sockets, as numbers for --proc-format: */
  unsigned timer_code; /* /proc/net/tcp's tr: 1 retransmit, 3 timewait.. */
  unsigned long when_ms;
  unsigned backoff, rto_ms, cwnd, ssthresh; /* cwnd, ssthresh: segments */
  int rcv_wnd, snd_wnd; /* socklab sockets' windows; -1 when unknown */
  char info[200];       /* -i: "rto:200 rtt:0.1/0.05 mss:1460 cwnd:10 ..." */
};

struct opts {
  FILE *out;
  int tcp, udp, listening, all, pids, rfc, timers, diagnose, info, extend;
  int numeric;
  int proc_only; /* SOCKLAB_NETSTAT_PROC=1: read /proc/net, not netlink */
  int kernel, user, self, proc_format;
};

/* Reads the kernel's sockets (netstat_kernel.c) into rows, at most max;
 * returns how many.  kernel_tcp_info adds -i's internals to the TCP rows
 * of family. */
int sl__netstat_read_kernel(const struct opts *o, struct row *rows, int max);
void sl__netstat_kernel_tcp_info(int family, struct row *rows, int n);
/* The number the kernel gives a TCP state netstat names name
 * (ESTABLISHED 1 ... CLOSING 11), 0 for none. */
unsigned sl__netstat_kernel_state_code(const char *name);
/* Adds the socklab processes' sockets (netstat_user.c) after rows[n]. */
int sl__netstat_read_user(const struct opts *o, struct row *rows, int n,
                          int max);
/* A state name from a trace or DUMP (RFC spelling) as netstat spells it,
 * unless rfc_spelling asks for the RFC's. */
const char *sl__netstat_user_state(const char *rfc, int rfc_spelling);

/* netstat_print.c: "PID/program" of pid; the table; --proc-format. */
void sl__netstat_program(int pid, char *out, size_t len);
void sl__netstat_print_rows(const struct opts *o, const struct row *rows,
                            int n);
void sl__netstat_print_proc(FILE *out, const struct row *rows, int n);
/* The port of an address as netstat prints it ("10.0.0.1:80"). */
unsigned sl__netstat_port_of(const char *addr);

/* netstat_diagnose.c: --explain STATE and --diagnose. */
int sl__netstat_explain(FILE *out, const char *state);
int sl__netstat_diagnose(FILE *out, const struct row *rows, int n);

/* netstat_watch.c: --watch for seconds (0: until interrupted). */
int sl__netstat_watch(const struct opts *o, int seconds, struct row *rows,
                      int max);

/* The parsers' views of one buffer (netstat.c): PARSE_MAX rows at most,
 * options for every view, and the rows shown in each (freed). */
enum { PARSE_MAX = 256 };
struct row *sl__netstat_parse_setup(FILE *out, struct opts *o);
int sl__netstat_show_parsed(FILE *out, struct opts *o, struct row *rows, int n);

#endif
