/* make bench: socklab's stack measured next to the kernel's, in one run.
 *
 *   throughput   bulk transfer over the simulated link (MSS 1460, no
 *                faults) vs. the kernel's TCP over loopback, MTU 1500 when
 *                a network namespace can be made (root), else plain lo
 *   setups/s     connect, 1 byte each way, close, on the simulated link,
 *                vs. the kernel's loopback doing the same
 *   memory       heap per idle established connection (10,000 of them)
 *   netstat      `socklab netstat -tan` (and -tanp) over 2,000 established
 *                kernel connections vs. `ss` and net-tools `netstat`
 *
 * Wall-clock figures vary from run to run; ratios against the kernel,
 * measured in the same run on the same machine, are what to compare.
 * `bench --kernel-tcp BYTES` is the kernel half, run inside the namespace;
 * `bench --tun-half BYTES` socklab over TUN to a kernel server, likewise. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub.h"
#include "core/priv.h"
#include "socklab.h"
#include "sim/sim.h"
#include "sim/xfer.h"

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the kernel over loopback ------------------------------------------ */

struct ksink {
  int lfd;
  uint64_t bytes;
  int conns; /* connections to serve (setups benchmark) */
};

static void *
kernel_sink(void *arg)
{
  struct ksink *k = arg;
  static char buf[1 << 16];
  int fd = accept(k->lfd, NULL, NULL);
  ssize_t n;

  while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
    k->bytes += (uint64_t)n;
  if (fd >= 0)
    close(fd);
  return NULL;
}

static int
kernel_listener(struct sockaddr_in *sin)
{
  socklen_t len = sizeof *sin;
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

  memset(sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)sin, sizeof *sin) < 0 ||
      listen(fd, 128) < 0 || getsockname(fd, (struct sockaddr *)sin, &len))
    return -1;
  return fd;
}

/* Bytes per second of one kernel TCP connection over loopback. */
static double
kernel_throughput(uint64_t bytes)
{
  static char buf[1 << 16];
  struct sockaddr_in sin;
  struct ksink k = {0};
  pthread_t t;
  uint64_t sent = 0;
  double start;
  int fd;

  k.lfd = kernel_listener(&sin);
  if (k.lfd < 0)
    return -1;
  pthread_create(&t, NULL, kernel_sink, &k);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
    return -1;
  start = now_s();
  while (sent < bytes) {
    size_t n = bytes - sent < sizeof buf ? (size_t)(bytes - sent) : sizeof buf;
    ssize_t w = write(fd, buf, n);
    if (w <= 0)
      break;
    sent += (uint64_t)w;
  }
  close(fd);
  pthread_join(t, NULL);
  close(k.lfd);
  return (double)k.bytes / (now_s() - start);
}

static void *
kernel_echo_one_byte(void *arg)
{
  struct ksink *k = arg;

  for (int i = 0; i < k->conns; i++) {
    int fd = accept(k->lfd, NULL, NULL);
    char c;
    if (fd < 0)
      break;
    if (read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1 && read(fd, &c, 1) == 0)
      k->bytes++;
    close(fd);
  }
  return NULL;
}

/* Connection setups per second: connect, a byte each way, close. */
static double
kernel_setups(int n)
{
  struct sockaddr_in sin;
  struct ksink k = {.conns = n};
  pthread_t t;
  double start;
  int one = 1;

  k.lfd = kernel_listener(&sin);
  if (k.lfd < 0)
    return -1;
  pthread_create(&t, NULL, kernel_echo_one_byte, &k);
  start = now_s();
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char c = 'x';
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
      close(fd);
      break;
    }
    /* The client closes first: TIME-WAIT stays on the client, where the
     * course says it belongs.  SO_LINGER 0 would skip it; we do not. */
    close(fd);
  }
  pthread_join(t, NULL);
  close(k.lfd);
  return (double)k.bytes / (now_s() - start);
}

/* Runs the kernel throughput half in a network namespace whose lo has MTU
 * 1500, so segments are the size socklab's simulated link carries.
 * Returns -1 when that is not possible here (not root, no ip(8)). */
