/* The BSD mirror on socklab's own stack (SOCKLAB_STACK=user), in one
 * process over the loop link: the same calls and the same errno as on the
 * kernel's stack.  Each test runs in its own forked process, so the
 * environment set in setup is what the runtime reads. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hub/hub.h"
#include "link/link.h"
#include "runtime/config.h"
#include "socklab.h"
#include "core/wire.h"
#include "sockopt_cases.h"
#include "suites.h"
#include "testutil.h"

/* The runtime keeps a few descriptors for the process's life (its thread's
 * eventfd, the link); start it before the leak check counts. */
static void
setup(void)
{
  int fd;
  struct pollfd p;

  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", "loop", 1);
  setenv("SOCKLAB_MSL_MS", "10", 1);
  fd = sl_socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_msg(fd >= 0, "%s", sl_strerror());
  p = (struct pollfd){.fd = fd, .events = POLLIN};
  sl_poll(&p, 1, 0);
  sl_close(fd);
  tu_fd_setup();
}

static void
port_of(int fd, char *buf, size_t len)
{
  snprintf(buf, len, "%d", sl_local_port(fd));
}

START_TEST(test_user_tcp_echo_in_process)
{
  enum { N = 200000 };
  int lfd = sl_tcp_listen("127.0.0.1", "0", 4), fd;
  char port[16], addr[SL_ADDRSTRLEN];
  static char out[N], in[N];
  struct tu_echo echo;

  ck_assert_int_ge(lfd, 0);
  ck_assert_int_eq(sl_stack_of(lfd), SL_STACK_USER);
  port_of(lfd, port, sizeof port);
  tu_echo_start(&echo, lfd, 1);
  fd = sl_tcp_connect("127.0.0.1", port);
  ck_assert_msg(fd >= 0, "%s", sl_strerror());
  ck_assert_ptr_nonnull(strstr(sl_peer_addr(fd, addr, sizeof addr), port));
  tu_pattern(out, N, 3);
  ck_assert_int_eq(sl_writen(fd, out, N), N);
  ck_assert_int_eq(sl_readn(fd, in, N), N);
  ck_assert_int_eq(memcmp(in, out, N), 0);
  sl_close(fd);
  tu_echo_join(&echo);
  ck_assert_int_eq(echo.echoed, N);
  sl_close(lfd);
}
END_TEST

START_TEST(test_user_connect_refused_names_address)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1);
  char port[16], want[80];

  port_of(lfd, port, sizeof port);
  sl_close(lfd);
  ck_assert_int_eq(sl_tcp_connect("127.0.0.1", port), -1);
  ck_assert_int_eq(errno, ECONNREFUSED);
  snprintf(want, sizeof want, "connect 127.0.0.1:%s: Connection refused", port);
  ck_assert_str_eq(sl_strerror(), want);
}
END_TEST

START_TEST(test_user_address_in_use)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1);
  char port[16];

  port_of(lfd, port, sizeof port);
  ck_assert_int_eq(sl_tcp_listen("127.0.0.1", port, 1), -1);
  ck_assert_int_eq(errno, EADDRINUSE);
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "Address already in use"));
  sl_close(lfd);
}
END_TEST

