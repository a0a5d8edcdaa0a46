/* socklab netstat: the kernel's sockets and socklab-stack sockets side by
 * side, in netstat's format, with a column that says which stack.  Kernel
 * sockets come from /proc/net/{tcp,tcp6,udp,udp6} (PID/program from the
 * /proc/PID/fd links); socklab sockets from each running socklab process,
 * which answers on SOCKDIR/PID.sock (obs/export.h, obs/EXPORT.md). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <pwd.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "obs/export.h"
#include "obs/netstat_priv.h"
#include "obs/trace.h"
#include "socklab/netstat.h"

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

/* ---- kernel sockets --------------------------------------------------------
 */

static const char *const kernel_states[] = {
    "",           "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
    "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
    "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};

/* "0100007F:1F90" (or 32 hex digits for IPv6) to "127.0.0.1:8080";
 * -1 when hex is not that (exactly 8 or 32 digits, a colon, a port). */
static int
proc_addr(const char *hex, int v6, char *out, size_t len)
{
  static const char digits[] = "0123456789abcdefABCDEF";
  char ip[INET6_ADDRSTRLEN];
  size_t ndigits = strspn(hex, digits);
  unsigned port;

  if (ndigits != (v6 ? 32u : 8u) || hex[ndigits] != ':' ||
      strspn(hex + ndigits + 1, digits) != 4 || hex[ndigits + 5] != '\0')
    return -1;
  port = (unsigned)strtoul(hex + ndigits + 1, NULL, 16);

  if (!v6) {
    struct in_addr in = {.s_addr = (uint32_t)strtoul(hex, NULL, 16)};
    inet_ntop(AF_INET, &in, ip, sizeof ip);
    if (port == 0)
      snprintf(out, len, "%s:*", ip); /* as netstat prints a wildcard */
    else
      snprintf(out, len, "%s:%u", ip, port);
  } else {
    struct in6_addr in6;
    /* Four 32-bit words, each in the host's byte order. */
    for (int w = 0; w < 4; w++) {
      char word[9];
      uint32_t v;
      memcpy(word, hex + 8 * w, 8);
      word[8] = '\0';
      v = (uint32_t)strtoul(word, NULL, 16);
      memcpy(&in6.s6_addr[4 * w], &v, 4);
    }
    inet_ntop(AF_INET6, &in6, ip, sizeof ip);
    if (port == 0)
      snprintf(out, len, "%s:*", ip);
    else
      snprintf(out, len, "%s:%u", ip, port);
  }
  return 0;
}

/* Which process holds which socket, from one walk over /proc/PID/fd:
 * sorted by inode for lookups, so -p costs one walk, not one per socket
 * (which made it 50 times slower than ss -p with 1,000 sockets). */
struct owner {
  unsigned long inode;
  int pid;
};

struct owners {
  struct owner *v;
  size_t n, cap;
};

static int
owner_cmp(const void *a, const void *b)
{
  const struct owner *x = a, *y = b;

  return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static void
owners_add(struct owners *o, unsigned long inode, int pid)
{
  if (o->n == o->cap) {
    size_t cap = o->cap ? 2 * o->cap : 1024;
    struct owner *v = realloc(o->v, cap * sizeof *v);
    if (v == NULL)
      return;
    o->v = v;
    o->cap = cap;
  }
  o->v[o->n++] = (struct owner){inode, pid};
}

/* The sockets in one process's descriptor table. */
static void
owners_scan_pid(struct owners *o, const char *pid)
{
  char path[600], link[64];
  DIR *fds;
  struct dirent *fd;
  unsigned long inode;

  snprintf(path, sizeof path, "/proc/%.250s/fd", pid);
  if ((fds = opendir(path)) == NULL)
    return;
  while ((fd = readdir(fds)) != NULL) {
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%.250s/fd/%.250s", pid, fd->d_name);
    n = readlink(path, link, sizeof link - 1);
    if (n <= 0)
      continue;
    link[n] = '\0';
    if (sscanf(link, "socket:[%lu]", &inode) == 1)
      owners_add(o, inode, atoi(pid));
  }
  closedir(fds);
}

/* Every process's sockets, or only the caller's (--self). */
static void
owners_scan(struct owners *o, int self_only)
{
  DIR *proc;
  struct dirent *p;

  if (self_only) {
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    owners_scan_pid(o, pid);
  } else if ((proc = opendir("/proc")) != NULL) {
    while ((p = readdir(proc)) != NULL)
      if (p->d_name[0] >= '0' && p->d_name[0] <= '9')
        owners_scan_pid(o, p->d_name);
    closedir(proc);
  }
  qsort(o->v, o->n, sizeof *o->v, owner_cmp);
}

/* The PID whose descriptor table holds socket inode; 0 when unknown. */
static int
owners_find(const struct owners *o, unsigned long inode)
{
  struct owner key = {inode, 0};
  const struct owner *f;

  if (o->n == 0 || inode == 0)
    return 0;
  f = bsearch(&key, o->v, o->n, sizeof *o->v, owner_cmp);
  return f != NULL ? f->pid : 0;
}

/* What the kernel says of one socket, from /proc or from netlink. */
struct ksock {
  const char *proto; /* tcp, tcp6, udp, udp6 */
  int udp;
  unsigned st, txq, rxq, tr, retr, uid;
  unsigned long when_ms, inode;
};

/* Fills rows[n] from k (local and remote already written there); returns
 * n + 1, or n when the socket is not shown (--self, not ours). */
static int
kernel_row(const struct opts *o, const struct owners *owners,
           const struct ksock *k, struct row *rows, int n)
{
  struct row *r = &rows[n];

  snprintf(r->proto, sizeof r->proto, "%s", k->proto);
  r->recvq = k->rxq;
  r->sendq = k->txq;
  r->stack = "kernel";
  r->rcv_wnd = r->snd_wnd = -1; /* the kernel does not say here */
  if (k->udp) {
    r->listening = k->st == 7;
    snprintf(r->state, sizeof r->state, "%s", k->st == 1 ? "ESTABLISHED" : "");
  } else {
    r->listening = k->st == 10;
    snprintf(r->state, sizeof r->state, "%s", kernel_states[k->st]);
  }
  if (o->timers)
    snprintf(r->timer, sizeof r->timer, "%s (%.2f/%u/0)",
             k->tr == 0   ? "off"
             : k->tr == 1 ? "on"
             : k->tr == 2 ? "keepalive"
             : k->tr == 3 ? "timewait"
                          : "probe",
             (double)k->when_ms / 1000.0, k->retr);
  r->inode = k->inode;
  r->uid = k->uid;
  if (o->pids || o->self)
    r->pid = owners_find(owners, k->inode);
  if (o->self && r->pid != (int)getpid())
    return n; /* not the caller's */
  return n + 1;
}

/* The rows of one /proc/net/{tcp,tcp6,udp,udp6} file, open at f. */
static int
proc_lines(FILE *f, const char *proto, int udp, const struct opts *o,
           const struct owners *owners, struct row *rows, int n, int max)
{
  char line[512];

  if (fgets(line, sizeof line, f) == NULL) /* the header */
    return n;
  while (n < max && fgets(line, sizeof line, f) != NULL) {
    char local[64], remote[64];
    struct ksock k = {.proto = proto, .udp = udp};
    unsigned long when, timeout;

    if (sscanf(line, " %*d: %63s %63s %x %x:%x %x:%lx %x %u %lu %lu", local,
               remote, &k.st, &k.txq, &k.rxq, &k.tr, &when, &k.retr, &k.uid,
               &timeout, &k.inode) != 11 ||
        k.st >= sizeof kernel_states / sizeof *kernel_states)
      continue;
    k.when_ms = when * 10; /* USER_HZ, 1/100 s */
    memset(&rows[n], 0, sizeof rows[n]);
    if (proc_addr(local, strlen(proto) > 3, rows[n].local,
                  sizeof rows[n].local) < 0 ||
        proc_addr(remote, strlen(proto) > 3, rows[n].remote,
                  sizeof rows[n].remote) < 0)
      continue; /* not a line of the kernel's: dropped */
    n = kernel_row(o, owners, &k, rows, n);
  }
  return n;
}

static int
read_proc(const char *file, const char *proto, int udp, const struct opts *o,
          const struct owners *owners, struct row *rows, int n, int max)
{
  FILE *f = fopen(file, "r");

  if (f == NULL)
    return n; /* no IPv6, say */
  n = proc_lines(f, proto, udp, o, owners, rows, n, max);
  fclose(f);
  return n;
}

/* "10.0.0.1:80", or "0.0.0.0:*" for port 0, as netstat writes them. */
static void
diag_addr(int family, const uint32_t *a, uint16_t port_be, char *out,
          size_t len)
{
  char ip[INET6_ADDRSTRLEN];
  unsigned port = ntohs(port_be);

  inet_ntop(family, a, ip, sizeof ip);
  if (port == 0)
    snprintf(out, len, "%s:*", ip);
  else
    snprintf(out, len, "%s:%u", ip, port);
}

/* The rows of one buffer of NETLINK_SOCK_DIAG answers (len bytes at
 * buf, aligned as recv(2) leaves them).  *status becomes 1 at NLMSG_DONE,
 * -1 at NLMSG_ERROR, and stays 0 when more is to come. */
static int
diag_walk(void *buf, size_t len, int family, int protocol, const char *proto,
          const struct opts *o, const struct owners *owners, struct row *rows,
          int n, int max, int *status)
{
  struct nlmsghdr *h = buf;
  /* Signed, as NLMSG_OK expects: NLMSG_NEXT subtracts the aligned length
   * of the message, which is more than what is left after a last message
   * whose length is not a multiple of 4.  Unsigned, that wrapped around
   * and the walk went on past the buffer. */
  ssize_t left = (ssize_t)len;

  for (; NLMSG_OK(h, left) && n < max; h = NLMSG_NEXT(h, left)) {
    const struct inet_diag_msg *m = NLMSG_DATA(h);
    struct ksock k = {.proto = proto, .udp = protocol == IPPROTO_UDP};
    if (h->nlmsg_type == NLMSG_DONE) {
      *status = 1;
      break;
    }
    if (h->nlmsg_type == NLMSG_ERROR) {
      *status = -1;
      break;
    }
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m) ||
        m->idiag_state >= sizeof kernel_states / sizeof *kernel_states)
      continue; /* too short to be a socket, or a state we do not know */
    k.st = m->idiag_state;
    k.rxq = m->idiag_rqueue;
    /* A listener's wqueue is its backlog; netstat shows Send-Q 0. */
    k.txq = m->idiag_state == 10 && !k.udp ? 0 : m->idiag_wqueue;
    k.tr = m->idiag_timer;
    k.retr = m->idiag_retrans;
    k.when_ms = m->idiag_expires;
    k.uid = m->idiag_uid;
    k.inode = m->idiag_inode;
    memset(&rows[n], 0, sizeof rows[n]);
    diag_addr(family, m->id.idiag_src, m->id.idiag_sport, rows[n].local,
              sizeof rows[n].local);
    diag_addr(family, m->id.idiag_dst, m->id.idiag_dport, rows[n].remote,
              sizeof rows[n].remote);
    n = kernel_row(o, owners, &k, rows, n);
  }
  return n;
}

