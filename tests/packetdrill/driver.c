/* A stand-in for packetdrill: loads libsocklab-packetdrill.so the way
 * packetdrill does (dlopen, packetdrill_interface_init) and plays a
 * scripted peer against it, with its own packet builder and parser so the
 * stack's checksums are checked independently.
 * Usage: driver [path.so [flags]]; the flags must keep 192.168.0.1 as the
 * local address (add "verbose" to see the stack's state changes).
 * Prints one line per check; exits 0 only if every check passed. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/sockopt_cases.h"
#include "packetdrill/packetdrill_if.h"

#define LOCAL_IP   0xc0a80001u /* 192.168.0.1: packetdrill's local default */
#define REMOTE_IP  0xc0000201u /* 192.0.2.1: its remote default */
#define LOCAL_PORT 8080
#define PEER_PORT  40000
#define PEER_ISN   1000u

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static struct packetdrill_interface ifc;
static void *ud;
static int n_checks, n_failed;

static void
check(int ok, const char *fmt, ...)
{
  va_list ap;

  n_checks++;
  if (!ok)
    n_failed++;
  printf("%s ", ok ? "  ok  " : "  FAIL");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static void
section(const char *what)
{
  printf("# %s\n", what);
}

/* ---- packets: built and parsed here, independently of the stack ------ */

struct pkt {
  uint8_t proto; /* 6 TCP, 17 UDP */
  uint32_t src, dst;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t win;
  uint16_t mss; /* MSS option value, 0 = none */
  const uint8_t *data;
  size_t len;
};

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len & 1)
    sum += (uint32_t)(p[len - 1] << 8);
  return sum;
}

static uint16_t
fold(uint32_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
  put16(p, v >> 16);
  put16(p + 2, v);
}

static uint16_t
get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
  return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Transport checksum over the pseudo-header and the segment. */
static uint16_t
l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
        size_t len)
{
  uint8_t ph[12];

  put32(ph, src);
  put32(ph + 4, dst);
  ph[8] = 0;
  ph[9] = proto;
  put16(ph + 10, (uint32_t)len);
  return fold(sum16(sum16(0, ph, 12), l4, len));
}

/* Writes an IPv4 datagram carrying p; returns its length. */
static size_t
build(uint8_t *b, const struct pkt *p)
{
  uint8_t *l4 = b + 20;
  size_t hl, l4len;

  memset(b, 0, 80);
  if (p->proto == 6) {
    hl = p->mss ? 24 : 20;
    put16(l4, p->sport);
    put16(l4 + 2, p->dport);
    put32(l4 + 4, p->seq);
    put32(l4 + 8, p->ack);
    l4[12] = (uint8_t)((hl / 4) << 4);
    l4[13] = p->flags;
    put16(l4 + 14, p->win);
    if (p->mss) {
      l4[20] = 2; /* kind MSS */
      l4[21] = 4;
      put16(l4 + 22, p->mss);
    }
  } else {
    hl = 8;
    put16(l4, p->sport);
    put16(l4 + 2, p->dport);
    put16(l4 + 4, (uint32_t)(8 + p->len));
  }
  if (p->len > 0)
    memcpy(l4 + hl, p->data, p->len);
  l4len = hl + p->len;
  put16(l4 + (p->proto == 6 ? 16 : 6),
        l4_csum(p->src, p->dst, p->proto, l4, l4len));
  b[0] = 0x45;
  put16(b + 2, (uint32_t)(20 + l4len));
  put16(b + 6, 0x4000); /* DF */
  b[8] = 64;
  b[9] = p->proto;
  put32(b + 12, p->src);
  put32(b + 16, p->dst);
  put16(b + 10, fold(sum16(0, b, 20)));
  return 20 + l4len;
}

/* Parses what the stack sent.  NULL, or why the packet is malformed. */
static const char *
parse(const uint8_t *b, size_t len, struct pkt *p)
{
  size_t ihl, tot, hl;
  const uint8_t *l4;

  memset(p, 0, sizeof *p);
  if (len < 20 || b[0] >> 4 != 4)
    return "not an IPv4 datagram";
  ihl = (size_t)(b[0] & 15) * 4;
  tot = get16(b + 2);
  if (ihl < 20 || tot < ihl || tot != len)
    return "bad IPv4 lengths";
  if (fold(sum16(0, b, ihl)) != 0)
    return "bad IPv4 header checksum";
  p->proto = b[9];
  p->src = get32(b + 12);
  p->dst = get32(b + 16);
  l4 = b + ihl;
  len = tot - ihl;
  if (l4_csum(p->src, p->dst, p->proto, l4, len) != 0)
    return "bad transport checksum";
  if (p->proto == 17) {
    if (len < 8 || get16(l4 + 4) != len)
      return "bad UDP length";
    p->sport = get16(l4);
    p->dport = get16(l4 + 2);
    p->data = l4 + 8;
    p->len = len - 8;
    return NULL;
  }
  if (p->proto != 6)
    return "neither TCP nor UDP";
  if (len < 20 || (hl = (size_t)(l4[12] >> 4) * 4) < 20 || hl > len)
    return "bad TCP header length";
  p->sport = get16(l4);
  p->dport = get16(l4 + 2);
  p->seq = get32(l4 + 4);
  p->ack = get32(l4 + 8);
  p->flags = l4[13];
  p->win = get16(l4 + 14);
  for (size_t i = 20; i < hl;) {
    if (l4[i] == 0)
      break;
    if (l4[i] == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hl || l4[i + 1] < 2 || i + l4[i + 1] > hl)
      return "bad TCP options";
    if (l4[i] == 2 && l4[i + 1] == 4)
      p->mss = get16(l4 + i + 2);
    i += l4[i + 1];
  }
  p->data = l4 + hl;
  p->len = len - hl;
  return NULL;
}