START_TEST(test_user_nonblocking_connect_completes_through_poll)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1);
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct pollfd p;
  int fd = sl_socket(AF_INET, SOCK_STREAM, 0), err = -1, c;
  socklen_t len = sizeof err;

  sin.sin_port = htons((uint16_t)sl_local_port(lfd));
  ck_assert_int_eq(sl_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  ck_assert_int_eq(sl_connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
  ck_assert_int_eq(errno, EINPROGRESS);
  p = (struct pollfd){.fd = fd, .events = POLLOUT};
  ck_assert_int_eq(sl_poll(&p, 1, 2000), 1);
  ck_assert(p.revents & POLLOUT);
  ck_assert_int_eq(sl_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  ck_assert_int_eq(err, 0);
  ck_assert_int_eq(sl_connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
  ck_assert_int_eq(errno, EISCONN);
  c = sl_accept(lfd, NULL, NULL);
  ck_assert_int_ge(c, 0);
  /* Non-blocking accept with nothing waiting: EAGAIN. */
  ck_assert_int_eq(sl_fcntl(lfd, F_SETFL, O_NONBLOCK), 0);
  ck_assert_int_eq(sl_accept(lfd, NULL, NULL), -1);
  ck_assert_int_eq(errno, EAGAIN);
  sl_close(c);
  sl_close(fd);
  sl_close(lfd);
}
END_TEST

/* Two connected sockets on the user stack. */
static void
pair_up(int *lfd, int *cfd, int *sfd)
{
  char port[16];

  *lfd = sl_tcp_listen("127.0.0.1", "0", 4);
  ck_assert_int_ge(*lfd, 0);
  port_of(*lfd, port, sizeof port);
  *cfd = sl_tcp_connect("127.0.0.1", port);
  ck_assert_int_ge(*cfd, 0);
  *sfd = sl_accept(*lfd, NULL, NULL);
  ck_assert_int_ge(*sfd, 0);
}

START_TEST(test_user_recv_timeout_gives_eagain)
{
  int l, c, s;
  struct timeval tv = {.tv_usec = 50000};
  char b;

  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv),
                   0);
  ck_assert_int_eq(sl_recv(c, &b, 1, 0), -1);
  ck_assert_int_eq(errno, EAGAIN);
  sl_close(s);
  sl_close(c);
  sl_close(l);
}
END_TEST

START_TEST(test_user_peer_reset_then_epipe)
{
  int l, c, s, r, i;
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  char b;

  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  sl_close(s); /* abortive: RST */
  r = (int)sl_recv(c, &b, 1, 0);
  ck_assert_int_eq(r, -1);
  ck_assert_int_eq(errno, ECONNRESET);
  for (i = 0, r = 0; i < 3 && r >= 0; i++)
    r = (int)sl_send(c, "x", 1, 0);
  ck_assert_int_eq(r, -1);
  ck_assert_int_eq(errno, EPIPE);
  sl_close(c);
  sl_close(l);
}
END_TEST

START_TEST(test_user_half_close_upload_then_reply)
{
  int l, c, s;
  char buf[64];
  ssize_t n;

  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_writen(c, "upload", 6), 6);
  ck_assert_int_eq(sl_shutdown(c, SHUT_WR), 0);
  ck_assert_int_eq(sl_readn(s, buf, sizeof buf), 6); /* then EOF */
  ck_assert_int_eq(sl_writen(s, "got 6", 5), 5);
  sl_close(s);
  n = sl_readn(c, buf, sizeof buf);
  ck_assert_int_eq(n, 5);
  ck_assert_int_eq(memcmp(buf, "got 6", 5), 0);
  ck_assert_int_eq(sl_send(c, "x", 1, 0), -1);
  ck_assert_int_eq(errno, EPIPE);
  sl_close(c);
  sl_close(l);
}
END_TEST

START_TEST(test_user_udp_boundaries_and_refused)
{
  int srv = sl_udp_bind("127.0.0.1", "0"), cli, gone;
  char port[16], buf[64];

  port_of(srv, port, sizeof port);
  cli = sl_udp_connect("127.0.0.1", port);
  ck_assert_int_ge(cli, 0);
  ck_assert_int_eq(sl_send(cli, "one", 3, 0), 3);
  ck_assert_int_eq(sl_send(cli, "two!", 4, 0), 4);
  ck_assert_int_eq(sl_recv(srv, buf, sizeof buf, 0), 3);
  ck_assert_int_eq(sl_recv(srv, buf, sizeof buf, 0), 4);
  gone = sl_udp_bind("127.0.0.1", "0");
  port_of(gone, port, sizeof port);
  sl_close(gone);
  sl_close(cli);
  cli = sl_udp_connect("127.0.0.1", port);
  ck_assert_int_eq(sl_send(cli, "ping", 4, 0), 4);
  ck_assert_int_eq(sl_recv(cli, buf, sizeof buf, 0), -1);
  ck_assert_int_eq(errno, ECONNREFUSED);
  sl_close(cli);
  sl_close(srv);
}
END_TEST

struct late {
  int fd;
};

static void *
send_later(void *arg)
{
  struct late *l = arg;

  usleep(50000);
  sl_writen(l->fd, "hi\n", 3);
  return NULL;
}

START_TEST(test_user_poll_pipe_and_socket_together)
{
  int l, c, s, pipefd[2];
  struct pollfd p[2];
  struct late lt;
  pthread_t t;

  pair_up(&l, &c, &s);
  ck_assert_int_eq(pipe(pipefd), 0);
  lt.fd = s;
  pthread_create(&t, NULL, send_later, &lt);
  p[0] = (struct pollfd){.fd = pipefd[0], .events = POLLIN};
  p[1] = (struct pollfd){.fd = c, .events = POLLIN};
  ck_assert_int_eq(sl_poll(p, 2, 5000), 1);
  ck_assert_int_eq(p[0].revents, 0);
  ck_assert(p[1].revents & POLLIN);
  pthread_join(t, NULL);
  ck_assert_int_eq(sl_write(pipefd[1], "k", 1), 1);
  ck_assert_int_eq(sl_poll(p, 2, 0), 2);
  close(pipefd[0]);
  close(pipefd[1]);
  sl_close(s);
  sl_close(c);
  sl_close(l);
}
END_TEST