/* The kernel's sockets of one family and protocol, as ss reads them:
 * NETLINK_SOCK_DIAG, much faster than /proc's text with many sockets.
 * Returns the new count, or -1 when netlink is not there (then /proc). */
static int
read_netlink(int family, int protocol, const char *proto, const struct opts *o,
             const struct owners *owners, struct row *rows, int n, int max)
{
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } q = {.nlh = {.nlmsg_len = sizeof q,
                 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
         .req = {.sdiag_family = (uint8_t)family,
                 .sdiag_protocol = (uint8_t)protocol,
                 .idiag_states = ~0u}};
  static char buf[65536];
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  int status = 0;

  if (fd < 0 || send(fd, &q, sizeof q, 0) < 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  while (status == 0 && n < max) {
    ssize_t len = recv(fd, buf, sizeof buf, 0);
    if (len <= 0)
      break;
    n = diag_walk(buf, (size_t)len, family, protocol, proto, o, owners, rows, n,
                  max, &status);
  }
  close(fd);
  return status == 1 ? n : -1;
}

/* The kernel's sockets: netlink, or /proc/net where netlink is not. */
static int
read_kernel(const struct opts *o, struct row *rows, int max)
{
  static const struct {
    int family, protocol;
    const char *proto, *file;
  } kinds[] = {{AF_INET, IPPROTO_TCP, "tcp", "/proc/net/tcp"},
               {AF_INET6, IPPROTO_TCP, "tcp6", "/proc/net/tcp6"},
               {AF_INET, IPPROTO_UDP, "udp", "/proc/net/udp"},
               {AF_INET6, IPPROTO_UDP, "udp6", "/proc/net/udp6"}};
  struct owners owners = {0};
  int n = 0;

  if (o->pids || o->self)
    owners_scan(&owners, o->self);
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    int got = o->proc_only
                  ? -1
                  : read_netlink(kinds[i].family, kinds[i].protocol,
                                 kinds[i].proto, o, &owners, rows, n, max);
    n = got >= 0 ? got
                 : read_proc(kinds[i].file, kinds[i].proto,
                             kinds[i].protocol == IPPROTO_UDP, o, &owners, rows,
                             n, max);
  }
  free(owners.v);
  return n;
}