static double
kernel_throughput_mtu1500(const char *self, uint64_t bytes, char *how,
                          size_t howlen)
{
  char ns[64], cmd[512];
  FILE *p;
  double v = -1;

  if (geteuid() != 0 || system("command -v ip >/dev/null 2>&1") != 0)
    return -1;
  snprintf(ns, sizeof ns, "socklab-bench-%d", (int)getpid());
  snprintf(cmd, sizeof cmd,
           "ip netns add %s && ip -n %s link set lo mtu 1500 up", ns, ns);
  if (system(cmd) != 0) {
    snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null", ns);
    (void)system(cmd);
    return -1;
  }
  snprintf(cmd, sizeof cmd, "ip netns exec %s %s --kernel-tcp %llu", ns, self,
           (unsigned long long)bytes);
  p = popen(cmd, "r");
  if (p != NULL) {
    if (fscanf(p, "%lf", &v) != 1)
      v = -1;
    pclose(p);
  }
  snprintf(cmd, sizeof cmd, "ip netns del %s", ns);
  if (system(cmd) != 0)
    fprintf(stderr, "bench: could not delete namespace %s\n", ns);
  snprintf(how, howlen, "network namespace, lo MTU 1500");
  return v;
}

/* ---- socklab's stack on the simulated link ----------------------------- */

static double
sim_throughput(uint64_t bytes)
{
  struct sl__xfer x = {.seed = 1, .bytes = bytes, .no_verify = 1};
  double start = now_s();
  int r = sl__xfer_run(&x);

  if (r != 0) {
    fprintf(stderr, "bench: simulated transfer failed: %s\n", strerror(-r));
    return -1;
  }
  return (double)x.received / (now_s() - start);
}

/* Two hosts on a sim, for the setups and memory benchmarks. */
struct duo {
  struct sl__sim *sim;
  struct sl__host *c, *s;
};

static void
duo_init(struct duo *d, uint64_t msl_us, uint32_t delay_us)
{
  struct sl__host_config cfg;

  sl__host_config_default(&cfg);
  cfg.msl_us = msl_us;
  d->sim = sl__sim_new(1);
  d->c = sl__host_new(SL__XFER_CLIENT, &cfg, sl__sim_output, d->sim);
  cfg.seed = 2;
  d->s = sl__host_new(SL__XFER_SERVER, &cfg, sl__sim_output, d->sim);
  sl__sim_attach(d->sim, SL__XFER_CLIENT, &sl__sim_host_ops, d->c);
  sl__sim_attach(d->sim, SL__XFER_SERVER, &sl__sim_host_ops, d->s);
  sl__sim_set_faults(d->sim, &(struct sl__sim_faults){.delay_us = delay_us});
}

static void
duo_free(struct duo *d)
{
  sl__sim_free(d->sim);
  sl__host_free(d->c);
  sl__host_free(d->s);
}

static void
duo_run(struct duo *d)
{
  sl__sim_run(d->sim, NULL, NULL, 10000000);
  sl__host_poll(d->c, sl__sim_now(d->sim));
  sl__host_poll(d->s, sl__sim_now(d->sim));
}

/* One connection's life, the way the kernel benchmark lives it. */
static int
sim_one_setup(struct duo *d, struct sl__tcb *l)
{
  struct sl__tcb *c = sl__tcp_new(d->c), *s = NULL;
  char b = 'x';

  if (sl__tcp_connect(c, SL__XFER_SERVER, SL__XFER_PORT) != -EINPROGRESS)
    return -1;
  sl__tcp_set_nodelay(c, 1);
  duo_run(d);
  if (sl__tcp_accept(l, &s) != 0 || sl__tcp_send(c, &b, 1) != 1)
    return -1;
  duo_run(d);
  if (sl__tcp_recv(s, &b, 1, 0) != 1 || sl__tcp_send(s, &b, 1) != 1)
    return -1;
  duo_run(d);
  if (sl__tcp_recv(c, &b, 1, 0) != 1)
    return -1;
  sl__tcp_close(c);
  duo_run(d);
  if (sl__tcp_recv(s, &b, 1, 0) != 0)
    return -1;
  sl__tcp_close(s);
  duo_run(d); /* LAST-ACK done; TIME-WAIT (2 us here) expires */
  return 0;
}