START_TEST(test_user_errors_as_linux_reports_them)
{
  int fd = sl_socket(AF_INET, SOCK_STREAM, 0);
  int u = sl_socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;
  char b;

  ck_assert_int_eq(sl_getpeername(fd, (struct sockaddr *)&sin, &len), -1);
  ck_assert_int_eq(errno, ENOTCONN);
  ck_assert_int_eq(sl_recv(fd, &b, 1, 0), -1);
  ck_assert_int_eq(errno, ENOTCONN);
  ck_assert_int_eq(sl_send(fd, "x", 1, 0), -1);
  ck_assert_int_eq(errno, EPIPE);
  ck_assert_int_eq(sl_listen(u, 1), -1);
  ck_assert_int_eq(errno, EOPNOTSUPP);
  ck_assert_int_eq(sl_socket(AF_INET6, SOCK_STREAM, 0), -1);
  ck_assert_int_eq(errno, EAFNOSUPPORT);
  ck_assert_int_eq(sl_setsockopt(fd, SOL_SOCKET, 9999, &b, 1), -1);
  ck_assert_int_eq(errno, EINVAL); /* optlen too short beats unknown */
  ck_assert_int_eq(sl_close(fd), 0);
  ck_assert_int_eq(sl_close(fd), -1);
  ck_assert_int_eq(errno, EBADF);
  sl_close(u);
}
END_TEST

/* ---- socket options: one table, two front ends, Linux's answers ------ */

static int
sl_socket_of(void *ud, int type)
{
  (void)ud;
  return sl_socket(AF_INET, type, 0);
}

static int
sl_setsockopt_of(void *ud, int fd, int level, int name, const void *val,
                 socklen_t len)
{
  (void)ud;
  return sl_setsockopt(fd, level, name, val, len);
}

static int
sl_getsockopt_of(void *ud, int fd, int level, int name, void *val,
                 socklen_t *len)
{
  (void)ud;
  return sl_getsockopt(fd, level, name, val, len);
}

static int
sl_close_of(void *ud, int fd)
{
  (void)ud;
  return sl_close(fd);
}

/* tests/unit/sockopt_cases.h on socklab's stack; driver.c runs the same
 * rows through the packetdrill adapter. */
START_TEST(test_user_socket_options_as_the_table_says)
{
  const struct sockopt_calls c = {"sl_ on socklab's stack",
                                  NULL,
                                  sl_socket_of,
                                  sl_setsockopt_of,
                                  sl_getsockopt_of,
                                  sl_close_of,
                                  0};

  ck_assert_int_eq(sockopt_run_cases(&c, stderr), 0);
}
END_TEST

static int
kernel_socket(void *ud, int type)
{
  (void)ud;
  return socket(AF_INET, type, 0);
}

static int
kernel_setsockopt(void *ud, int fd, int level, int name, const void *val,
                  socklen_t len)
{
  (void)ud;
  return setsockopt(fd, level, name, val, len);
}

static int
kernel_getsockopt(void *ud, int fd, int level, int name, void *val,
                  socklen_t *len)
{
  (void)ud;
  return getsockopt(fd, level, name, val, len);
}

static int
kernel_close(void *ud, int fd)
{
  (void)ud;
  return close(fd);
}

/* The rows that claim Linux's answers, asked of the kernel itself. */
START_TEST(test_kernel_socket_options_as_the_table_says)
{
  const struct sockopt_calls c = {
      "the kernel", NULL, kernel_socket, kernel_setsockopt, kernel_getsockopt,
      kernel_close, 1};

  ck_assert_int_eq(sockopt_run_cases(&c, stderr), 0);
}
END_TEST

START_TEST(test_user_maxseg_negotiated_to_the_smaller)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1), fd, c, mss = 1000;
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof mss;

  sin.sin_port = htons((uint16_t)sl_local_port(lfd));
  fd = sl_socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_eq(sl_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss),
                   0);
  ck_assert_int_eq(sl_connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
  c = sl_accept(lfd, NULL, NULL);
  mss = 0;
  ck_assert_int_eq(sl_getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, &len), 0);
  ck_assert_int_eq(mss, 1000);
  sl_close(c);
  sl_close(fd);
  sl_close(lfd);
}
END_TEST