/* The tcp_info in one buffer of NETLINK_SOCK_DIAG answers, written into
 * the rows with the same inode.  Returns 1 at the end of the answers
 * (NLMSG_DONE or NLMSG_ERROR), 0 when more is to come. */
static int
info_walk(void *buf, size_t len, struct row *rows, int n)
{
  struct nlmsghdr *h = buf;
  ssize_t left = (ssize_t)len; /* signed: see diag_walk */

  for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
    struct inet_diag_msg *m = NLMSG_DATA(h);
    struct rtattr *a;
    int alen;
    if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
      return 1;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
      continue; /* too short to be a socket */
    a = (struct rtattr *)(m + 1);
    alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
    for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
      struct tcp_info ti;
      if (a->rta_type != INET_DIAG_INFO)
        continue;
      memset(&ti, 0, sizeof ti);
      memcpy(&ti, RTA_DATA(a),
             RTA_PAYLOAD(a) < sizeof ti ? RTA_PAYLOAD(a) : sizeof ti);
      for (int i = 0; i < n; i++)
        if (rows[i].inode == m->idiag_inode && rows[i].inode != 0)
          snprintf(rows[i].info, sizeof rows[i].info,
                   "rto:%.0fms rtt:%.3f/%.3fms mss:%u rcv_mss:%u "
                   "cwnd:%u ssthresh:%u retrans:%u/%u",
                   ti.tcpi_rto / 1000.0, ti.tcpi_rtt / 1000.0,
                   ti.tcpi_rttvar / 1000.0, ti.tcpi_snd_mss, ti.tcpi_rcv_mss,
                   ti.tcpi_snd_cwnd * ti.tcpi_snd_mss,
                   ti.tcpi_snd_ssthresh < 0xffff ? ti.tcpi_snd_ssthresh : 0,
                   ti.tcpi_retransmits, ti.tcpi_total_retrans);
    }
  }
  return 0;
}

/* tcp_info of every kernel TCP socket of one family, by NETLINK_SOCK_DIAG,
 * written into the rows with the same inode (ss -i shows the same). */
static void
kernel_tcp_info(int family, struct row *rows, int n)
{
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } q = {.nlh = {.nlmsg_len = sizeof q,
                 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
         .req = {.sdiag_family = (uint8_t)family,
                 .sdiag_protocol = IPPROTO_TCP,
                 .idiag_ext = 1 << (INET_DIAG_INFO - 1),
                 .idiag_states = ~0u}};
  static char buf[65536];
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  int done = 0;

  if (fd < 0 || send(fd, &q, sizeof q, 0) < 0) {
    if (fd >= 0)
      close(fd);
    return; /* no netlink here: the rows keep no info */
  }
  while (!done) {
    ssize_t len = recv(fd, buf, sizeof buf, 0);
    if (len <= 0)
      break;
    done = info_walk(buf, (size_t)len, rows, n);
  }
  close(fd);
}

