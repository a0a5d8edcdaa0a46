/* The export protocol (export.h, obs/EXPORT.md): where each process on
 * socklab's stack answers, the writers and parsers of its answers, and the
 * client that asks every process.  The runtime serves the answers
 * (lib/runtime/exporter.c) with the writers here; netstat and the grader
 * read them with the parsers here. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "obs/export.h"

/* ---- the rendezvous ---------------------------------------------------- */

void
sl__sockdir(char *buf, size_t len)
{
  const char *dir = getenv("XDG_RUNTIME_DIR");

  if (dir != NULL && dir[0] == '/')
    snprintf(buf, len, "%s/socklab", dir);
  else
    snprintf(buf, len, "/tmp/socklab-%u", (unsigned)getuid());
}

void
sl__export_path(int pid, char *buf, size_t len)
{
  char dir[96];

  sl__sockdir(dir, sizeof dir);
  snprintf(buf, len, "%s/%d.sock", dir, pid);
}

int
sl__export_pids(int *pids, int max)
{
  char dir[96];
  DIR *d;
  struct dirent *e;
  int n = 0;

  sl__sockdir(dir, sizeof dir);
  if ((d = opendir(dir)) == NULL)
    return 0;
  while (n < max && (e = readdir(d)) != NULL) {
    int pid = atoi(e->d_name);
    char want[32];
    /* Exactly PID.sock: the marker of a watcher is watching.PID. */
    snprintf(want, sizeof want, "%d.sock", pid);
    if (pid > 0 && strcmp(e->d_name, want) == 0)
      pids[n++] = pid;
  }
  closedir(d);
  return n;
}

int
sl__export_connect(int pid, const char *request)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  char path[400];
  int fd, e;

  sl__export_path(pid, path, sizeof path);
  if (strlen(path) >= sizeof sun.sun_path)
    return -ENAMETOOLONG;
  memcpy(sun.sun_path, path, strlen(path) + 1);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
    e = errno;
    close(fd);
    if (kill(pid, 0) < 0 && errno == ESRCH)
      unlink(path); /* a stale entry: its process is gone */
    return -e;
  }
  if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
    e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

int
sl__export_ask(const char *request, void (*answer)(void *arg, int pid, FILE *f),
               void *arg)
{
  enum { MAX = 4096 };
  int *pids = malloc(MAX * sizeof *pids), n, asked = 0;

  if (pids == NULL)
    return 0;
  n = sl__export_pids(pids, MAX);
  for (int i = 0; i < n; i++) {
    int fd = sl__export_connect(pids[i], request);
    FILE *f;
    if (fd == -EMFILE || fd == -ENFILE)
      break; /* no descriptor for the next one either */
    if (fd < 0)
      continue;
    if ((f = fdopen(fd, "r")) == NULL) {
      close(fd);
      continue;
    }
    answer(arg, pids[i], f);
    fclose(f);
    asked++;
  }
  free(pids);
  return asked;
}

/* Set once by the runtime when it starts; read by any thread. */
static _Atomic(sl__export_self_fn *) self_fn;

void
sl__export_set_self(sl__export_self_fn *fn)
{
  atomic_store(&self_fn, fn);
}

int
sl__export_answer_self(const char *request, FILE *f)
{
  sl__export_self_fn *fn = atomic_load(&self_fn);

  return fn != NULL ? fn(request, f) : -ENOENT;
}

static void
watch_marker(char *buf, size_t len)
{
  char dir[96];

  sl__sockdir(dir, sizeof dir);
  snprintf(buf, len, "%s/watching.%d", dir, (int)getpid());
}