START_TEST(test_user_forked_child_gets_ebadf)
{
  int fd = sl_socket(AF_INET, SOCK_STREAM, 0), status;
  pid_t pid = fork();

  if (pid == 0) {
    char b;
    int r = (int)sl_recv(fd, &b, 1, MSG_DONTWAIT);
    _exit(r == -1 && errno == EBADF ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  sl_close(fd);
}
END_TEST

START_TEST(test_user_readline_over_user_socket)
{
  int l, c, s;
  struct sl_reader r;
  char line[32];

  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_writen(c, "first\nsec", 9), 9);
  ck_assert_int_eq(sl_writen(c, "ond\n", 4), 4);
  sl_close(c);
  sl_reader_init(&r, s);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 6);
  ck_assert_str_eq(line, "first\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 7);
  ck_assert_str_eq(line, "second\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 0);
  sl_close(s);
  sl_close(l);
}
END_TEST

START_TEST(test_user_tcp_state_of_user_sockets)
{
  int l, c, s, u = sl_socket(AF_INET, SOCK_DGRAM, 0);

  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_tcp_state_of(l), SL_TCP_LISTEN);
  ck_assert_int_eq(sl_tcp_state_of(c), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl_shutdown(c, SHUT_WR), 0);
  usleep(50000);
  ck_assert_int_eq(sl_tcp_state_of(s), SL_TCP_CLOSE_WAIT);
  ck_assert_int_eq(sl_tcp_state_of(c), SL_TCP_FIN_WAIT_2);
  ck_assert_int_eq(sl_tcp_state_of(u), -1);
  ck_assert_int_eq(errno, ENOPROTOOPT);
  sl_close(u);
  sl_close(s);
  sl_close(c);
  sl_close(l);
}
END_TEST

/* Does one line of text hold both a and b? */
static int
has_line(const char *text, const char *a, const char *b)
{
  for (const char *line = text; line != NULL && *line;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)n, line);
    if (strstr(buf, a) != NULL && strstr(buf, b) != NULL)
      return 1;
    line = nl ? nl + 1 : NULL;
  }
  return 0;
}

/* What sl_netstat(out, args) printed, in a buffer the caller frees. */
static char *
netstat_text(const char *args, int *ret)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  ck_assert_ptr_nonnull(f);
  *ret = sl_netstat(f, args);
  fclose(f);
  return text;
}

START_TEST(test_user_sl_netstat_self_shows_both_stacks)
{
  int l, c, s, k = socket(AF_INET, SOCK_STREAM, 0), ret;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  char want[96], *out;

  /* A kernel listener beside the socklab pair: --self shows both. */
  ck_assert_int_eq(bind(k, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(k, 1), 0);
  getsockname(k, (struct sockaddr *)&a, &alen);
  pair_up(&l, &c, &s);
  ck_assert_int_eq(sl_shutdown(c, SHUT_WR), 0);
  usleep(50000);
  out = netstat_text("-tan --self", &ret);
  ck_assert_int_eq(ret, 0);
  snprintf(want, sizeof want, ":%d ", sl_local_port(l));
  ck_assert_msg(has_line(out, want, "LISTEN      user"),
                "no socklab listener in:\n%s", out);
  ck_assert_msg(strstr(out, "CLOSE_WAIT  user"), "no CLOSE_WAIT in:\n%s", out);
  ck_assert_msg(strstr(out, "FIN_WAIT2   user"), "no FIN_WAIT2 in:\n%s", out);
  snprintf(want, sizeof want, "127.0.0.1:%d ", ntohs(a.sin_port));
  ck_assert_msg(has_line(out, want, "LISTEN      kernel"),
                "no kernel listener in:\n%s", out);
  free(out);
  /* --stack user leaves the kernel's out. */
  out = netstat_text("-tln --self --stack user", &ret);
  ck_assert_ptr_null(strstr(out, "kernel"));
  free(out);
  out = netstat_text("-t --no-such-option", &ret);
  ck_assert_int_eq(ret, -1);
  ck_assert_int_eq(errno, EINVAL);
  free(out);
  close(k);
  sl_close(s);
  sl_close(c);
  sl_close(l);
}
END_TEST

/* ---- the hub's wire: bundles, and members that do not take them ------- */

/* A raw member of the hub at path: joins with hello, returns the socket
 * and the hub's answer. */
static int
hub_member(const char *path, const char *hello, char *answer, size_t len)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  char buf[128];
  int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  ssize_t n;

  snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
  for (int i = 0; i < 200; i++) {
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
      break;
    usleep(10000);
  }
  buf[0] = '\0';
  snprintf(buf + 1, sizeof buf - 1, "%s", hello);
  ck_assert_int_gt(send(fd, buf, strlen(hello) + 1, 0), 0);
  n = recv(fd, buf, sizeof buf - 1, 0);
  ck_assert_int_gt(n, 1);
  buf[n] = '\0';
  snprintf(answer, len, "%s", buf + 1);
  return fd;
}