/* ---- socklab-stack sockets --------------------------------------------- */

static const char *
user_state(const char *rfc, int rfc_spelling)
{
  int state = sl_tcp_state_from_name(rfc);

  return rfc_spelling || state < 0 ? rfc : sl_tcp_state_netstat(state);
}

/* The owner of process pid, for -e and --proc-format. */
static unsigned
uid_of(int pid)
{
  char path[32];
  struct stat st;

  snprintf(path, sizeof path, "/proc/%d", pid);
  return stat(path, &st) == 0 ? (unsigned)st.st_uid : 0;
}

/* A socklab timer as /proc/net/tcp's "tr" field codes it. */
static unsigned
proc_timer_code(const char *timer)
{
  if (strcmp(timer, "rexmt") == 0 || strcmp(timer, "user") == 0)
    return 1; /* the user timeout runs beside the retransmissions */
  if (strcmp(timer, "2msl") == 0)
    return 3;
  if (strcmp(timer, "persist") == 0)
    return 4;
  return strcmp(timer, "-") == 0 ? 0 : 2; /* the rest: "another timer" */
}

struct dump {
  const struct opts *o;
  struct row *rows;
  int n, max;
};

static void
dotted_port(char *out, size_t len, uint32_t a, unsigned port)
{
  snprintf(out, len, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
           (a >> 8) & 255, a & 255, port);
}

/* One socket of a DUMP answer as a row. */
static void
dump_row(const struct dump *d, int pid, const struct sl__dump_row *s,
         struct row *r)
{
  memset(r, 0, sizeof *r);
  snprintf(r->proto, sizeof r->proto, "%s", s->udp ? "udp" : "tcp");
  dotted_port(r->local, sizeof r->local, s->laddr, s->lport);
  if (s->rport == 0)
    snprintf(r->remote, sizeof r->remote, "0.0.0.0:*");
  else
    dotted_port(r->remote, sizeof r->remote, s->raddr, s->rport);
  r->sendq = s->send_q;
  r->recvq = s->recv_q;
  r->stack = "user";
  r->pid = pid;
  r->uid = uid_of(pid);
  r->timer_code = proc_timer_code(s->timer);
  r->when_ms = (unsigned long)s->timer_ms;
  r->backoff = s->backoff;
  r->rto_ms = (unsigned)(s->rto_us / 1000);
  /* Linux counts these in segments; socklab's stack in bytes. */
  r->cwnd = s->snd_mss ? s->cwnd / s->snd_mss : 0;
  r->ssthresh =
      s->snd_mss && s->ssthresh <= 1000000000u ? s->ssthresh / s->snd_mss : 0;
  if (s->udp) {
    r->listening = s->rport == 0;
    snprintf(r->state, sizeof r->state, "%s", s->rport ? "ESTABLISHED" : "");
  } else {
    r->listening = s->state == SL_TCP_LISTEN;
    if (r->listening)
      r->sendq = 0; /* netstat shows no Send-Q for a listener */
    snprintf(r->state, sizeof r->state, "%s",
             d->o->rfc ? sl_tcp_state_rfc(s->state)
                       : sl_tcp_state_netstat(s->state));
  }
  if (d->o->timers)
    snprintf(r->timer, sizeof r->timer, "%s (%.2f/%u/0)",
             strcmp(s->timer, "-") == 0 ? "off" : s->timer,
             (double)s->timer_ms / 1000.0, s->backoff);
  r->rcv_wnd = r->snd_wnd = -1;
  if (s->nfields == SL__DUMP_FIELDS) {
    r->rcv_wnd = (int)s->rcv_wnd;
    r->snd_wnd = (int)s->snd_wnd;
  }
  if (s->nfields == SL__DUMP_FIELDS && !s->udp)
    snprintf(r->info, sizeof r->info,
             "rto:%.0fms rtt:%.3f/%.3fms mss:%u rcv_mss:%u cwnd:%u "
             "ssthresh:%u snd_una:%u snd_nxt:%u rcv_nxt:%u snd_wnd:%u "
             "rcv_wnd:%u retrans:%llu",
             (double)s->rto_us / 1000, (double)s->srtt_us / 1000,
             (double)s->rttvar_us / 1000, s->snd_mss, s->rcv_mss, s->cwnd,
             s->ssthresh > 1000000000u ? 0 : s->ssthresh, s->snd_una,
             s->snd_nxt, s->rcv_nxt, s->snd_wnd, s->rcv_wnd,
             (unsigned long long)s->retransmits);
}

/* One process's answer to DUMP (obs/EXPORT.md), a row per socket. */
static void
add_dump(void *arg, int pid, FILE *f)
{
  struct dump *d = arg;
  struct sl__dump_row s;
  char line[256];

  while (d->n < d->max && fgets(line, sizeof line, f) != NULL)
    if (sl__dump_parse(line, &s))
      dump_row(d, pid, &s, &d->rows[d->n++]);
}

/* --self: this process's own socklab sockets, asked in-process. */
static void
dump_self(struct dump *d)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  int r;

  if (f == NULL)
    return;
  r = sl__export_answer_self("DUMP\n", f);
  if (fclose(f) != 0 || r < 0 || len == 0 ||
      (f = fmemopen(text, len, "r")) == NULL) {
    free(text);
    return; /* no socklab stack in this process: nothing to show */
  }
  add_dump(d, (int)getpid(), f);
  fclose(f);
  free(text);
}

static int
read_user(const struct opts *o, struct row *rows, int n, int max)
{
  struct dump d = {o, rows, n, max};

  if (o->self)
    dump_self(&d);
  else
    sl__export_ask("DUMP\n", add_dump, &d);
  return d.n;
}