void
sl__export_watching(int on)
{
  char dir[96], marker[160];

  watch_marker(marker, sizeof marker);
  if (!on) {
    unlink(marker);
    return;
  }
  sl__sockdir(dir, sizeof dir);
  mkdir(dir, 0700);
  close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

int
sl__export_watched(void)
{
  char dir[96];
  DIR *d;
  struct dirent *e;
  int pid, found = 0;

  sl__sockdir(dir, sizeof dir);
  if ((d = opendir(dir)) == NULL)
    return 0;
  while (!found && (e = readdir(d)) != NULL)
    found = sscanf(e->d_name, "watching.%d", &pid) == 1 && pid > 0 &&
            kill(pid, 0) == 0;
  closedir(d);
  return found;
}

/* ---- DUMP -------------------------------------------------------------- */

void
sl__dump_tcp(struct sl__dump_row *r, const struct sl__tcp_info *in,
             uint64_t now_us)
{
  int armed = in->timer_deadline_us != SL__TIME_NEVER;

  *r = (struct sl__dump_row){.state = in->state,
                             .laddr = in->laddr,
                             .raddr = in->raddr,
                             .lport = in->lport,
                             .rport = in->rport,
                             .send_q = in->send_q,
                             .recv_q = in->recv_q,
                             .timer_ms =
                                 !armed || in->timer_deadline_us < now_us
                                     ? 0
                                     : (in->timer_deadline_us - now_us) / 1000,
                             .backoff = in->backoff,
                             .nfields = SL__DUMP_FIELDS,
                             .snd_mss = in->snd_mss,
                             .rcv_mss = in->rcv_mss,
                             .rto_us = in->rto_us,
                             .srtt_us = in->srtt_us,
                             .rttvar_us = in->rttvar_us,
                             .cwnd = in->cwnd,
                             .ssthresh = in->ssthresh,
                             .snd_una = in->snd_una - in->iss,
                             .snd_nxt = in->snd_nxt - in->iss,
                             .rcv_nxt = in->rcv_nxt - in->irs,
                             .snd_wnd = in->snd_wnd,
                             .rcv_wnd = in->rcv_wnd,
                             .retransmits = in->retransmits};
  snprintf(r->timer, sizeof r->timer, "%s",
           armed ? sl__timer_name(in->timer) : "-");
}

void
sl__dump_udp(struct sl__dump_row *r, const struct sl__udp_info *in)
{
  *r = (struct sl__dump_row){.udp = 1,
                             .laddr = in->laddr,
                             .raddr = in->raddr,
                             .lport = in->lport,
                             .rport = in->rport,
                             .recv_q = in->recv_q,
                             .timer = "-",
                             .nfields = SL__DUMP_SHORT};
}

void
sl__dump_write_header(FILE *f)
{
  fprintf(f, "# DUMP %d\n", SL__DUMP_VERSION);
}

static void
dotted(char *b, uint32_t a)
{
  snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
           a & 255);
}

void
sl__dump_write(FILE *f, const struct sl__dump_row *r)
{
  char la[16], ra[16];

  dotted(la, r->laddr);
  dotted(ra, r->raddr);
  if (r->udp) {
    fprintf(f, "udp - %s %u %s %u 0 %u - 0 0\n", la, r->lport, ra, r->rport,
            r->recv_q);
    return;
  }
  fprintf(f,
          "tcp %s %s %u %s %u %u %u %s %llu %u"
          " %u %u %llu %llu %llu %u %u %u %u %u %u %u %llu\n",
          sl_tcp_state_rfc(r->state), la, r->lport, ra, r->rport, r->send_q,
          r->recv_q, r->timer, (unsigned long long)r->timer_ms, r->backoff,
          r->snd_mss, r->rcv_mss, (unsigned long long)r->rto_us,
          (unsigned long long)r->srtt_us, (unsigned long long)r->rttvar_us,
          r->cwnd, r->ssthresh, r->snd_una, r->snd_nxt, r->rcv_nxt, r->snd_wnd,
          r->rcv_wnd, (unsigned long long)r->retransmits);
}

/* A dotted quad to a host-order address; -1 when it is not one. */
static int
parse_addr(const char *s, uint32_t *a)
{
  struct in_addr in;

  if (inet_pton(AF_INET, s, &in) != 1)
    return -1;
  *a = ntohl(in.s_addr);
  return 0;
}