static double
sim_setups(int n, int *ok)
{
  struct duo d;
  struct sl__tcb *l;
  double start;
  int i;

  /* MSL 1 us: TIME-WAIT must not hold ports for virtual minutes when a
   * whole connection takes virtual microseconds. */
  duo_init(&d, 1, 5);
  l = sl__tcp_new(d.s);
  sl__tcp_bind(l, 0, SL__XFER_PORT);
  sl__tcp_listen(l, 128);
  start = now_s();
  for (i = 0; i < n; i++)
    if (sim_one_setup(&d, l) < 0)
      break;
  *ok = i == n && d.c->n_tcbs == 0 && d.s->n_tcbs == 1;
  start = now_s() - start;
  sl__tcp_close(l);
  duo_free(&d);
  return i / start;
}

/* ---- two processes over the hub ----------------------------------------- */

/* The server child: accepts one connection, reads to end of stream and
 * reports bytes per second through the pipe. */
static void
hub_server(const char *port, int report)
{
  static char buf[1 << 16];
  int lfd = sl_tcp_listen("127.0.0.1", port, 1), fd;
  uint64_t got = 0;
  double start, rate = -1;
  ssize_t n;

  if (lfd >= 0 && (fd = sl_accept(lfd, NULL, NULL)) >= 0) {
    start = now_s();
    while ((n = sl_read(fd, buf, sizeof buf)) > 0)
      got += (uint64_t)n;
    rate = (double)got / (now_s() - start);
    sl_close(fd);
  }
  if (write(report, &rate, sizeof rate) != sizeof rate)
    _exit(1);
  _exit(0);
}

static void
hub_client(const char *port, uint64_t bytes)
{
  static char buf[1 << 16];
  int fd = -1;
  uint64_t sent = 0;

  for (int i = 0; i < 100 && fd < 0; i++) {
    fd = sl_tcp_connect("127.0.0.1", port);
    if (fd < 0)
      usleep(20000); /* the server may not listen yet */
  }
  while (fd >= 0 && sent < bytes) {
    ssize_t w = sl_write(fd, buf, sizeof buf);
    if (w <= 0)
      break;
    sent += (uint64_t)w;
  }
  if (fd >= 0)
    sl_close(fd);
  /* exit, not _exit: socklab's stack sends what is still in flight and
   * says goodbye to the hub at exit.  With _exit a segment lost on the
   * UDP link near the end was never resent, and the server waited 10 s
   * for the hub to give the silent client up (0.05 Gbit/s, 1 run in 5). */
  exit(sent >= bytes ? 0 : 1);
}

/* The hub's UDP port, from the line it says it on (out: its stdout). */
static int
hub_udp_port(int out)
{
  char line[256];
  FILE *f = fdopen(out, "r");
  unsigned port = 0;

  while (f != NULL && port == 0 && fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "socklab hub: also on udp 127.0.0.1:%u", &port) != 1)
      port = 0;
  if (f != NULL)
    fclose(f);
  return (int)port;
}

/* Bytes per second between two processes on socklab's stack, through a
 * hub of the benchmark's own, over its unix socket or (udp) its UDP port
 * on 127.0.0.1; -1 on failure. */
static double
hub_throughput(uint64_t bytes, int udp)
{
  struct sl__hub_opts o = {
      .idle_exit_s = 0, .udp = udp, .udp_addr = 0x7f000001};
  char link[160], port[16];
  int p[2], out[2];
  pid_t hub, srv, cli;
  double rate = -1;

  fflush(NULL); /* the client exits with exit(): nothing of ours twice */
  snprintf(o.path, sizeof o.path, "/tmp/socklab-bench-%d.sock", (int)getpid());
  snprintf(link, sizeof link, "hub:%s", o.path);
  snprintf(port, sizeof port, "%d", 30000 + (int)(getpid() % 20000));
  if (pipe(p) < 0 || pipe(out) < 0)
    return -1;
  if ((hub = fork()) == 0) {
    dup2(out[1], 1);
    close(out[0]);
    _exit(sl__hub_run(&o));
  }
  close(out[1]);
  if (udp)
    snprintf(link, sizeof link, "udp:127.0.0.1:%d", hub_udp_port(out[0]));
  else
    close(out[0]);
  for (int i = 0; i < 100 && access(o.path, F_OK) != 0; i++)
    usleep(10000);
  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", link, 1);
  if ((srv = fork()) == 0)
    hub_server(port, p[1]);
  if ((cli = fork()) == 0)
    hub_client(port, bytes);
  unsetenv("SOCKLAB_STACK");
  unsetenv("SOCKLAB_LINK");
  if (read(p[0], &rate, sizeof rate) != sizeof rate)
    rate = -1;
  waitpid(srv, NULL, 0);
  waitpid(cli, NULL, 0);
  kill(hub, SIGTERM);
  waitpid(hub, NULL, 0);
  unlink(o.path);
  close(p[0]);
  close(p[1]);
  return rate;
}