/* ---- printing ------------------------------------------------------------ */

static void
program(int pid, char *out, size_t len)
{
  char path[64], comm[32] = "";
  FILE *f;

  if (pid <= 0) {
    snprintf(out, len, "-");
    return;
  }
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  if ((f = fopen(path, "r")) != NULL) {
    if (fgets(comm, sizeof comm, f) != NULL)
      comm[strcspn(comm, "\n")] = '\0';
    fclose(f);
  }
  snprintf(out, len, "%d/%s", pid, comm);
}

/* netstat -e: the owner (a name unless -n) and the socket's inode.  A
 * socklab socket has no kernel socket inode: "-". */
static void
print_owner(FILE *out, const struct row *r, int numeric)
{
  char user[16], inode[24] = "-";
  struct passwd *pw = numeric ? NULL : getpwuid(r->uid);

  if (pw != NULL)
    snprintf(user, sizeof user, "%.10s", pw->pw_name);
  else
    snprintf(user, sizeof user, "%u", r->uid);
  if (r->inode != 0)
    snprintf(inode, sizeof inode, "%lu", r->inode);
  fprintf(out, " %-10s %-10s", user, inode);
}

static void
print_rows(const struct opts *o, const struct row *rows, int n)
{
  FILE *out = o->out;

  fprintf(out, "Active Internet connections (%s)\n",
          o->all         ? "servers and established"
          : o->listening ? "only servers"
                         : "w/o servers");
  fprintf(out,
          "Proto Recv-Q Send-Q Local Address           Foreign Address      "
          "   State       Stack %s%s%s\n",
          o->extend ? " User       Inode     " : "",
          o->pids ? " PID/Program name   " : "", o->timers ? " Timer" : "");
  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    char prog[48];

    if ((!o->all && o->listening != r->listening) ||
        (r->proto[0] == 't' && !o->tcp) || (r->proto[0] == 'u' && !o->udp))
      continue;
    fprintf(out, "%-5s %6u %6u %-23s %-23s %-11s %-6s", r->proto, r->recvq,
            r->sendq, r->local, r->remote, r->state, r->stack);
    if (o->extend)
      print_owner(out, r, o->numeric);
    if (o->pids) {
      program(r->pid, prog, sizeof prog);
      fprintf(out, " %-19s", prog);
    }
    if (o->timers)
      fprintf(out, " %s", r->timer);
    fprintf(out, "\n");
    if (o->info && r->info[0] != '\0')
      fprintf(out, "\t %s\n", r->info);
  }
}

static unsigned
port_of(const char *addr)
{
  const char *colon = strrchr(addr, ':');

  return colon && colon[1] != '*' ? (unsigned)atoi(colon + 1) : 0;
}

/* "10.0.0.1:80" as /proc/net/tcp writes it: "0100000A:0050" (the address
 * as a 32-bit number in the host's byte order, the port in hex). */
static void
proc_hex(const char *addr, char *out, size_t len)
{
  char ip[64];
  const char *colon = strrchr(addr, ':');
  struct in_addr in = {0};
  size_t iplen = colon ? (size_t)(colon - addr) : strlen(addr);

  snprintf(ip, sizeof ip, "%.*s", (int)iplen, addr);
  inet_pton(AF_INET, ip, &in);
  snprintf(out, len, "%08X:%04X", in.s_addr, port_of(addr));
}

/* --proc-format: socklab's TCP sockets as the kernel writes
 * /proc/net/tcp, so tools that read that file (PROC_NET_TCP=FILE ss -tan)
 * show them too.  Times are in USER_HZ (1/100 s) as there. */
static void
print_proc(FILE *out, const struct row *rows, int n)
{
  int sl = 0;

  fprintf(out, "  sl  local_address rem_address   st tx_queue rx_queue tr "
               "tm->when retrnsmt   uid  timeout inode\n");
  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    char local[16], remote[16];
    unsigned st = 0;
    if (strcmp(r->proto, "tcp") != 0)
      continue;
    for (unsigned k = 1; k < sizeof kernel_states / sizeof *kernel_states; k++)
      if (strcmp(r->state, kernel_states[k]) == 0)
        st = k;
    proc_hex(r->local, local, sizeof local);
    proc_hex(r->remote, remote, sizeof remote);
    fprintf(out,
            "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d "
            "%016x %u %u %u %u %d\n",
            sl++, local, remote, st, r->sendq, r->recvq, r->timer_code,
            r->when_ms / 10, r->backoff, r->uid, 0, 0ul, 1, 0, r->rto_ms / 10,
            4u, 0u, r->cwnd, r->ssthresh ? (int)r->ssthresh : -1);
  }
}

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

static int
explain(FILE *out, const char *state)
{
  for (size_t i = 0; i < sizeof explanations / sizeof *explanations; i++)
    if (strcasecmp(state, explanations[i].state) == 0 ||
        strcasecmp(user_state(state, 0), explanations[i].state) == 0) {
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
        port_of(rows[i].local) == port_of(r->local))
      return 1;
  return 0;
}

