/* netstat's kernel sockets: /proc/net/{tcp,tcp6,udp,udp6} or netlink's
 * NETLINK_SOCK_DIAG, PID/program from the /proc/PID/fd links, and
 * TCP_INFO for -i. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>

#include "obs/netstat_priv.h"

/* ---- kernel sockets --------------------------------------------------------
 */

/* The kernel's TCP states by the number /proc and netlink give them
 * (include/net/tcp_states.h), as netstat spells them. */
static const char *const kernel_states[] = {
    "",           "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
    "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
    "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};

unsigned
sl__netstat_kernel_state_code(const char *name)
{
  for (unsigned k = 1; k < sizeof kernel_states / sizeof *kernel_states; k++)
    if (strcmp(name, kernel_states[k]) == 0)
      return k;
  return 0;
}

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

/* One recv(2) of netlink answers; malloc's alignment suits nlmsghdr. */
#define DIAG_BUF 65536

/* Asks NETLINK_SOCK_DIAG for every socket of family and protocol (with
 * the extensions ext asks for): the socket to read the answers from, or
 * -1 when netlink is not there. */
static int
diag_request(int family, int protocol, unsigned ext)
{
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } q = {.nlh = {.nlmsg_len = sizeof q,
                 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
         .req = {.sdiag_family = (uint8_t)family,
                 .sdiag_protocol = (uint8_t)protocol,
                 .idiag_ext = (uint8_t)ext,
                 .idiag_states = ~0u}};
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

  if (fd >= 0 && send(fd, &q, sizeof q, 0) < 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* The kernel's sockets of one family and protocol, as ss reads them:
 * NETLINK_SOCK_DIAG, much faster than /proc's text with many sockets.
 * Returns the new count, or -1 when netlink is not there (then /proc). */
static int
read_netlink(int family, int protocol, const char *proto, const struct opts *o,
             const struct owners *owners, struct row *rows, int n, int max)
{
  /* A buffer of this call's own: sl_netstat may run in two threads. */
  char *buf = malloc(DIAG_BUF);
  int fd = buf != NULL ? diag_request(family, protocol, 0) : -1, status = 0;

  if (fd < 0) {
    free(buf);
    return -1;
  }
  while (status == 0 && n < max) {
    ssize_t len = recv(fd, buf, DIAG_BUF, 0);
    if (len <= 0)
      break;
    n = diag_walk(buf, (size_t)len, family, protocol, proto, o, owners, rows, n,
                  max, &status);
  }
  close(fd);
  free(buf);
  return status == 1 ? n : -1;
}

/* The kernel's sockets: netlink, or /proc/net where netlink is not. */
int
sl__netstat_read_kernel(const struct opts *o, struct row *rows, int max)
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
void
sl__netstat_kernel_tcp_info(int family, struct row *rows, int n)
{
  char *buf = malloc(DIAG_BUF);
  int fd = buf != NULL
               ? diag_request(family, IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1))
               : -1;
  int done = 0;

  if (fd < 0) {
    free(buf);
    return; /* no netlink here: the rows keep no info */
  }
  while (!done) {
    ssize_t len = recv(fd, buf, DIAG_BUF, 0);
    if (len <= 0)
      break;
    done = info_walk(buf, (size_t)len, rows, n);
  }
  close(fd);
  free(buf);
}

/* ---- one buffer at a time, for tests and fuzzing ----------------------- */

int
sl__netstat_parse_proc(FILE *out, const char *proto, const char *text,
                       size_t len)
{
  struct owners owners = {0};
  struct opts o;
  struct row *rows = sl__netstat_parse_setup(out, &o);
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
  return sl__netstat_show_parsed(out, &o, rows, n);
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
  struct row *rows = sl__netstat_parse_setup(out, &o);
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
  return sl__netstat_show_parsed(out, &o, rows, n);
}