/* ---- socklab over TUN, the kernel as the peer ------------------------- */

/* The half that runs inside the namespace: a kernel server thread, and a
 * socklab client on the TUN device sending to it.  Prints bytes/s. */
static int
tun_half(uint64_t bytes)
{
  static char buf[1 << 16];
  struct sockaddr_in sin = {.sin_family = AF_INET};
  struct ksink k = {0};
  pthread_t t;
  double start;
  uint64_t sent = 0;
  int fd, one = 1;
  char port[16];

  k.lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(k.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  inet_pton(AF_INET, "10.99.0.1", &sin.sin_addr);
  sin.sin_port = htons(7300);
  if (bind(k.lfd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      listen(k.lfd, 1) < 0)
    return 1;
  pthread_create(&t, NULL, kernel_sink, &k);
  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", "tun:sl0", 1);
  setenv("SOCKLAB_ADDR", "10.99.0.2", 1);
  snprintf(port, sizeof port, "%d", 7300);
  fd = sl_tcp_connect("10.99.0.1", port);
  if (fd < 0) {
    fprintf(stderr, "bench: %s\n", sl_strerror());
    return 1;
  }
  start = now_s();
  while (sent < bytes) {
    ssize_t w = sl_write(fd, buf, sizeof buf);
    if (w <= 0)
      break;
    sent += (uint64_t)w;
  }
  sl_close(fd);
  pthread_join(t, NULL);
  printf("%f\n", (double)k.bytes / (now_s() - start));
  return 0;
}

/* Creates a namespace with a TUN device and runs tun_half inside;
 * -1 when that is not possible here. */
static double
tun_throughput(const char *self, uint64_t bytes)
{
  char ns[64], cmd[512];
  FILE *p;
  double v = -1;

  if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0 ||
      system("command -v ip >/dev/null 2>&1") != 0)
    return -1;
  snprintf(ns, sizeof ns, "socklab-bench-tun-%d", (int)getpid());
  snprintf(cmd, sizeof cmd,
           "ip netns add %s && ip -n %s link set lo up && "
           "ip -n %s tuntap add dev sl0 mode tun && "
           "ip -n %s addr add 10.99.0.1/24 dev sl0 && "
           "ip -n %s link set sl0 up",
           ns, ns, ns, ns, ns);
  if (system(cmd) == 0) {
    snprintf(cmd, sizeof cmd, "ip netns exec %s %s --tun-half %llu", ns, self,
             (unsigned long long)bytes);
    p = popen(cmd, "r");
    if (p != NULL) {
      if (fscanf(p, "%lf", &v) != 1)
        v = -1;
      pclose(p);
    }
  }
  snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null", ns);
  if (system(cmd) != 0)
    fprintf(stderr, "bench: could not delete namespace %s\n", ns);
  return v;
}

static size_t
heap_in_use(void)
{
  struct mallinfo2 mi = mallinfo2();

  return mi.uordblks + mi.hblkhd;
}

/* Heap bytes per idle established connection (both ends counted: a
 * connection is two TCBs here, one per host). */
static double
sim_idle_memory(int n, int *ok)
{
  struct duo d;
  struct sl__tcb *l, **cs = calloc((size_t)n, sizeof *cs);
  struct sl__tcb **ss = calloc((size_t)n, sizeof *ss);
  size_t before, after;
  int accepted = 0;
  char b = 'x';

  duo_init(&d, 30000000, 50);
  l = sl__tcp_new(d.s);
  sl__tcp_bind(l, 0, SL__XFER_PORT);
  sl__tcp_listen(l, 4096);
  before = heap_in_use();
  for (int i = 0; i < n; i++) {
    struct sl__tcb *s;
    cs[i] = sl__tcp_new(d.c);
    sl__tcp_connect(cs[i], SL__XFER_SERVER, SL__XFER_PORT);
    if (i % 1000 == 999 || i == n - 1) {
      duo_run(&d);
      while (sl__tcp_accept(l, &s) == 0) {
        ss[accepted++] = s;
        sl__tcp_send(s, &b, 1); /* a byte each way, then idle */
        sl__tcp_send(cs[accepted - 1], &b, 1);
      }
      duo_run(&d);
    }
  }
  for (int i = 0; i < accepted; i++) {
    sl__tcp_recv(cs[i], &b, 1, 0);
    sl__tcp_recv(ss[i], &b, 1, 0);
  }
  duo_run(&d);
  after = heap_in_use();
  *ok = accepted == n && d.c->n_tcbs == (unsigned)n;
  free(cs);
  free(ss);
  duo_free(&d);
  return (double)(after - before) / n;
}

/* ---- netstat next to ss and netstat ------------------------------------ */

extern char **environ;

/* The best wall time of `runs` runs of argv, its output thrown away; -1
 * when it cannot run (not installed) or fails. */
static double
time_command(char *const argv[], int runs)
{
  posix_spawn_file_actions_t fa;
  double best = -1;

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  for (int i = 0; i < runs; i++) {
    double start = now_s();
    pid_t pid;
    int st;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
        waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      best = -1;
      break;
    }
    double t = now_s() - start;
    if (best < 0 || t < best)
      best = t;
  }
  posix_spawn_file_actions_destroy(&fa);
  return best;
}