/* One line of advice per port and kind of trouble. */
static int
diagnose(FILE *out, const struct row *rows, int n)
{
  int found = 0;

  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    unsigned port = port_of(r->local);
    int count = 0, first = 1;

    if (r->proto[0] != 't')
      continue;
    /* Count this kind on this port once, at its first row. */
    for (int j = 0; j < n; j++)
      if (strcmp(rows[j].state, r->state) == 0 &&
          strcmp(rows[j].stack, r->stack) == 0 &&
          port_of(rows[j].local) == port) {
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

static int
collect(const struct opts *o, struct row *rows, int max)
{
  int n = 0;

  if (o->kernel)
    n = read_kernel(o, rows, max);
  if (o->kernel && o->info) {
    kernel_tcp_info(AF_INET, rows, n);
    kernel_tcp_info(AF_INET6, rows, n);
  }
  if (o->user)
    n = read_user(o, rows, n, max);
  return n;
}

/* ---- --watch ------------------------------------------------------------- */

struct watched {
  int fd, pid;
  char prog[48]; /* read when it was found: it may exit before it speaks */
  char buf[4096];
  size_t len;
};

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)(ts.tv_sec % 86400) + (double)ts.tv_nsec / 1e9;
}

/* The time of day of an event whose "t" is CLOCK_MONOTONIC seconds, as
 * every socklab process writes it (lib/obs/TRACE.md). */
static double
event_time(const char *line)
{
  const char *t = sl__trace_field_raw(line, "t");
  struct timespec mono;

  if (t == NULL)
    return now_s();
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return now_s() -
         ((double)mono.tv_sec + (double)mono.tv_nsec / 1e9 - strtod(t, NULL));
}

static void
print_change(FILE *out, double t, const char *stack, const char *prog,
             const char *conn, const char *from, const char *to,
             const char *cause)
{
  fprintf(out, "%02d:%02d:%09.6f %-6s %-18s %-45s %s -> %s%s%s%s\n",
          (int)(t / 3600), (int)(t / 60) % 60, t - 60 * (int)(t / 60), stack,
          prog, conn, from, to, cause[0] ? " (" : "", cause,
          cause[0] ? ")" : "");
  fflush(out);
}

/* Subscribes to every socklab process not yet watched. */
static int
subscribe(struct watched *w, int n, int max)
{
  int pids[256], np = sl__export_pids(pids, 256);

  for (int k = 0; k < np && n < max; k++) {
    int seen = 0, fd;
    for (int i = 0; i < n; i++)
      seen |= w[i].pid == pids[k] && w[i].fd >= 0;
    if (seen || (fd = sl__export_connect(pids[k], "WATCH\n")) < 0)
      continue;
    w[n] = (struct watched){.fd = fd, .pid = pids[k]};
    program(pids[k], w[n].prog, sizeof w[n].prog);
    n++;
  }
  return n;
}

/* A kernel socket's identity across samples. */
static int
same_socket(const struct row *a, const struct row *b)
{
  return strcmp(a->proto, b->proto) == 0 && strcmp(a->local, b->local) == 0 &&
         strcmp(a->remote, b->remote) == 0;
}

static void
kernel_change(FILE *out, int pid, const char *conn, const char *from,
              const char *to)
{
  char prog[48];

  program(pid, prog, sizeof prog);
  print_change(out, now_s(), "kernel", prog, conn, from, to, "");
}

/* Kernel sockets: what changed since the last sample. */
static void
kernel_diff(FILE *out, const struct row *old, int nold, const struct row *cur,
            int ncur)
{
  for (int i = 0; i < ncur; i++) {
    const struct row *r = &cur[i], *was = NULL;
    char conn[140];
    if (r->proto[0] != 't')
      continue;
    for (int j = 0; j < nold && was == NULL; j++)
      if (same_socket(&old[j], r))
        was = &old[j];
    snprintf(conn, sizeof conn, "%s>%s", r->local, r->remote);
    if (was == NULL)
      kernel_change(out, r->pid, conn, "(new)", r->state);
    else if (strcmp(was->state, r->state) != 0)
      kernel_change(out, r->pid, conn, was->state, r->state);
  }
  for (int j = 0; j < nold; j++) {
    int still = 0;
    char conn[140];
    if (old[j].proto[0] != 't')
      continue;
    for (int i = 0; i < ncur && !still; i++)
      still = same_socket(&old[j], &cur[i]);
    snprintf(conn, sizeof conn, "%s>%s", old[j].local, old[j].remote);
    if (!still)
      kernel_change(out, old[j].pid, conn, old[j].state, "(gone)");
  }
}

/* socklab sockets: their state changes, as their processes report them. */
static void
user_events(FILE *out, struct watched *w)
{
  char *nl;
  ssize_t got = recv(w->fd, w->buf + w->len, sizeof w->buf - w->len - 1, 0);

  if (got <= 0) {
    close(w->fd);
    w->fd = -1;
    return;
  }
  w->len += (size_t)got;
  w->buf[w->len] = '\0';
  while ((nl = strchr(w->buf, '\n')) != NULL) {
    char ev[16], conn[64], from[16], to[16], cause[48];
    *nl = '\0';
    sl__trace_field_str(w->buf, "ev", ev, sizeof ev);
    if (strcmp(ev, "state") == 0) {
      sl__trace_field_str(w->buf, "conn", conn, sizeof conn);
      sl__trace_field_str(w->buf, "from", from, sizeof from);
      sl__trace_field_str(w->buf, "to", to, sizeof to);
      sl__trace_field_str(w->buf, "cause", cause, sizeof cause);
      print_change(out, event_time(w->buf), "user", w->prog, conn,
                   user_state(from, 0), user_state(to, 0), cause);
    }
    w->len -= (size_t)(nl + 1 - w->buf);
    memmove(w->buf, nl + 1, w->len + 1);
  }
}