/* A UDP datagram of len bytes (at least 28) from src to dst, tagged. */
static void
hub_packet(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t tag)
{
  memset(p, tag, len);
  memset(p, 0, 20);
  p[0] = 0x45;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  p[8] = 64;
  p[9] = 17;
  for (int i = 0; i < 4; i++) {
    p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
    p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
  }
}

START_TEST(test_hub_bundles_and_members_without_them)
{
  struct sl__hub_opts o = {.idle_exit_s = 0};
  static uint8_t b[SL__HUB_BUNDLE_MAX], in[SL__HUB_BUNDLE_MAX];
  uint8_t p1[100], p2[1500];
  char a1[128], a2[128];
  size_t blen = 0, off = 1, n;
  const uint8_t *pkt;
  pid_t hub;
  int old, neu;
  ssize_t r;

  snprintf(o.path, sizeof o.path, "/tmp/socklab-check-%d.sock", (int)getpid());
  hub = fork();
  if (hub == 0) {
    signal(SIGTERM, SIG_DFL); /* not Check's, which stops the whole group */
    _exit(sl__hub_run(&o));
  }
  old = hub_member(o.path, "HELLO 10.77.9.1 1 -", a1, sizeof a1);
  neu = hub_member(o.path, "HELLO 10.77.9.2 1 - bundle", a2, sizeof a2);
  ck_assert_str_eq(a1, "WELCOME 10.77.9.1");
  ck_assert_str_eq(a2, "WELCOME 10.77.9.2 bundle");

  /* Old to new: a packet on its own arrives in a bundle. */
  hub_packet(p1, sizeof p1, 0x0a4d0901, 0x0a4d0902, 'a');
  ck_assert_int_eq(send(old, p1, sizeof p1, 0), sizeof p1);
  r = recv(neu, in, sizeof in, 0);
  ck_assert_int_gt(r, 0);
  ck_assert_int_eq(in[0], SL__HUB_BUNDLE);
  pkt = sl__hub_bundle_next(in, (size_t)r, &off, &n);
  ck_assert_ptr_nonnull(pkt);
  ck_assert_uint_eq(n, sizeof p1);
  ck_assert_mem_eq(pkt, p1, sizeof p1);
  ck_assert_ptr_null(sl__hub_bundle_next(in, (size_t)r, &off, &n));

  /* New to old: a bundle of two arrives as two packets, in order. */
  hub_packet(p1, sizeof p1, 0x0a4d0902, 0x0a4d0901, 'b');
  hub_packet(p2, sizeof p2, 0x0a4d0902, 0x0a4d0901, 'c');
  ck_assert_int_eq(sl__hub_bundle_add(b, &blen, sizeof b, p1, sizeof p1), 0);
  ck_assert_int_eq(sl__hub_bundle_add(b, &blen, sizeof b, p2, sizeof p2), 0);
  ck_assert_int_eq(send(neu, b, blen, 0), (ssize_t)blen);
  ck_assert_int_eq(recv(old, in, sizeof in, 0), sizeof p1);
  ck_assert_mem_eq(in, p1, sizeof p1);
  ck_assert_int_eq(recv(old, in, sizeof in, 0), sizeof p2);
  ck_assert_mem_eq(in, p2, sizeof p2);

  /* A length that overruns the bundle ends it. */
  b[1] = 0xff;
  off = 1;
  ck_assert_ptr_null(sl__hub_bundle_next(b, blen, &off, &n));
  /* And a bundle takes no more than its cap. */
  blen = SL__HUB_BUNDLE_MAX - 100;
  ck_assert_int_eq(sl__hub_bundle_add(b, &blen, sizeof b, p1, sizeof p1), -1);

  /* A socket whose send buffer is smaller than SL__HUB_BUNDLE_MAX gets
   * bundles it can send whole. */
  {
    int sp[2], small = 4096;
    size_t cap;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
    setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    cap = sl__hub_bundle_cap(sp[0], NULL);
    ck_assert_uint_lt(cap, SL__HUB_BUNDLE_MAX);
    ck_assert_uint_gt(cap, 1000);
    ck_assert_int_eq(send(sp[0], b, cap, MSG_DONTWAIT), (ssize_t)cap);
    close(sp[0]);
    close(sp[1]);
  }

  close(old);
  close(neu);
  kill(hub, SIGTERM);
  waitpid(hub, NULL, 0);
  unlink(o.path);
}
END_TEST

/* Answers a control message on c as a hub would (bundles taken): 1 for
 * a HELLO, 2 for a CLAIM, 3 for a packet, 0 for another question. */