int
sl__dump_parse(const char *line, struct sl__dump_row *r)
{
  char proto[8], state[16], la[16], ra[16];
  unsigned lport = 0, rport = 0, sendq = 0, recvq = 0, smss = 0, rmss = 0;
  unsigned long long ms = 0, rto = 0, srtt = 0, rttvar = 0, retrans = 0;
  int n;

  *r = (struct sl__dump_row){0};
  n = sscanf(line,
             "%7s %15s %15s %u %15s %u %u %u %15s %llu %u %u %u %llu %llu "
             "%llu %u %u %u %u %u %u %u %llu",
             proto, state, la, &lport, ra, &rport, &sendq, &recvq, r->timer,
             &ms, &r->backoff, &smss, &rmss, &rto, &srtt, &rttvar, &r->cwnd,
             &r->ssthresh, &r->snd_una, &r->snd_nxt, &r->rcv_nxt, &r->snd_wnd,
             &r->rcv_wnd, &retrans);
  if (n < SL__DUMP_SHORT || lport > 65535 || rport > 65535 ||
      parse_addr(la, &r->laddr) < 0 || parse_addr(ra, &r->raddr) < 0)
    return 0;
  r->udp = strcmp(proto, "udp") == 0;
  if (r->udp) {
    r->state = SL_TCP_CLOSED; /* UDP keeps no state */
  } else {
    int s = sl_tcp_state_from_name(state);
    if (strcmp(proto, "tcp") != 0 || s < 0)
      return 0;
    r->state = (enum sl_tcp_state)s;
  }
  r->lport = (uint16_t)lport;
  r->rport = (uint16_t)rport;
  r->send_q = sendq;
  r->recv_q = recvq;
  r->timer_ms = ms;
  r->nfields = n;
  r->snd_mss = smss;
  r->rcv_mss = rmss;
  r->rto_us = rto;
  r->srtt_us = srtt;
  r->rttvar_us = rttvar;
  r->retransmits = retrans;
  return 1;
}

/* ---- STATS ------------------------------------------------------------- */

#define COUNTER(group, name, part, field, meaning)                             \
  {                                                                            \
    group, name, meaning, offsetof(struct sl__stats, part.field)               \
  }