/* n established loopback connections, both ends open in this process;
 * returns how many were made, their fds in fds[0..2n). */
static int
kernel_pairs(int n, int *fds)
{
  struct sockaddr_in sin;
  int lfd = kernel_listener(&sin), made = 0;

  if (lfd < 0)
    return 0;
  for (; made < n; made++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&sin, sizeof sin) < 0) {
      if (c >= 0)
        close(c);
      break;
    }
    int a = accept(lfd, NULL, NULL);
    if (a < 0) {
      close(c);
      break;
    }
    fds[2 * made] = c;
    fds[2 * made + 1] = a;
  }
  close(lfd);
  return made;
}

static void
print_tool(const char *label, double t, double ref, const char *ref_name)
{
  if (t < 0)
    printf("  %-26s skipped (not installed)\n", label);
  else if (ref > 0)
    printf("  %-26s %7.1f ms  (%.2fx %s)\n", label, t * 1e3, t / ref, ref_name);
  else
    printf("  %-26s %7.1f ms\n", label, t * 1e3);
}

static void
netstat_bench(const char *self, int n)
{
  struct rlimit rl;
  char socklab[512];
  const char *slash = strrchr(self, '/');
  int *fds = calloc((size_t)(2 * n), sizeof *fds), made;

  if (fds == NULL)
    return;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  /* build/bench/bench -> build/bin/socklab */
  snprintf(socklab, sizeof socklab, "%.*s/../bin/socklab",
           slash ? (int)(slash - self) : 1, slash ? self : ".");
  made = kernel_pairs(n, fds);
  char *ss_tan[] = {"ss", "-tan", NULL};
  char *ss_tanp[] = {"ss", "-tanp", NULL};
  char *nt_tan[] = {"netstat", "-tan", NULL};
  char *nt_tanp[] = {"netstat", "-tanp", NULL};
  char *sl_tan[] = {socklab, "netstat", "-tan", "--stack", "kernel", NULL};
  char *sl_tanp[] = {socklab, "netstat", "-tanp", "--stack", "kernel", NULL};
  double ss = time_command(ss_tan, 5), ssp = time_command(ss_tanp, 5);
  double nt = time_command(nt_tan, 5), ntp = time_command(nt_tanp, 5);
  double sl = time_command(sl_tan, 5), slp = time_command(sl_tanp, 5);

  printf("netstat over %d established kernel connections (%d sockets and "
         "what else runs), best of 5\n",
         made, 2 * made + 1);
  print_tool("ss -tan:", ss, 0, "");
  print_tool("netstat -tan (net-tools):", nt, ss, "ss");
  print_tool("socklab netstat -tan:", sl, ss, "ss");
  print_tool("ss -tanp:", ssp, 0, "");
  print_tool("netstat -tanp (net-tools):", ntp, ssp, "ss -tanp");
  print_tool("socklab netstat -tanp:", slp, ssp, "ss -tanp");
  printf("\n");
  for (int i = 0; i < 2 * made; i++)
    close(fds[i]);
  free(fds);
}