static int
fake_hub_answer(int c)
{
  char buf[256];
  ssize_t n = recv(c, buf, sizeof buf - 1, MSG_DONTWAIT);
  const char *hello = "\0WELCOME 10.77.9.5 bundle", *ok = "\0OK";

  if (n <= 0)
    return -1;
  if (buf[0] != '\0')
    return 3; /* a packet (or bundle) from the member */
  buf[n] = '\0';
  if (strncmp(buf + 1, "HELLO ", 6) == 0) {
    send(c, hello, 25, 0);
    return 1;
  }
  send(c, ok, 3, 0);
  return strncmp(buf + 1, "CLAIM ", 6) == 0 ? 2 : 0;
}

/* A hub played by the test: a listening socket of its own, its members'
 * connections, and what they have done so far. */
struct fake_hub {
  struct sockaddr_un sun;
  struct pollfd p[8]; /* p[0]: the listening socket */
  int conns;          /* entries of p in use */
  int member;         /* the connection that said HELLO, or -1 */
  int claimed;        /* a member claimed a port */
  int packets;        /* messages with packets from the members */
};

static void
fake_hub_open(struct fake_hub *fh)
{
  int lfd;

  memset(fh, 0, sizeof *fh);
  fh->sun.sun_family = AF_UNIX;
  fh->member = -1;
  snprintf(fh->sun.sun_path, sizeof fh->sun.sun_path,
           "/tmp/socklab-check-%d.sock", (int)getpid());
  unlink(fh->sun.sun_path);
  lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  ck_assert_int_eq(bind(lfd, (struct sockaddr *)&fh->sun, sizeof fh->sun), 0);
  ck_assert_int_eq(listen(lfd, 8), 0);
  fh->p[fh->conns++] = (struct pollfd){.fd = lfd, .events = POLLIN};
}

/* Waits up to timeout_ms for members and their messages and answers
 * them.  Returns what poll returned (0: nothing happened). */
static int
fake_hub_round(struct fake_hub *fh, int timeout_ms)
{
  int n = poll(fh->p, (nfds_t)fh->conns, timeout_ms);

  ck_assert_int_ge(n, 0);
  if ((fh->p[0].revents & POLLIN) && fh->conns < 8)
    fh->p[fh->conns++] = (struct pollfd){.fd = accept(fh->p[0].fd, NULL, NULL),
                                         .events = POLLIN};
  for (int i = 1; i < fh->conns; i++) {
    int r = fh->p[i].revents & POLLIN ? fake_hub_answer(fh->p[i].fd) : 0;
    if (r == 1)
      fh->member = fh->p[i].fd;
    fh->claimed |= r == 2;
    fh->packets += r == 3;
  }
  return n;
}

static void
fake_hub_close(struct fake_hub *fh)
{
  for (int i = 0; i < fh->conns; i++)
    close(fh->p[i].fd);
  unlink(fh->sun.sun_path);
}

/* Joins the fake hub as a member on socklab's stack (in a child). */
static void
fake_hub_join(const struct fake_hub *fh)
{
  char link[160];

  snprintf(link, sizeof link, "hub:%s", fh->sun.sun_path);
  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", link, 1);
}

/* In a child: joins the fake hub and binds UDP port 9000 on socklab's
 * stack, with receives that give up after 3 s. */
static int
fake_hub_udp_member(const struct fake_hub *fh)
{
  struct timeval tv = {.tv_sec = 3};
  int fd;

  fake_hub_join(fh);
  fd = sl_udp_bind("0.0.0.0", "9000");
  sl_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/* A bundle may hold more packets than the runtime hands the stack in one
 * go (256): the rest must follow at once, not wait for the next message
 * from the hub (here there is none). */
START_TEST(test_hub_link_hands_out_a_long_bundle)
{
  enum { N = 600 };
  static uint8_t b[SL__HUB_BUNDLE_MAX];
  uint8_t pkt[64], payload[4];
  struct fake_hub fh;
  size_t blen = 0;
  int status;
  pid_t child;

  fake_hub_open(&fh);
  child = fork();
  if (child == 0) {
    char got[16];
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(5000),
                             .sin_addr.s_addr = htonl(0x0a4d0909)};
    int fd = fake_hub_udp_member(&fh), n = 0;
    /* Bound: say so with a datagram of our own (the hub waits for it). */
    sl_sendto(fd, "r", 1, 0, (struct sockaddr *)&to, sizeof to);
    while (n < N && sl_recv(fd, got, sizeof got, 0) == 4)
      n++;
    _exit(n == N ? 0 : 1);
  }
  /* The hub's side: answer the HELLO and the CLAIM, wait for the
   * receiver's datagram, then send one bundle. */
  while (!fh.claimed || fh.member < 0 || fh.packets == 0)
    ck_assert_int_gt(fake_hub_round(&fh, 5000), 0);
  for (int i = 0; i < N; i++) {
    struct sl__udp_dgram u = {
        .sport = 5000, .dport = 9000, .data = payload, .len = 4};
    struct sl__ip4_hdr ip = {.ttl = 64,
                             .proto = SL__IP_PROTO_UDP,
                             .src = 0x0a4d0909,
                             .dst = 0x0a4d0905,
                             .total_len = 32};
    memcpy(payload, &i, 4);
    sl__udp_write(pkt + 20, sizeof pkt - 20, ip.src, ip.dst, &u);
    sl__ip4_write(pkt, 20, &ip);
    ck_assert_int_eq(sl__hub_bundle_add(b, &blen, sizeof b, pkt, 32), 0);
  }
  ck_assert_int_eq(send(fh.member, b, blen, 0), (ssize_t)blen);
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the datagrams after the first 256 of the bundle were lost "
                "or late");
  fake_hub_close(&fh);
}
END_TEST