const struct sl__counter sl__counters[] = {
    COUNTER("Ip", "InReceives", ip, in_receives,
            "datagrams received from the link"),
    COUNTER("Ip", "InHdrErrors", ip, in_hdr_errors, "dropped: bad IPv4 header"),
    COUNTER("Ip", "InAddrErrors", ip, in_addr_errors,
            "dropped: not addressed to this host"),
    COUNTER("Ip", "InUnknownProtos", ip, in_unknown_protos,
            "dropped: protocol not ICMP, UDP or TCP"),
    COUNTER("Ip", "InDelivers", ip, in_delivers,
            "handed up to ICMP, UDP or TCP"),
    COUNTER("Ip", "OutRequests", ip, out_requests, "datagrams sent"),
    COUNTER("Ip", "ReasmFails", ip, frag_drops,
            "fragments that could not be reassembled"),
    COUNTER("IpExt", "InMartianSrcs", ip, in_martian_srcs,
            "dropped: a source no host can have (broadcast, multicast, 0.x; "
            "127.x or this host's own from the link; RFC 1122 3.2.1.3)"),
    COUNTER("Icmp", "InMsgs", icmp, in_msgs, "ICMP messages received"),
    COUNTER("Icmp", "InErrors", icmp, in_errors, "ICMP messages malformed"),
    COUNTER("Icmp", "InDestUnreachs", icmp, in_dest_unreachs,
            "destination unreachable received"),
    COUNTER("Icmp", "InEchos", icmp, in_echos, "echo requests (ping) received"),
    COUNTER("Icmp", "InEchoReps", icmp, in_echo_reps, "echo replies received"),
    COUNTER("Icmp", "OutMsgs", icmp, out_msgs, "ICMP messages sent"),
    COUNTER("Icmp", "OutDestUnreachs", icmp, out_dest_unreachs,
            "port unreachable sent (UDP, no socket)"),
    COUNTER("Icmp", "OutEchoReps", icmp, out_echo_reps, "echo replies sent"),
    COUNTER("Icmp", "OutParmProbs", icmp, out_parm_probs,
            "parameter problems sent (a malformed IP option)"),
    COUNTER("Tcp", "ActiveOpens", tcp, active_opens,
            "connect(): CLOSED -> SYN-SENT"),
    COUNTER("Tcp", "PassiveOpens", tcp, passive_opens,
            "SYN to a listener: LISTEN -> SYN-RECEIVED"),
    COUNTER("Tcp", "AttemptFails", tcp, attempt_fails,
            "handshakes that failed (refused, timed out)"),
    COUNTER("Tcp", "EstabResets", tcp, estab_resets,
            "established connections reset"),
    COUNTER("Tcp", "InSegs", tcp, in_segs, "segments received"),
    COUNTER("Tcp", "OutSegs", tcp, out_segs,
            "segments sent, retransmissions not counted"),
    COUNTER("Tcp", "RetransSegs", tcp, retrans_segs, "segments retransmitted"),
    COUNTER("Tcp", "InErrs", tcp, in_errs,
            "segments malformed (length, checksum)"),
    COUNTER("Tcp", "OutRsts", tcp, out_rsts, "resets sent"),
    COUNTER("Tcp", "InCsumErrors", tcp, in_csum_errors,
            "segments with a wrong checksum"),
    COUNTER("TcpExt", "ListenOverflows", tcp, listen_overflows,
            "SYNs dropped: the accept queue was full"),
    COUNTER("TcpExt", "SynQueueEvictions", tcp, syn_evictions,
            "SYN-RECEIVED connections evicted, oldest first, by a new SYN "
            "to a full SYN queue"),
    COUNTER("TcpExt", "TCPChallengeACK", tcp, challenge_acks,
            "RFC 5961 challenge ACKs sent"),
    COUNTER("TcpExt", "TCPACKSkippedChallenge", tcp, challenge_limited,
            "challenge ACKs held back by the rate limit"),
    COUNTER("TcpExt", "TCPFastRetrans", tcp, fast_retrans,
            "fast retransmits (3 duplicate ACKs)"),
    COUNTER("TcpExt", "TCPTimeouts", tcp, timeouts,
            "retransmission timeouts (RTO expiries)"),
    COUNTER("TcpExt", "TCPWinProbe", tcp, persist_probes,
            "zero-window probes sent"),
    COUNTER("TcpExt", "DelayedACKs", tcp, delayed_acks,
            "ACKs sent by the delayed-ACK timer"),
    COUNTER("TcpExt", "TCPOFOQueue", tcp, ooo_segs,
            "segments queued out of order"),
    COUNTER("TcpExt", "OutOfWindowIcmps", tcp, icmp_seq_ignored,
            "ICMP errors ignored: the segment they quote is not in flight "
            "(RFC 5927)"),
    COUNTER("Udp", "InDatagrams", udp, in_datagrams,
            "datagrams delivered to a socket"),
    COUNTER("Udp", "NoPorts", udp, no_ports,
            "datagrams to a port nobody listens on"),
    COUNTER("Udp", "InErrors", udp, in_errors,
            "datagrams malformed or with no room"),
    COUNTER("Udp", "OutDatagrams", udp, out_datagrams, "datagrams sent"),
    COUNTER("Udp", "RcvbufErrors", udp, rcvbuf_errors,
            "dropped: the receive queue was full"),
    COUNTER("Udp", "InCsumErrors", udp, in_csum_errors,
            "datagrams with a wrong checksum"),
};
#undef COUNTER
_Static_assert(sizeof sl__counters / sizeof sl__counters[0] == SL__NCOUNTERS,
               "SL__NCOUNTERS must be the length of sl__counters");

void
sl__stats_write(FILE *f, const struct sl__stats *st)
{
  const char *base = (const char *)st;

  for (size_t i = 0; i < SL__NCOUNTERS; i++) {
    uint64_t v;
    memcpy(&v, base + sl__counters[i].offset, sizeof v);
    fprintf(f, "%s %s %llu\n", sl__counters[i].group, sl__counters[i].name,
            (unsigned long long)v);
  }
  for (unsigned r = 0; r < SL__DROP_COUNT; r++)
    fprintf(f, "Drop %s %llu\n", sl__drop_name((enum sl__drop)r),
            (unsigned long long)st->ip.drops[r]);
}

int
sl__stats_parse(const char *line, char group[32], char name[64],
                unsigned long long *value)
{
  return sscanf(line, "%31s %63s %llu", group, name, value) == 3;
}

/* ---- WHERE ------------------------------------------------------------- */

void
sl__where_write(FILE *f, int tid, const char *call)
{
  fprintf(f, "%d %s\n", tid, call);
}