int
main(int argc, char **argv)
{
  uint64_t bytes = 2ull << 30;
  int setups = 100000, conns = 10000, ok1, ok2;
  double kt, st, ks, ss, mem;
  char how[64] = "plain loopback (MTU 65536; not root, so no namespace)";

  if (argc == 3 && strcmp(argv[1], "--tun-half") == 0)
    return tun_half(strtoull(argv[2], NULL, 10));
  if (argc == 3 && strcmp(argv[1], "--kernel-tcp") == 0) {
    printf("%f\n", kernel_throughput(strtoull(argv[2], NULL, 10)));
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
    bytes = 256u << 20;
    setups = 10000;
    conns = 2000;
  }
  printf("socklab bench (%s)\n\n", argc == 2 ? "quick" : "full");
  netstat_bench(argv[0], argc == 2 ? 500 : 2000);

  kt = kernel_throughput_mtu1500(argv[0], bytes, how, sizeof how);
  if (kt < 0)
    kt = kernel_throughput(bytes);
  st = sim_throughput(bytes);
  printf("bulk throughput, %llu MiB, MSS 1460\n",
         (unsigned long long)(bytes >> 20));
  printf("  kernel TCP, %s: %6.2f Gbit/s\n", how, kt * 8 / 1e9);
  printf("  socklab, simulated link, one thread:    %6.2f Gbit/s  "
         "(%.2fx kernel; target 0.5x)\n\n",
         st * 8 / 1e9, st / kt);

  ks = kernel_setups(setups);
  ss = sim_setups(setups, &ok1);
  printf("connection setups (connect, 1 byte each way, close), %d of them\n",
         setups);
  printf("  kernel TCP, loopback:   %9.0f /s\n", ks);
  printf("  socklab, simulated:     %9.0f /s  (%.2fx kernel; target "
         "100000/s)%s\n\n",
         ss, ss / ks, ok1 ? "" : "  [FAILED: connections left behind]");

  {
    double ht = hub_throughput(bytes / 4, 0), hu = hub_throughput(bytes / 4, 1);
    printf("two processes over the hub (unix sockets), %llu MiB\n",
           (unsigned long long)(bytes / 4 >> 20));
    printf("  socklab, hub:           %6.2f Gbit/s  (%.2fx kernel "
           "loopback; target 2 Gbit/s)\n",
           ht * 8 / 1e9, ht / kt);
    printf("  socklab, hub over UDP:  %6.2f Gbit/s  (%.2fx kernel "
           "loopback; --udp on 127.0.0.1)\n\n",
           hu * 8 / 1e9, hu / kt);
  }

  {
    double tt = tun_throughput(argv[0], bytes / 4);
    if (tt < 0)
      printf("socklab over TUN to the kernel: skipped (needs root, "
             "/dev/net/tun and ip)\n\n");
    else
      printf("socklab over TUN to the kernel's TCP, %llu MiB\n"
             "  socklab -> kernel:     %6.2f Gbit/s  (%.2fx kernel "
             "loopback; target 1 Gbit/s)\n\n",
             (unsigned long long)(bytes / 4 >> 20), tt * 8 / 1e9, tt / kt);
  }

  mem = sim_idle_memory(conns, &ok2);
  printf("idle established connections in one process: %d%s\n", conns,
         ok2 ? "" : "  [FAILED: not all established]");
  printf("  heap per connection (both ends): %.0f bytes\n", mem);
  return ok1 && ok2 && st > 0 && kt > 0 ? 0 : 1;
}