/* Prints transitions as they happen, for seconds (0: until interrupted).
 * socklab sockets report every change; kernel sockets are sampled every
 * 100 ms, so a change shorter than that may not show. */
static int
watch(const struct opts *o, int seconds, struct row *rows, int max)
{
  struct watched w[64];
  struct row *prev = calloc((size_t)max, sizeof *prev);
  int nw = 0, nprev = 0;
  double end = now_s() + seconds, last_scan = 0;
  FILE *out = o->out;

  if (prev == NULL)
    return 1;
  /* Processes that exit while we watch wait a moment to be heard. */
  if (o->user)
    sl__export_watching(1);
  fprintf(out, "time            stack  PID/Program        connection          "
               "                          state change\n");
  if (o->kernel)
    nprev = read_kernel(o, prev, max);
  while (seconds == 0 || now_s() < end) {
    struct pollfd p[64];
    int np = 0;

    if (o->user && now_s() - last_scan >= 0.2) {
      nw = subscribe(w, nw, 64);
      last_scan = now_s();
    }
    for (int i = 0; i < nw; i++)
      if (w[i].fd >= 0)
        p[np++] = (struct pollfd){.fd = w[i].fd, .events = POLLIN};
    poll(p, (nfds_t)np, 100);
    for (int i = 0; i < nw; i++)
      for (int k = 0; k < np; k++)
        if (p[k].fd == w[i].fd && w[i].fd >= 0 &&
            (p[k].revents & (POLLIN | POLLHUP)))
          user_events(out, &w[i]);
    if (o->kernel) {
      int n = read_kernel(o, rows, max);
      kernel_diff(out, prev, nprev, rows, n);
      memcpy(prev, rows, (size_t)n * sizeof *rows);
      nprev = n;
    }
  }
  for (int i = 0; i < nw; i++)
    if (w[i].fd >= 0)
      close(w[i].fd);
  sl__export_watching(0);
  free(prev);
  return 0;
}

