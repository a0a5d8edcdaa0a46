/* The export protocol: how `socklab netstat` (and the grader) learn what a
 * process on socklab's stack holds.  Each such process listens on a unix
 * socket of its own, SOCKDIR/PID.sock, and answers a one-line request;
 * obs/EXPORT.md is the format, version SL__DUMP_VERSION.  This module is
 * both ends of it except the serving, which is the runtime's
 * (lib/runtime/exporter.c): the rendezvous, the writers and parsers of
 * every answer, and the client that asks every process. */
#ifndef SOCKLAB_OBS_EXPORT_H
#define SOCKLAB_OBS_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/stack.h"

/* ---- the rendezvous ---------------------------------------------------- */

/* The directory of the per-process sockets: $XDG_RUNTIME_DIR/socklab,
 * else /tmp/socklab-UID. */
void sl__sockdir(char *buf, size_t len);
/* SOCKDIR/PID.sock, where process pid answers. */
void sl__export_path(int pid, char *buf, size_t len);

/* The processes that have a socket in SOCKDIR (alive or not): up to max
 * PIDs in pids; returns how many. */
int sl__export_pids(int *pids, int max);

/* Connects to process pid and sends request ("DUMP\n", "WATCH\n"...):
 * the connected descriptor to read the answer from, or a negative errno.
 * The entry of a process that is gone is removed. */
int sl__export_connect(int pid, const char *request);

/* Sends request to every running socklab process and hands each answer
 * to answer; removes the entries of processes that are gone.  Returns
 * how many answered. */
int sl__export_ask(const char *request,
                   void (*answer)(void *arg, int pid, FILE *f), void *arg);

/* The same answer for this process, written to f in-process: 0, or
 * -ENOENT when this process has not started socklab's stack.  The
 * runtime provides it with sl__export_set_self when it starts. */
int sl__export_answer_self(const char *request, FILE *f);
typedef int sl__export_self_fn(const char *request, FILE *f);
void sl__export_set_self(sl__export_self_fn *fn);

/* netstat --watch leaves SOCKDIR/watching.PID while it runs (on = 1
 * makes it, 0 removes it): a process that exits then waits a moment to
 * be watched, so that a short client's connection is seen. */
void sl__export_watching(int on);
/* Is a netstat --watch running? */
int sl__export_watched(void);

/* ---- DUMP: one row per socket ------------------------------------------ */

/* The version the first line of an answer names ("# DUMP 1"); an answer
 * without that line is an older process's, version 0, whose rows are
 * read the same way. */
#define SL__DUMP_VERSION 1

/* The fields a TCP row has; a UDP row, or an older process's TCP row,
 * has the first SL__DUMP_SHORT. */
#define SL__DUMP_FIELDS 24
#define SL__DUMP_SHORT  11

/* One socket, as a row of DUMP.  Addresses and ports in host order;
 * sequence numbers relative to the ISNs. */
struct sl__dump_row {
  int udp;                 /* 0: TCP */
  enum sl_tcp_state state; /* TCP only */
  uint32_t laddr, raddr;   /* raddr 0: not connected */
  uint16_t lport, rport;
  uint32_t send_q, recv_q; /* bytes queued */
  char timer[16];          /* the earliest armed timer's name, "-" none */
  uint64_t timer_ms;       /* when it fires, from now */
  unsigned backoff;        /* RTO doublings in a row */
  int nfields;             /* parsed: how many fields the row had; the
                              rest read as 0 */
  /* TCP internals (netstat -i). */
  unsigned snd_mss, rcv_mss;
  uint64_t rto_us, srtt_us, rttvar_us;
  uint32_t cwnd, ssthresh; /* bytes */
  uint32_t snd_una, snd_nxt, rcv_nxt;
  uint32_t snd_wnd, rcv_wnd;
  uint64_t retransmits;
};

/* A row from what the core says of a connection at time now_us, or of a
 * UDP socket. */
void sl__dump_tcp(struct sl__dump_row *r, const struct sl__tcp_info *in,
                  uint64_t now_us);
void sl__dump_udp(struct sl__dump_row *r, const struct sl__udp_info *in);

/* The answer's first line, then one line per row. */
void sl__dump_write_header(FILE *f);
void sl__dump_write(FILE *f, const struct sl__dump_row *r);

/* One line of an answer: 1 and *r for a row, 0 for anything else (the
 * header, a malformed line).  Untrusted input: it may come from any
 * process that listens in SOCKDIR. */
int sl__dump_parse(const char *line, struct sl__dump_row *r);

/* ---- STATS: the counters ----------------------------------------------- */

/* The counters a process answers "STATS" with, under /proc/net/snmp's
 * names, with what each counts (for netstat -s). */
struct sl__counter {
  const char *group, *name, *meaning;
  size_t offset; /* in struct sl__stats, a uint64_t */
};
#define SL__NCOUNTERS 43 /* export.c checks it against the table */
extern const struct sl__counter sl__counters[];

/* "GROUP NAME VALUE" for each counter, then "Drop REASON COUNT". */
void sl__stats_write(FILE *f, const struct sl__stats *st);
/* One line of it: 1 with its three parts, 0 for anything else. */
int sl__stats_parse(const char *line, char group[32], char name[64],
                    unsigned long long *value);

/* ---- WHERE: threads asleep in socket calls ------------------------------ */

/* "TID CALL", one line per sleeping thread. */
void sl__where_write(FILE *f, int tid, const char *call);

#endif