/* A program that talks to itself (its own hub address, or 127.0.0.1 on a
 * port it has) is answered through its host's loopback, never through the
 * hub: on the link, a datagram from the host's own address is forged
 * (RFC 1122 3.2.1.3), and the host drops it. */
START_TEST(test_hub_link_datagram_to_itself_stays_in_process)
{
  struct fake_hub fh;
  int status = -1;
  pid_t child;

  fake_hub_open(&fh);
  child = fork();
  if (child == 0) {
    char got[16];
    struct sockaddr_in self = {.sin_family = AF_INET,
                               .sin_port = htons(9000),
                               .sin_addr.s_addr = htonl(0x0a4d0905)};
    int fd = fake_hub_udp_member(&fh);
    sl_sendto(fd, "self", 4, 0, (struct sockaddr *)&self, sizeof self);
    _exit(sl_recv(fd, got, sizeof got, 0) == 4 ? 0 : 1);
  }
  while (waitpid(child, &status, WNOHANG) == 0)
    fake_hub_round(&fh, 100);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the datagram to itself did not come back");
  ck_assert_int_eq(fh.packets, 0);
  fake_hub_close(&fh);
}
END_TEST

/* SOCKLAB_LINK=udp:HOST:PORT: a name or IPv4 address and a port 1-65535;
 * anything else is refused naming the variable and what it accepts. */
START_TEST(test_config_udp_hub_link)
{
  static const char *const bad[] = {
      "udp:",         "udp:lab",       "udp:lab:",      "udp::7777",
      "udp:lab:0",    "udp:lab:65536", "udp:lab:77x",   "udp:lab:-1",
      "udp:a b:7777", "udp:lab:+7",    "udp:[::1]:7777"};
  struct sl__rt_config cfg;
  char msg[300], want[64];

  setenv("SOCKLAB_LINK", "udp:pc-12.lab.example:7777", 1);
  ck_assert_int_eq(sl__rt_config_read(&cfg, msg, sizeof msg), 0);
  ck_assert_int_eq(cfg.link.kind, SL__LINK_UDP);
  ck_assert_str_eq(cfg.link.arg, "pc-12.lab.example");
  ck_assert_uint_eq(cfg.link.port, 7777);
  ck_assert(sl__link_is_hub(&cfg.link));
  setenv("SOCKLAB_LINK", "udp:192.168.1.20:1", 1);
  ck_assert_int_eq(sl__rt_config_read(&cfg, msg, sizeof msg), 0);
  ck_assert_str_eq(cfg.link.arg, "192.168.1.20");
  ck_assert_uint_eq(cfg.link.port, 1);
  setenv("SOCKLAB_LINK", "hub:/tmp/x.sock", 1);
  ck_assert_int_eq(sl__rt_config_read(&cfg, msg, sizeof msg), 0);
  ck_assert(sl__link_is_hub(&cfg.link));
  setenv("SOCKLAB_LINK", "loop", 1);
  ck_assert_int_eq(sl__rt_config_read(&cfg, msg, sizeof msg), 0);
  ck_assert(!sl__link_is_hub(&cfg.link));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    setenv("SOCKLAB_LINK", bad[i], 1);
    ck_assert_int_eq(sl__rt_config_read(&cfg, msg, sizeof msg), -EINVAL);
    snprintf(want, sizeof want, "SOCKLAB_LINK=%s: expected", bad[i]);
    ck_assert_msg(strstr(msg, want) != NULL && strstr(msg, "udp:HOST:PORT"),
                  "%s: %s", bad[i], msg);
  }
}
END_TEST

/* The hub's WELCOME, with and without bundles and a keepalive period;
 * words a later hub may add are ignored. */