/* ---- the peer's side of the link ------------------------------------- */

static uint32_t peer_seq = PEER_ISN;   /* next sequence number we send */
static uint32_t peer_ack;              /* what we acknowledge */
static uint16_t peer_port = PEER_PORT; /* the connection's two ports */
static uint16_t our_port = LOCAL_PORT;

static void
inject_tcp(uint8_t flags, const char *data, uint16_t mss)
{
  uint8_t b[2048];
  struct pkt p = {.proto = 6,
                  .src = REMOTE_IP,
                  .dst = LOCAL_IP,
                  .sport = peer_port,
                  .dport = our_port,
                  .seq = peer_seq,
                  .ack = (flags & F_ACK) ? peer_ack : 0,
                  .flags = flags,
                  .win = 65535,
                  .mss = mss,
                  .data = (const uint8_t *)data,
                  .len = data ? strlen(data) : 0};
  size_t n = build(b, &p);
  int r = ifc.netdev_send(ud, b, n);

  check(r == 0, "netdev_send of a %zu-byte segment (flags 0x%02x) = %d", n,
        flags, r);
  peer_seq += (uint32_t)p.len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

/* The next packet the stack sends.  Returns 0 and fills *p (whose data
 * points into a static buffer) or -1. */
static int
sniff(struct pkt *p, long long *when)
{
  static uint8_t b[65536];
  size_t n = sizeof b;
  const char *why;
  int r = ifc.netdev_receive(ud, b, &n, when);

  if (r != 0) {
    check(0, "netdev_receive returned a packet (got -1, %s)", strerror(errno));
    return -1;
  }
  why = parse(b, n, p);
  check(why == NULL, "the %zu-byte packet parses, checksums valid%s%s", n,
        why ? ": " : "", why ? why : "");
  return why == NULL ? 0 : -1;
}

static long long
vnow(void)
{
  struct timeval tv;

  ifc.gettimeofday(ud, &tv, NULL);
  return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static double
real_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* ---- a socket call on a second thread, as packetdrill makes them ----- */

struct blocked {
  pthread_t thread;
  atomic_int tid;
  atomic_int done;
  int fd;
  enum { DO_ACCEPT, DO_READ, DO_CONNECT, DO_POLL } call;
  struct sockaddr_in to; /* DO_CONNECT: where to */
  long clock_delay_ms;   /* real time between the return and end_v */
  int result;
  int err;
  long long end_v; /* the virtual clock read after the call returned */
  char buf[256];
  struct sockaddr_in peer;
  socklen_t peer_len;
};

static void *
blocked_main(void *arg)
{
  struct blocked *b = arg;

  atomic_store(&b->tid, (int)gettid());
  b->peer_len = sizeof b->peer;
  if (b->call == DO_ACCEPT)
    b->result =
        ifc.accept(ud, b->fd, (struct sockaddr *)&b->peer, &b->peer_len);
  else if (b->call == DO_POLL)
    b->result =
        ifc.poll(ud, &(struct pollfd){.fd = b->fd, .events = POLLIN}, 1, 10);
  else if (b->call == DO_CONNECT)
    b->result = ifc.connect(ud, b->fd, (struct sockaddr *)&b->to, sizeof b->to);
  else
    b->result = (int)ifc.read(ud, b->fd, b->buf, sizeof b->buf - 1);
  b->err = errno;
  /* packetdrill's system-call thread reads the clock after the call has
   * returned (end_syscall), and may be descheduled in between. */
  if (b->clock_delay_ms > 0)
    sleep_ms(b->clock_delay_ms);
  b->end_v = vnow();
  atomic_store(&b->done, 1);
  return NULL;
}

/* The scheduler state of a thread, from /proc: 'S' is asleep. */
static char
thread_state(int tid)
{
  char path[64], line[512], *p;
  FILE *f;

  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  f = fopen(path, "r");
  if (f == NULL)
    return '?';
  p = fgets(line, sizeof line, f);
  fclose(f);
  if (p == NULL || (p = strrchr(line, ')')) == NULL || p[1] != ' ')
    return '?';
  return p[2];
}

static double
thread_cpu_ms(pthread_t t)
{
  clockid_t c;
  struct timespec ts;

  if (pthread_getcpuclockid(t, &c) != 0 || clock_gettime(c, &ts) != 0)
    return -1;
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
start_blocked(struct blocked *b, int fd, int call, long clock_delay_ms)
{
  memset(b, 0, sizeof *b);
  b->fd = fd;
  b->call = call;
  b->clock_delay_ms = clock_delay_ms;
  b->to.sin_family = AF_INET;
  b->to.sin_addr.s_addr = htonl(REMOTE_IP);
  b->to.sin_port = htons(PEER_PORT + 1);
  if (pthread_create(&b->thread, NULL, blocked_main, b) != 0) {
    check(0, "pthread_create");
    exit(1);
  }
}

/* After 200 ms of real time the call must still be waiting, asleep in
 * the kernel (what packetdrill itself checks) and using no CPU. */
static void
check_still_blocked(struct blocked *b, const char *what)
{
  double cpu0, cpu1;

  sleep_ms(20);
  cpu0 = thread_cpu_ms(b->thread);
  sleep_ms(200);
  cpu1 = thread_cpu_ms(b->thread);
  check(!atomic_load(&b->done), "%s has not returned after 200 ms", what);
  check(thread_state(atomic_load(&b->tid)) == 'S',
        "%s's thread is asleep (state %c in /proc)", what,
        thread_state(atomic_load(&b->tid)));
  check(cpu1 - cpu0 < 20.0, "%s used %.2f ms of CPU in 200 ms (no spinning)",
        what, cpu1 - cpu0);
}

static int
finish_blocked(struct blocked *b, const char *what)
{
  double t0 = real_ms();

  while (!atomic_load(&b->done) && real_ms() - t0 < 2000)
    sleep_ms(1);
  check(atomic_load(&b->done), "%s returned within 2 s of the packet", what);
  if (!atomic_load(&b->done))
    return -1; /* leave it; the process exits with a failure */
  pthread_join(b->thread, NULL);
  return 0;
}

/* ---- the script ------------------------------------------------------ */

static int
pd_socket_of(void *u, int type)
{
  return ifc.socket(u, AF_INET, type, 0);
}

static int
pd_close_of(void *u, int fd)
{
  return ifc.close(u, fd);
}

/* tests/unit/sockopt_cases.h through the adapter: the rows check_user.c
 * runs through the runtime, with the same expected answers. */
static void
sockopt_table_checks(void)
{
  const struct sockopt_calls c = {
      "packetdrill adapter", ud, pd_socket_of, ifc.setsockopt, ifc.getsockopt,
      pd_close_of,           0};
  int bad;

  section("socket options: the table the runtime answers by");
  bad = sockopt_run_cases(&c, stdout);
  check(bad == 0, "%zu option calls answered as the table says (%d not)",
        sizeof sockopt_cases / sizeof sockopt_cases[0], bad);
}

static int
tcp_socket_checks(void)
{
  struct sockaddr_in sin = {.sin_family = AF_INET};
  struct stat st;
  int one = 1, v = 0, fd, fd2, r;
  socklen_t len = sizeof v;

  section("sockets are real descriptors; options; bind uses local_ip");
  fd = ifc.socket(ud, AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket(AF_INET, SOCK_STREAM) = %d", fd);
  check(fcntl(fd, F_GETFD) != -1 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode),
        "descriptor %d is open in this process (a character device)", fd);
  r = ifc.socket(ud, AF_INET6, SOCK_STREAM, 0);
  check(r == -1 && errno == EAFNOSUPPORT,
        "socket(AF_INET6) = -1 EAFNOSUPPORT (got %d, %s)", r, strerror(errno));
  r = ifc.setsockopt(ud, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  check(r == 0, "setsockopt(SO_REUSEADDR, 1) = %d", r);
  r = ifc.getsockopt(ud, fd, SOL_SOCKET, SO_REUSEADDR, &v, &len);
  check(r == 0 && v == 1, "getsockopt(SO_REUSEADDR) = %d, value %d", r, v);
  r = ifc.setsockopt(ud, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  check(r == 0, "setsockopt(TCP_NODELAY, 1) = %d", r);
  r = ifc.setsockopt(ud, fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  check(r == 0, "setsockopt(SO_KEEPALIVE, 1) = %d", r);
  /* An option we lack is ENOPROTOOPT whatever its length (Linux's
   * scripts set IP_MTU_DISCOVER with a one-byte value); a known one with
   * too short a value is EINVAL. */
  r = ifc.setsockopt(ud, fd, IPPROTO_IP, IP_MTU_DISCOVER, "", 1);
  check(r == -1 && errno == ENOPROTOOPT,
        "setsockopt(IP_MTU_DISCOVER, 1 byte) = -1 ENOPROTOOPT (got %d, %s)", r,
        strerror(errno));
  r = ifc.setsockopt(ud, fd, SOL_SOCKET, SO_REUSEADDR, "", 1);
  check(r == -1 && errno == EINVAL,
        "setsockopt(SO_REUSEADDR, 1 byte) = -1 EINVAL (got %d, %s)", r,
        strerror(errno));

  fd2 = ifc.socket(ud, AF_INET, SOCK_STREAM, 0);
  sin.sin_addr.s_addr = htonl(0x0a000001); /* 10.0.0.1: not ours */
  sin.sin_port = htons(LOCAL_PORT);
  r = ifc.bind(ud, fd2, (struct sockaddr *)&sin, sizeof sin);
  check(r == -1 && errno == EADDRNOTAVAIL,
        "bind(10.0.0.1:%d) = -1 EADDRNOTAVAIL (got %d, %s)", LOCAL_PORT, r,
        strerror(errno));
  r = ifc.close(ud, fd2);
  check(r == 0, "close(%d) = %d", fd2, r);
  r = ifc.close(ud, fd2);
  check(r == -1 && errno == EBADF, "a second close(%d) = -1 EBADF", fd2);

  sin.sin_addr.s_addr = htonl(LOCAL_IP);
  r = ifc.bind(ud, fd, (struct sockaddr *)&sin, sizeof sin);
  check(r == 0, "bind(192.168.0.1:%d) = %d", LOCAL_PORT, r);
  r = ifc.listen(ud, fd, 1);
  check(r == 0, "listen(%d, 1) = %d", fd, r);
  return fd;
}

static void
nonblocking_checks(int lfd)
{
  struct pollfd pfd = {.fd = lfd, .events = POLLIN};
  long long t0, t1;
  int r, fl;

  section("O_NONBLOCK and poll");
  fl = ifc.fcntl(ud, lfd, F_GETFL);
  r = ifc.fcntl(ud, lfd, F_SETFL, fl | O_NONBLOCK);
  check(r == 0 && (ifc.fcntl(ud, lfd, F_GETFL) & O_NONBLOCK),
        "fcntl(F_SETFL, O_NONBLOCK) = %d and F_GETFL shows it", r);
  r = ifc.accept(ud, lfd, NULL, NULL);
  check(r == -1 && errno == EAGAIN,
        "non-blocking accept with nobody waiting = -1 EAGAIN (got %d)", r);
  r = ifc.fcntl(ud, lfd, F_SETFL, fl);
  check(r == 0 && !(ifc.fcntl(ud, lfd, F_GETFL) & O_NONBLOCK),
        "fcntl(F_SETFL) clears O_NONBLOCK again");
  r = ifc.poll(ud, &pfd, 1, 0);
  check(r == 0 && pfd.revents == 0, "poll(listener, 0 ms) = %d", r);
  t0 = vnow();
  r = ifc.poll(ud, &pfd, 1, 100);
  t1 = vnow();
  check(r == 0 && t1 - t0 >= 100000,
        "poll(listener, 100 ms) = %d after %lld us of virtual time", r,
        t1 - t0);
}

/* A poll() on another thread times out in 10 ms while this thread, as
 * packetdrill's main thread does before its next event, sleeps 100 ms:
 * the poll returns at its own deadline, not at the end of the sleep. */
static void
poll_timeout_checks(int lfd)
{
  struct blocked pl;
  long long t0;
  double r0 = real_ms();

  section("poll() times out at its deadline while the clock jumps past it");
  t0 = vnow();
  start_blocked(&pl, lfd, DO_POLL, 0);
  /* Asleep in poll() first, or the sleep below would come before it. */
  while (thread_state(atomic_load(&pl.tid)) != 'S' && real_ms() - r0 < 2000)
    sched_yield();
  ifc.usleep(ud, 100000);
  if (finish_blocked(&pl, "poll()") < 0)
    return;
  check(pl.result == 0 && pl.end_v - t0 >= 10000 && pl.end_v - t0 < 11000,
        "poll(listener, 10 ms) = %d, returned %lld us after it began",
        pl.result, pl.end_v - t0);
}

static void
clock_checks(void)
{
  long long a, b, c;
  int r;

  section("the virtual clock");
  a = vnow();
  b = vnow();
  check(b > a, "gettimeofday moves forward on every call (%lld -> %lld)", a, b);
  r = ifc.usleep(ud, 5000);
  c = vnow();
  check(r == 0 && c - b >= 5000, "usleep(5000) moved the clock by %lld us",
        c - b);
}

/* The stack will send nothing more.  Stock packetdrill's
 * so_netdev_receive() calls netdev_receive again for as long as it
 * returns -1, so failing would hang the script; the adapter must report
 * "received nothing" (0 with count 0, packetdrill.h's contract), which
 * packetdrill's parser rejects, ending the script.  The loop below is
 * packetdrill's, bounded. */
static void
idle_receive_check(const char *when)
{
  struct timespec c0, c1;
  uint8_t b[2048];
  size_t n;
  long long t = 0, v0 = vnow(), v1;
  double r0 = real_ms(), cpu;
  int r, calls = 0;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  do {
    n = sizeof b;
    r = ifc.netdev_receive(ud, b, &n, &t);
    calls++;
  } while (r == -1 && calls < 3);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  v1 = vnow();
  cpu = (double)(c1.tv_sec - c0.tv_sec) * 1e3 +
        (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
  check(r == 0 && n == 0 && calls == 1,
        "netdev_receive %s says \"nothing\" (0, count 0) at the first "
        "call: got %d, count %zu after %d calls, %.0f ms real, %.1f s "
        "virtual",
        when, r, n, calls, real_ms() - r0, (double)(v1 - v0) / 1e6);
  check(cpu < 50.0, "... and used %.2f ms of CPU doing so (no spinning)", cpu);
}

static int
handshake(int lfd)
{
  struct blocked acc;
  struct pkt p;
  long long t_inject, t_out;
  uint32_t iss = 0;

  section("passive open: SYN, SYN-ACK, ACK; accept() blocks until the ACK");
  start_blocked(&acc, lfd, DO_ACCEPT, 0);
  check_still_blocked(&acc, "accept()");

  t_inject = vnow();
  inject_tcp(F_SYN, NULL, 1460);
  if (sniff(&p, &t_out) == 0) {
    check(p.proto == 6 && p.src == LOCAL_IP && p.dst == REMOTE_IP &&
              p.sport == LOCAL_PORT && p.dport == PEER_PORT,
          "SYN-ACK goes 192.168.0.1:%u -> 192.0.2.1:%u", p.sport, p.dport);
    check(p.flags == (F_SYN | F_ACK), "flags are SYN|ACK (0x%02x)", p.flags);
    check(p.ack == PEER_ISN + 1, "ack = %u (peer ISN + 1 = %u)", p.ack,
          PEER_ISN + 1);
    check(p.mss == 1460, "MSS option = %u (MTU 1500 - 40)", p.mss);
    check(p.len == 0, "no payload");
    check(t_out >= t_inject && t_out <= vnow(),
          "stamped %lld us after the SYN went in", t_out - t_inject);
    iss = p.seq;
  }
  peer_ack = iss + 1;
  check_still_blocked(&acc, "accept() (SYN-ACK sent, no ACK yet)");

  inject_tcp(F_ACK, NULL, 0);
  if (finish_blocked(&acc, "accept()") < 0)
    return -1;
  check(acc.result >= 0, "accept() = %d (%s)", acc.result,
        acc.result < 0 ? strerror(acc.err) : "a new descriptor");
  check(acc.peer_len == sizeof acc.peer &&
            ntohl(acc.peer.sin_addr.s_addr) == REMOTE_IP &&
            ntohs(acc.peer.sin_port) == PEER_PORT,
        "accept() reports the peer 192.0.2.1:%d", ntohs(acc.peer.sin_port));
  return acc.result;
}

/* Data wakes a read() asleep on another thread while this thread, as
 * packetdrill's main thread does, goes straight on to wait for the ACK.
 * The ACK is delayed, so netdev_receive moves the clock to the delayed-ACK
 * timer; it must let the woken read() run first.  Otherwise the read
 * returns 40 ms late in virtual time and the ACK advertises a window
 * that counts the bytes the read has taken since. */
static void
woken_read_checks(int fd, uint16_t full_win)
{
  static const char in[] = "third";
  struct blocked rd;
  struct pkt p;
  long long t_inject, t_out;

  section("a read() woken by data returns before virtual time moves on");
  start_blocked(&rd, fd, DO_READ, 50);
  check_still_blocked(&rd, "read()");
  t_inject = vnow();
  inject_tcp(F_ACK | F_PSH, in, 0);
  if (sniff(&p, &t_out) == 0)
    check(p.flags == F_ACK && p.ack == peer_seq && p.win == full_win,
          "the delayed ACK, %lld us later, acks %u (%u) and advertises the "
          "whole window: %u (%u)",
          t_out - t_inject, p.ack, peer_seq, p.win, full_win);
  if (finish_blocked(&rd, "read()") < 0)
    return;
  check(rd.result == (int)strlen(in), "read() = %d", rd.result);
  check(rd.end_v - t_inject >= 0 && rd.end_v - t_inject < 1000,
        "read() returned when the data came: the clock its thread read "
        "50 ms (real) after it returned says %lld us after the data",
        rd.end_v - t_inject);
}

static void
data_checks(int fd)
{
  static const char in1[] = "hello from the peer";
  static const char in2[] = "second segment";
  static const char out[] = "hello from socklab";
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  struct blocked rd;
  char buf[256];
  struct pkt p;
  long long t_inject, t_out;
  uint32_t our_seq = peer_ack;
  ssize_t n;
  int r;

  section("data in both directions");
  r = ifc.getsockopt(ud, fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
  check(r == 0 && ti.tcpi_state == TCP_ESTABLISHED,
        "TCP_INFO says ESTABLISHED (tcpi_state %u)", ti.tcpi_state);

  t_inject = vnow();
  inject_tcp(F_ACK | F_PSH, in1, 0);
  n = ifc.read(ud, fd, buf, sizeof buf);
  check(n == (ssize_t)strlen(in1) && memcmp(buf, in1, strlen(in1)) == 0,
        "read() = %zd: \"%.*s\"", n, (int)(n > 0 ? n : 0), buf);
  if (sniff(&p, &t_out) == 0) {
    check(p.flags == F_ACK && p.ack == peer_seq && p.len == 0,
          "the stack ACKs it: flags 0x%02x ack %u (expected %u)", p.flags,
          p.ack, peer_seq);
    check(t_out - t_inject > 0 && t_out - t_inject <= 500000,
          "netdev_receive waited for the delayed-ACK timer: %lld us "
          "(RFC 1122: at most 500 ms)",
          t_out - t_inject);
  }

  n = ifc.write(ud, fd, out, strlen(out));
  check(n == (ssize_t)strlen(out), "write(%zu bytes) = %zd", strlen(out), n);
  if (sniff(&p, &t_out) == 0) {
    check((p.flags & ~F_PSH) == F_ACK, "data segment flags 0x%02x (ACK[|PSH])",
          p.flags);
    check(p.seq == our_seq, "seq = %u (ISS + 1 = %u)", p.seq, our_seq);
    check(p.ack == peer_seq, "ack = %u (%u)", p.ack, peer_seq);
    check(p.len == strlen(out) && memcmp(p.data, out, p.len) == 0,
          "payload is \"%.*s\"", (int)p.len, (const char *)p.data);
    peer_ack = p.seq + (uint32_t)p.len;
  }
  inject_tcp(F_ACK, NULL, 0);

  section("read() blocks until data arrives");
  start_blocked(&rd, fd, DO_READ, 0);
  check_still_blocked(&rd, "read()");
  inject_tcp(F_ACK | F_PSH, in2, 0);
  if (finish_blocked(&rd, "read()") == 0)
    check(rd.result == (int)strlen(in2) &&
              memcmp(rd.buf, in2, strlen(in2)) == 0,
          "read() = %d: \"%.*s\"", rd.result, rd.result > 0 ? rd.result : 0,
          rd.buf);
  if (sniff(&p, &t_out) == 0)
    check(p.flags == F_ACK && p.ack == peer_seq, "ACK for it: ack %u (%u)",
          p.ack, peer_seq);
  woken_read_checks(fd, p.win);
}

static void
close_checks(int fd)
{
  struct pkt p;
  long long t_out, v0, v1;
  int r;

  section("close(): FIN, the peer's FIN, TIME-WAIT");
  r = ifc.close(ud, fd);
  check(r == 0, "close(%d) = %d", fd, r);
  if (sniff(&p, &t_out) == 0) {
    check(p.flags == (F_FIN | F_ACK), "FIN|ACK (flags 0x%02x)", p.flags);
    check(p.seq == peer_ack && p.ack == peer_seq,
          "FIN seq %u ack %u (expected %u, %u)", p.seq, p.ack, peer_ack,
          peer_seq);
    peer_ack = p.seq + 1;
  }
  inject_tcp(F_FIN | F_ACK, NULL, 0);
  if (sniff(&p, &t_out) == 0)
    check(p.flags == F_ACK && p.ack == peer_seq && p.seq == peer_ack,
          "the stack ACKs our FIN: seq %u ack %u", p.seq, p.ack);
  r = ifc.read(ud, fd, (char[4]){0}, 4);
  check(r == -1 && errno == EBADF, "read() on the closed descriptor = -1 "
                                   "EBADF");
  /* Only the TIME-WAIT timer is left: netdev_receive jumps over it, then
   * has nothing to wait for. */
  v0 = vnow();
  idle_receive_check("after TIME-WAIT");
  v1 = vnow();
  check(v1 - v0 >= 60000000, "virtual time went through 2 MSL (%lld us)",
        v1 - v0);
}

static void
udp_checks(void)
{
  static const char ping[] = "ping";
  static const char pong[] = "pong!";
  struct sockaddr_in sin = {.sin_family = AF_INET}, from;
  socklen_t flen = sizeof from;
  uint8_t b[256];
  struct pkt p = {.proto = 17,
                  .src = REMOTE_IP,
                  .dst = LOCAL_IP,
                  .sport = 5000,
                  .dport = 5353,
                  .data = (const uint8_t *)ping,
                  .len = 4};
  char buf[64];
  long long t;
  ssize_t n;
  int fd, r;

  section("UDP");
  fd = ifc.socket(ud, AF_INET, SOCK_DGRAM, 0);
  check(fd >= 0, "socket(AF_INET, SOCK_DGRAM) = %d", fd);
  sin.sin_addr.s_addr = htonl(0);
  sin.sin_port = htons(5353);
  r = ifc.bind(ud, fd, (struct sockaddr *)&sin, sizeof sin);
  check(r == 0, "bind(0.0.0.0:5353) = %d", r);
  r = ifc.netdev_send(ud, b, build(b, &p));
  check(r == 0, "netdev_send of a datagram to port 5353 = %d", r);
  n = ifc.recvfrom(ud, fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
  check(n == 4 && memcmp(buf, ping, 4) == 0 &&
            ntohl(from.sin_addr.s_addr) == REMOTE_IP &&
            ntohs(from.sin_port) == 5000,
        "recvfrom() = %zd \"%.*s\" from 192.0.2.1:%d", n, (int)(n > 0 ? n : 0),
        buf, ntohs(from.sin_port));
  n = ifc.sendto(ud, fd, pong, strlen(pong), 0, (struct sockaddr *)&from, flen);
  check(n == (ssize_t)strlen(pong), "sendto() = %zd", n);
  if (sniff(&p, &t) == 0)
    check(p.proto == 17 && p.sport == 5353 && p.dport == 5000 &&
              p.dst == REMOTE_IP && p.len == strlen(pong) &&
              memcmp(p.data, pong, p.len) == 0,
          "UDP 5353 -> 192.0.2.1:%u \"%.*s\"", p.dport, (int)p.len,
          (const char *)p.data);
  r = ifc.close(ud, fd);
  check(r == 0, "close(%d) = %d", fd, r);
}

static void
active_open_checks(void)
{
  struct linger lg = {1, 0};
  struct blocked con;
  struct pkt p;
  long long t;
  uint32_t iss = 0;
  int fd, r;

  section("active open: a blocking connect() on another thread");
  fd = ifc.socket(ud, AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket() = %d", fd);
  start_blocked(&con, fd, DO_CONNECT, 0);
  /* netdev_receive may run before the thread has even called connect():
   * it must wait for the SYN rather than fail at once. */
  if (sniff(&p, &t) == 0) {
    check(p.flags == F_SYN && p.mss == 1460 && p.dport == PEER_PORT + 1 &&
              p.sport >= 1024,
          "SYN from port %u to 192.0.2.1:%u, MSS %u", p.sport, p.dport, p.mss);
    iss = p.seq;
    our_port = p.sport;
  }
  check_still_blocked(&con, "connect() (SYN sent)");
  peer_port = PEER_PORT + 1;
  peer_seq = 5000;
  peer_ack = iss + 1;
  inject_tcp(F_SYN | F_ACK, NULL, 1000);
  if (finish_blocked(&con, "connect()") == 0)
    check(con.result == 0, "connect() = %d (%s)", con.result,
          con.result == 0 ? "established" : strerror(con.err));
  if (sniff(&p, &t) == 0)
    check(p.flags == F_ACK && p.seq == iss + 1 && p.ack == peer_seq,
          "the handshake's ACK: seq %u ack %u", p.seq, p.ack);

  section("SO_LINGER {1, 0}: close() resets");
  r = ifc.setsockopt(ud, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  check(r == 0, "setsockopt(SO_LINGER, {1, 0}) = %d", r);
  r = ifc.close(ud, fd);
  check(r == 0, "close(%d) = %d", fd, r);
  if (sniff(&p, &t) == 0)
    check((p.flags & F_RST) && p.seq == iss + 1, "RST (flags 0x%02x) seq %u",
          p.flags, p.seq);
}

static int
check_interface(void)
{
  /* Every slot must be filled: packetdrill calls them without looking. */
  void (*const slots[])(void) = {
      (void (*)(void))ifc.free,           (void (*)(void))ifc.socket,
      (void (*)(void))ifc.bind,           (void (*)(void))ifc.listen,
      (void (*)(void))ifc.accept,         (void (*)(void))ifc.connect,
      (void (*)(void))ifc.read,           (void (*)(void))ifc.readv,
      (void (*)(void))ifc.recv,           (void (*)(void))ifc.recvfrom,
      (void (*)(void))ifc.recvmsg,        (void (*)(void))ifc.write,
      (void (*)(void))ifc.writev,         (void (*)(void))ifc.send,
      (void (*)(void))ifc.sendto,         (void (*)(void))ifc.sendmsg,
      (void (*)(void))ifc.fcntl,          (void (*)(void))ifc.ioctl,
      (void (*)(void))ifc.close,          (void (*)(void))ifc.shutdown,
      (void (*)(void))ifc.getsockopt,     (void (*)(void))ifc.setsockopt,
      (void (*)(void))ifc.poll,           (void (*)(void))ifc.netdev_send,
      (void (*)(void))ifc.netdev_receive, (void (*)(void))ifc.usleep,
      (void (*)(void))ifc.gettimeofday,   (void (*)(void))ifc.epoll_create,
      (void (*)(void))ifc.epoll_ctl,      (void (*)(void))ifc.epoll_wait,
      (void (*)(void))ifc.pipe,           (void (*)(void))ifc.splice};
  size_t missing = 0;
  int r;

  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
    missing += slots[i] == NULL;
  check(ud != NULL && missing == 0, "all %zu function pointers set",
        sizeof slots / sizeof slots[0]);
  r = ifc.epoll_create(ud, 1);
  check(r == -1 && errno == ENOSYS, "epoll_create = -1 ENOSYS");
  return missing == 0 ? 0 : -1;
}

/* Runs init(flags) in a child, which reports TCP_MAXSEG of a new socket
 * in its exit status (mtu - 40, or 0); the child's stderr lands in err.
 * A child, since a bad flag ends the run with abort().  The wait
 * status, or -1. */
static int
init_in_child(packetdrill_interface_init_t init, const char *flags, char *err,
              size_t size)
{
  size_t got = 0;
  int pfd[2], status = -1;
  ssize_t n;
  pid_t pid;

  err[0] = '\0';
  if (pipe(pfd) != 0 || (pid = fork()) < 0) {
    check(0, "pipe/fork: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    /* The MSS the instance announces in a SYN says which MTU it took. */
    struct packetdrill_interface c;
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons(PEER_PORT),
                              .sin_addr.s_addr = htonl(REMOTE_IP)};
    uint8_t b[2048];
    size_t blen = sizeof b;
    long long t;
    struct pkt p = {0};
    int fd;

    dup2(pfd[1], 2);
    close(pfd[0]);
    init(flags, &c);
    fd = c.socket(c.userdata, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    c.connect(c.userdata, fd, (struct sockaddr *)&sin, sizeof sin);
    if (c.netdev_receive(c.userdata, b, &blen, &t) != 0 ||
        parse(b, blen, &p) != NULL)
      _exit(0);
    c.free(c.userdata);
    _exit(p.mss / 8); /* an exit status holds 0-255 */
  }
  close(pfd[1]);
  while (got < size - 1 && (n = read(pfd[0], err + got, size - 1 - got)) > 0)
    got += (size_t)n;
  err[got] = '\0';
  close(pfd[0]);
  waitpid(pid, &status, 0);
  return status;
}

/* packetdrill passes --so_flags through untouched, so a word meant for
 * another stack's adapter (or a typo) must not end the run: the instance
 * warns, naming the word, and uses the words it knows.  A known flag
 * with a bad value still ends it: the stack would not be the one asked
 * for. */
static void
flags_checks(packetdrill_interface_init_t init)
{
  char err[1024];
  int st;

  section("--so_flags: unknown words are warned about, bad values end it");
  st = init_in_child(init, "bogus_word mtu=1000,--also-unknown", err,
                     sizeof err);
  check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 960 / 8,
        "init with unknown words went on and took mtu=1000 (TCP_MAXSEG "
        "960): %s %d",
        st >= 0 && WIFEXITED(st) ? "exit" : "signal",
        st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
  check(strstr(err, "bogus_word") != NULL &&
            strstr(err, "also-unknown") != NULL,
        "stderr names both unknown words: %.*s", (int)strcspn(err, "\n"), err);
  st = init_in_child(init, "mtu=lots", err, sizeof err);
  check(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT &&
            strstr(err, "mtu=lots") != NULL,
        "mtu=lots ends the run naming the flag: %.*s", (int)strcspn(err, "\n"),
        err);
}

int
main(int argc, char **argv)
{
  const char *so = argc > 1 ? argv[1] : "build/libsocklab-packetdrill.so";
  packetdrill_interface_init_t init;
  void *dl;
  int lfd, afd;

  printf("# packetdrill adapter driver: %s\n", so);
  dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    fprintf(stderr, "driver: dlopen: %s\n", dlerror());
    return 1;
  }
  *(void **)&init = dlsym(dl, "packetdrill_interface_init");
  if (init == NULL) {
    fprintf(stderr, "driver: dlsym: %s\n", dlerror());
    return 1;
  }
  init(argc > 2
           ? argv[2]
           : "local_ip=192.168.0.1,remote_ip=192.0.2.1 receive_wait_ms=200",
       &ifc);
  ud = ifc.userdata;
  if (check_interface() < 0)
    return 1;
  flags_checks(init);

  clock_checks();
  sockopt_table_checks();
  lfd = tcp_socket_checks();
  nonblocking_checks(lfd);
  poll_timeout_checks(lfd);
  section("netdev_receive with nothing queued and no timer");
  idle_receive_check("when the stack is idle");
  afd = handshake(lfd);
  if (afd >= 0) {
    data_checks(afd);
    close_checks(afd);
  }
  active_open_checks();
  udp_checks();
  check(ifc.close(ud, lfd) == 0, "close(listener) = 0");
  ifc.free(ud);
  dlclose(dl);

  printf("# %d checks, %d failed\n", n_checks, n_failed);
  return n_failed == 0 && n_checks > 0 ? 0 : 1;
}