int
sl__netstat(FILE *out, int argc, char **argv)
{
  static const struct option lopts[] = {{"tcp", no_argument, 0, 't'},
                                        {"udp", no_argument, 0, 'u'},
                                        {"listening", no_argument, 0, 'l'},
                                        {"all", no_argument, 0, 'a'},
                                        {"numeric", no_argument, 0, 'n'},
                                        {"programs", no_argument, 0, 'p'},
                                        {"timers", no_argument, 0, 'o'},
                                        {"rfc", no_argument, 0, 'R'},
                                        {"stack", required_argument, 0, 'S'},
                                        {"diagnose", no_argument, 0, 'D'},
                                        {"info", no_argument, 0, 'i'},
                                        {"continuous", no_argument, 0, 'c'},
                                        {"watch", optional_argument, 0, 'W'},
                                        {"explain", required_argument, 0, 'E'},
                                        {"statistics", no_argument, 0, 's'},
                                        {"extend", no_argument, 0, 'e'},
                                        {"proc-format", no_argument, 0, 'F'},
                                        {"self", no_argument, 0, 'M'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  struct opts o = {.out = out, .kernel = 1, .user = 1};
  const char *proc = getenv("SOCKLAB_NETSTAT_PROC");
  int continuous = 0, watch_s = -1, statistics = 0;
  enum { MAX = 65536 };
  struct row *rows;
  int opt, n = 0;

  optind = 0; /* glibc: start getopt afresh, whatever ran before */
  while ((opt = getopt_long(argc, argv, "tulanpoiechs", lopts, NULL)) != -1) {
    switch (opt) {
    case 't':
      o.tcp = 1;
      break;
    case 'u':
      o.udp = 1;
      break;
    case 'l':
      o.listening = 1;
      break;
    case 'a':
      o.all = 1;
      break;
    case 'n':
      o.numeric = 1; /* addresses are numeric anyway; -e's users too */
      break;
    case 'e':
      o.extend = 1;
      break;
    case 'F':
      o.proc_format = 1;
      break;
    case 'M':
      o.self = 1;
      break;
    case 'p':
      o.pids = 1;
      break;
    case 'o':
      o.timers = 1;
      break;
    case 'R':
      o.rfc = 1;
      break;
    case 'D':
      o.diagnose = 1;
      break;
    case 'i':
      o.info = 1;
      break;
    case 'c':
      continuous = 1;
      break;
    case 'W':
      watch_s = optarg ? atoi(optarg) : 0;
      break;
    case 'E':
      return explain(out, optarg);
    case 's':
      statistics = 1;
      break;
    case 'S':
      if (strcmp(optarg, "kernel") == 0)
        o.user = 0;
      else if (strcmp(optarg, "user") == 0)
        o.kernel = 0;
      else if (strcmp(optarg, "all") != 0) {
        fprintf(stderr,
                "socklab netstat: --stack %s: expected kernel, user "
                "or all\n",
                optarg);
        return 2;
      }
      break;
    case 'h':
      fprintf(out,
              "usage: socklab netstat [-tulanpoie] [--rfc] "
              "[--stack kernel|user|all] [--self]\n"
              "       socklab netstat --diagnose | --explain STATE | -s\n"
              "The kernel's sockets and socklab-stack sockets of every "
              "running socklab\nprocess, side by side (the Stack column).  "
              "-t TCP, -u UDP, -l listening\nonly, -a all, -p PID/program, "
              "-o timers, -i TCP internals (rto, rtt, mss, cwnd, windows),\n"
              "-c every second, --watch[=SECONDS] state changes as they "
              "happen,\n-e the owner and inode, --self this process only "
              "(from sl_netstat()),\n--proc-format socklab's TCP sockets as "
              "/proc/net/tcp (PROC_NET_TCP=FILE ss -tan),\n"
              "--rfc RFC 9293 state names.  --diagnose reports "
              "what the\nlecture notes warn about (server-side TIME_WAIT, "
              "CLOSE_WAIT, full queues);\n--explain says what a state "
              "means.  -s shows protocol counters (as netstat -s), the\n"
              "kernel's and socklab's side by side, and socklab's drops by "
              "reason.\n");
      return 0;
    default:
      return 2;
    }
  }
  if (statistics)
    return sl__netstat_statistics(out, o.kernel, o.user);
  if (!o.tcp && !o.udp)
    o.tcp = o.udp = 1;
  o.proc_only = proc != NULL && strcmp(proc, "1") == 0;
  if (o.proc_format) { /* the kernel's are in /proc/net/tcp already */
    o.kernel = 0;
    o.rfc = 0;
  }
  rows = calloc(MAX, sizeof *rows);
  if (rows == NULL)
    return 1;
  if (watch_s >= 0) {
    n = watch(&o, watch_s, rows, MAX);
    free(rows);
    return n;
  }
  do {
    n = collect(&o, rows, MAX);
    if (o.diagnose)
      diagnose(out, rows, n);
    else if (o.proc_format)
      print_proc(out, rows, n);
    else
      print_rows(&o, rows, n);
    if (continuous) {
      fflush(out);
      sleep(1);
    }
  } while (continuous);
  free(rows);
  return 0;
}

/* ---- one buffer at a time, for tests and fuzzing ----------------------- */

enum { PARSE_MAX = 256 }; /* rows one buffer may give */

/* Every view of rows: the table as -aeo -i prints it, --diagnose and
 * --proc-format. */
static int
show_parsed(FILE *out, struct opts *o, struct row *rows, int n)
{
  print_rows(o, rows, n);
  diagnose(out, rows, n);
  print_proc(out, rows, n);
  free(rows);
  return n;
}

static struct row *
parse_setup(FILE *out, struct opts *o)
{
  *o = (struct opts){.out = out,
                     .tcp = 1,
                     .udp = 1,
                     .all = 1,
                     .timers = 1,
                     .info = 1,
                     .extend = 1,
                     .numeric = 1,
                     .kernel = 1,
                     .user = 1};
  return calloc(PARSE_MAX, sizeof(struct row));
}

int
sl__netstat_parse_proc(FILE *out, const char *proto, const char *text,
                       size_t len)
{
  struct owners owners = {0};
  struct opts o;
  struct row *rows = parse_setup(out, &o);
  FILE *f;
  int n;

  if (rows == NULL)
    return -ENOMEM;
  if ((f = fmemopen((void *)text, len, "r")) == NULL) {
    free(rows);
    return -errno;
  }
  n = proc_lines(f, proto, strncmp(proto, "udp", 3) == 0, &o, &owners, rows, 0,
                 PARSE_MAX);
  fclose(f);
  return show_parsed(out, &o, rows, n);
}

int
sl__netstat_parse_netlink(FILE *out, int family, int protocol, const void *buf,
                          size_t len)
{
  const char *proto = protocol == IPPROTO_UDP
                          ? (family == AF_INET6 ? "udp6" : "udp")
                          : (family == AF_INET6 ? "tcp6" : "tcp");
  struct owners owners = {0};
  struct opts o;
  struct row *rows = parse_setup(out, &o);
  void *copy = malloc(len > 0 ? len : 1); /* aligned, as recv(2) fills */
  int n, status = 0;

  if (rows == NULL || copy == NULL) {
    free(rows);
    free(copy);
    return -ENOMEM;
  }
  memcpy(copy, buf, len);
  n = diag_walk(copy, len, family, protocol, proto, &o, &owners, rows, 0,
                PARSE_MAX, &status);
  memcpy(copy, buf, len);
  info_walk(copy, len, rows, n);
  free(copy);
  return show_parsed(out, &o, rows, n);
}

int
sl__netstat_parse_dump(FILE *out, int pid, const char *text, size_t len)
{
  struct opts o;
  struct row *rows = parse_setup(out, &o);
  struct dump d = {&o, rows, 0, PARSE_MAX};
  FILE *f;

  if (rows == NULL)
    return -ENOMEM;
  if ((f = fmemopen((void *)text, len, "r")) == NULL) {
    free(rows);
    return -errno;
  }
  add_dump(&d, pid, f);
  fclose(f);
  return show_parsed(out, &o, rows, d.n);
}

/* ---- the same views from inside a program -------------------------------
 */

int
sl_netstat(FILE *out, const char *args)
{
  char *copy, *argv[64], *save = NULL;
  int argc = 0, r;

  if (out == NULL) {
    errno = EINVAL;
    return -1;
  }
  copy = strdup(args != NULL ? args : "");
  if (copy == NULL)
    return -1;
  argv[argc++] = "sl_netstat";
  for (char *w = strtok_r(copy, " \t\n", &save); w != NULL;
       w = strtok_r(NULL, " \t\n", &save)) {
    if (argc == 63) {
      free(copy);
      errno = E2BIG;
      return -1;
    }
    argv[argc++] = w;
  }
  argv[argc] = NULL;
  r = sl__netstat(out, argc, argv);
  free(copy);
  fflush(out);
  if (r != 0) {
    errno = r == 2 ? EINVAL : EIO;
    return -1;
  }
  return 0;
}