START_TEST(test_hub_welcome_parsed)
{
  uint32_t addr;
  int bundles, ka;

  ck_assert_int_eq(
      sl__hub_parse_welcome("WELCOME 10.77.0.5", &addr, &bundles, &ka), 0);
  ck_assert_uint_eq(addr, 0x0a4d0005);
  ck_assert_int_eq(bundles, 0);
  ck_assert_int_eq(ka, 0);
  ck_assert_int_eq(
      sl__hub_parse_welcome("WELCOME 10.77.0.6 bundle", &addr, &bundles, &ka),
      0);
  ck_assert_int_eq(bundles, 1);
  ck_assert_int_eq(ka, 0);
  ck_assert_int_eq(sl__hub_parse_welcome(
                       "WELCOME 10.77.1.2 bundle keepalive 400 later-words",
                       &addr, &bundles, &ka),
                   0);
  ck_assert_uint_eq(addr, 0x0a4d0102);
  ck_assert_int_eq(bundles, 1);
  ck_assert_int_eq(ka, 400);
  ck_assert_int_eq(sl__hub_parse_welcome("WELCOME 10.77.0.7 keepalive", &addr,
                                         &bundles, &ka),
                   0);
  ck_assert_int_eq(ka, 0);
  ck_assert_int_eq(
      sl__hub_parse_welcome("ERROR the name x is taken", &addr, &bundles, &ka),
      -1);
  ck_assert_int_eq(
      sl__hub_parse_welcome("WELCOME nonsense", &addr, &bundles, &ka), -1);
  ck_assert_int_eq(sl__hub_parse_welcome("WELCOME ", &addr, &bundles, &ka), -1);
}
END_TEST

/* Over UDP a bundle fits in one datagram: a large one on this machine, one
 * Ethernet frame's worth to another (connected, or named). */
START_TEST(test_hub_bundle_cap_of_udp_socket)
{
  struct sockaddr_in lo = {.sin_family = AF_INET,
                           .sin_port = htons(9),
                           .sin_addr.s_addr = htonl(0x7f000001)},
                     lan = {.sin_family = AF_INET,
                            .sin_port = htons(9),
                            .sin_addr.s_addr = htonl(0xc0a8010a)};
  int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 1 << 20;

  ck_assert_int_ge(fd, 0);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  ck_assert_uint_le(sl__hub_bundle_cap(fd, &lo), SL__HUB_UDP_MAX);
  ck_assert_uint_gt(sl__hub_bundle_cap(fd, &lo), 16000);
  ck_assert_uint_eq(sl__hub_bundle_cap(fd, &lan), SL__HUB_UDP_LAN);
  ck_assert_uint_eq(sl__hub_bundle_cap(fd, NULL), SL__HUB_UDP_LAN);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&lo, sizeof lo), 0);
  ck_assert_uint_gt(sl__hub_bundle_cap(fd, NULL), 16000);
  close(fd);
}
END_TEST

Suite *
user_suite(void)
{
  Suite *s = suite_create("user");
  TCase *tc = tcase_create("user_stack");
  tcase_add_test(tc, test_user_socket_options_as_the_table_says);
  tcase_add_test(tc, test_kernel_socket_options_as_the_table_says);

  tcase_add_checked_fixture(tc, setup, tu_fd_teardown);
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_user_tcp_echo_in_process);
  tcase_add_test(tc, test_user_connect_refused_names_address);
  tcase_add_test(tc, test_user_address_in_use);
  tcase_add_test(tc, test_user_nonblocking_connect_completes_through_poll);
  tcase_add_test(tc, test_user_recv_timeout_gives_eagain);
  tcase_add_test(tc, test_user_peer_reset_then_epipe);
  tcase_add_test(tc, test_user_half_close_upload_then_reply);
  tcase_add_test(tc, test_user_udp_boundaries_and_refused);
  tcase_add_test(tc, test_user_poll_pipe_and_socket_together);
  tcase_add_test(tc, test_user_errors_as_linux_reports_them);
  tcase_add_test(tc, test_user_maxseg_negotiated_to_the_smaller);
  tcase_add_test(tc, test_user_forked_child_gets_ebadf);
  tcase_add_test(tc, test_user_readline_over_user_socket);
  tcase_add_test(tc, test_user_tcp_state_of_user_sockets);
  tcase_add_test(tc, test_user_sl_netstat_self_shows_both_stacks);
  suite_add_tcase(s, tc);
  tc = tcase_create("hub_wire");
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, test_hub_bundles_and_members_without_them);
  tcase_add_test(tc, test_hub_link_hands_out_a_long_bundle);
  tcase_add_test(tc, test_hub_link_datagram_to_itself_stays_in_process);
  tcase_add_test(tc, test_config_udp_hub_link);
  tcase_add_test(tc, test_hub_welcome_parsed);
  tcase_add_test(tc, test_hub_bundle_cap_of_udp_socket);
  suite_add_tcase(s, tc);
  return s;
}
