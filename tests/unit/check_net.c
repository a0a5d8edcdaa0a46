/* The helpers: listen/connect by name on IPv4 and IPv6, their error
 * messages, connect with a timeout, readn/writen across short counts,
 * UDP, and address formatting. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "socklab.h"
#include "suites.h"
#include "testutil.h"

static void
port_str(int fd, char *buf, size_t len)
{
  int port = sl_local_port(fd);

  ck_assert_int_gt(port, 0);
  snprintf(buf, len, "%d", port);
}

/* Sends one message through an echo server and checks it comes back. */
static void
echo_round_trip(const char *listen_host, const char *connect_host)
{
  int lfd = sl_tcp_listen(listen_host, "0", 4);
  struct tu_echo echo;
  char port[16], back[32] = {0};
  int fd;

  ck_assert_msg(lfd >= 0, "%s", sl_strerror());
  port_str(lfd, port, sizeof port);
  tu_echo_start(&echo, lfd, 1);
  fd = sl_tcp_connect(connect_host, port);
  ck_assert_msg(fd >= 0, "%s", sl_strerror());
  ck_assert_int_eq(sl_writen(fd, "hello, echo\n", 12), 12);
  ck_assert_int_eq(sl_readn(fd, back, 12), 12);
  ck_assert_str_eq(back, "hello, echo\n");
  sl_close(fd);
  tu_echo_join(&echo);
  ck_assert_int_eq(echo.echoed, 12);
  sl_close(lfd);
}

START_TEST(test_tcp_echo_ipv4)
{
  echo_round_trip("127.0.0.1", "127.0.0.1");
}
END_TEST

static int
have_ipv6_loopback(void)
{
  int fd = sl_tcp_listen("::1", "0", 1);

  if (fd < 0)
    return 0;
  sl_close(fd);
  return 1;
}

START_TEST(test_tcp_echo_ipv6)
{
  if (!have_ipv6_loopback()) {
    fprintf(stderr, "skip: no IPv6 loopback (::1) on this machine\n");
    return;
  }
  echo_round_trip("::1", "::1");
}
END_TEST

START_TEST(test_tcp_listen_wildcard_is_ipv4_any)
{
  int lfd = sl_tcp_listen(NULL, "0", 4);
  char addr[SL_ADDRSTRLEN], want[SL_ADDRSTRLEN];
  int reuse = 0;
  socklen_t len = sizeof reuse;

  ck_assert_int_ge(lfd, 0);
  snprintf(want, sizeof want, "0.0.0.0:%d", sl_local_port(lfd));
  ck_assert_str_eq(sl_local_addr(lfd, addr, sizeof addr), want);
  ck_assert_int_eq(sl_getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len),
                   0);
  ck_assert_int_ne(reuse, 0);
  /* And "localhost" reaches it, whatever order the resolver gives. */
  sl_close(lfd);
  echo_round_trip(NULL, "localhost");
}
END_TEST

START_TEST(test_tcp_server_serves_clients_one_after_another)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 4);
  struct tu_echo echo;
  char port[16];

  port_str(lfd, port, sizeof port);
  tu_echo_start(&echo, lfd, 3);
  for (int i = 0; i < 3; i++) {
    char msg[16], back[16] = {0};
    int fd = sl_tcp_connect("localhost", port);
    int n = snprintf(msg, sizeof msg, "client %d\n", i);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(sl_writen(fd, msg, (size_t)n), n);
    ck_assert_int_eq(sl_readn(fd, back, (size_t)n), n);
    ck_assert_str_eq(back, msg);
    sl_close(fd);
  }
  tu_echo_join(&echo);
  sl_close(lfd);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_error_connect_refused_names_address)
{
  char port[16], want[80];

  snprintf(port, sizeof port, "%d", tu_unused_port());
  ck_assert_int_eq(sl_tcp_connect("127.0.0.1", port), -1);
  ck_assert_int_eq(errno, ECONNREFUSED);
  snprintf(want, sizeof want, "connect 127.0.0.1:%s: Connection refused", port);
  ck_assert_str_eq(sl_strerror(), want);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_SYSTEM);
}
END_TEST

START_TEST(test_error_unknown_host_is_a_resolver_error)
{
  ck_assert_int_eq(sl_tcp_connect("nosuch.invalid", "80"), -1);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_RESOLVE);
  ck_assert(errno == ENOENT || errno == EAGAIN);
  ck_assert_msg(strncmp(sl_strerror(), "getaddrinfo nosuch.invalid: ",
                        strlen("getaddrinfo nosuch.invalid: ")) == 0,
                "message was: %s", sl_strerror());
}
END_TEST

START_TEST(test_error_unknown_service_is_a_resolver_error)
{
  ck_assert_int_eq(sl_tcp_listen("127.0.0.1", "no-such-service", 1), -1);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_RESOLVE);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "port no-such-service"));
}
END_TEST

START_TEST(test_error_address_in_use_names_address)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1);
  char port[16], want[80];

  port_str(lfd, port, sizeof port);
  ck_assert_int_eq(sl_tcp_listen("127.0.0.1", port, 1), -1);
  ck_assert_int_eq(errno, EADDRINUSE);
  snprintf(want, sizeof want, "bind 127.0.0.1:%s: Address already in use",
           port);
  ck_assert_str_eq(sl_strerror(), want);
  sl_close(lfd);
}
END_TEST

/* A listener that never accepts and whose queue is full drops further
 * SYNs, so a connect to it hangs: what a timeout is for. */
START_TEST(test_connect_timeout_gives_etimedout)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 0);
  int fds[16], nfds = 0, hung = 0;
  char port[16];

  port_str(lfd, port, sizeof port);
  while (nfds < 16 && !hung) {
    int fd = sl_tcp_connect_timeout("127.0.0.1", port, 300);
    if (fd < 0) {
      ck_assert_int_eq(errno, ETIMEDOUT);
      ck_assert_ptr_nonnull(strstr(sl_strerror(), "timed out"));
      hung = 1;
    } else {
      fds[nfds++] = fd;
    }
  }
  ck_assert_msg(hung, "16 connections to a full queue all succeeded");
  while (nfds > 0)
    sl_close(fds[--nfds]);
  sl_close(lfd);
}
END_TEST

/* ---- readn / writen ----------------------------------------------------- */

struct bulk {
  int fd;
  size_t n;
  unsigned seed;
  ssize_t result;
};

static void *
bulk_write(void *arg)
{
  struct bulk *b = arg;
  char *buf = malloc(b->n);

  tu_pattern(buf, b->n, b->seed);
  b->result = sl_writen(b->fd, buf, b->n);
  free(buf);
  return NULL;
}

/* 1 MiB through a socket pair with tiny buffers: writen sees short counts
 * and (non-blocking) EAGAIN, readn gets the bytes in small pieces. */
START_TEST(test_readn_writen_short_counts_nonblocking)
{
  enum { N = 1 << 20 };
  int sv[2], small = 4096;
  struct bulk b = {.n = N, .seed = 7};
  char *got = malloc(N), *want = malloc(N);
  pthread_t t;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  sl_setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  sl_setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ck_assert_int_eq(sl_fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
  ck_assert_int_eq(sl_fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
  b.fd = sv[1];
  ck_assert_int_eq(pthread_create(&t, NULL, bulk_write, &b), 0);
  ck_assert_int_eq(sl_readn(sv[0], got, N), N);
  pthread_join(t, NULL);
  ck_assert_int_eq(b.result, N);
  tu_pattern(want, N, 7);
  ck_assert_int_eq(memcmp(got, want, N), 0);
  free(got);
  free(want);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

START_TEST(test_readn_returns_short_count_at_eof)
{
  int sv[2];
  char buf[100];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sl_writen(sv[1], "0123456789", 10), 10);
  sl_close(sv[1]);
  ck_assert_int_eq(sl_readn(sv[0], buf, sizeof buf), 10);
  ck_assert_int_eq(memcmp(buf, "0123456789", 10), 0);
  ck_assert_int_eq(sl_readn(sv[0], buf, sizeof buf), 0);
  sl_close(sv[0]);
}
END_TEST

START_TEST(test_writen_to_closed_peer_gives_epipe)
{
  int sv[2];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  sl_close(sv[0]);
  ck_assert_int_eq(sl_writen(sv[1], "x", 1), -1);
  ck_assert_int_eq(errno, EPIPE);
  sl_close(sv[1]);
}
END_TEST

/* ---- UDP ---------------------------------------------------------------- */

START_TEST(test_udp_datagram_boundaries_preserved)
{
  int srv = sl_udp_bind("127.0.0.1", "0");
  char port[16], buf[64];
  int cli;

  ck_assert_int_ge(srv, 0);
  port_str(srv, port, sizeof port);
  cli = sl_udp_connect("127.0.0.1", port);
  ck_assert_int_ge(cli, 0);
  ck_assert_int_eq(sl_send(cli, "one", 3, 0), 3);
  ck_assert_int_eq(sl_send(cli, "two!", 4, 0), 4);
  ck_assert_int_eq(sl_send(cli, "", 0, 0), 0);
  ck_assert_int_eq(sl_recv(srv, buf, sizeof buf, 0), 3);
  ck_assert_int_eq(sl_recv(srv, buf, sizeof buf, 0), 4);
  ck_assert_int_eq(memcmp(buf, "two!", 4), 0);
  ck_assert_int_eq(sl_recv(srv, buf, sizeof buf, 0), 0);
  sl_close(cli);
  sl_close(srv);
}
END_TEST

START_TEST(test_udp_to_closed_port_reports_refused)
{
  int srv = sl_udp_bind("127.0.0.1", "0");
  char port[16], buf[8];
  int cli, r;

  port_str(srv, port, sizeof port);
  sl_close(srv); /* nobody there any more */
  cli = sl_udp_connect("127.0.0.1", port);
  ck_assert_int_ge(cli, 0);
  ck_assert_int_eq(sl_send(cli, "ping", 4, 0), 4);
  r = (int)sl_recv(cli, buf, sizeof buf, 0);
  ck_assert_int_eq(r, -1);
  ck_assert_int_eq(errno, ECONNREFUSED);
  sl_close(cli);
}
END_TEST

/* ---- addresses ---------------------------------------------------------- */

START_TEST(test_addr_format_both_families)
{
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
  struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
                              .sin6_port = htons(8080)};
  struct sockaddr sa = {.sa_family = AF_UNIX};
  char buf[SL_ADDRSTRLEN], tiny[6];

  inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
  inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
  ck_assert_str_eq(sl_addr_format((struct sockaddr *)&sin, buf, sizeof buf),
                   "10.0.0.1:80");
  ck_assert_str_eq(sl_addr_format((struct sockaddr *)&sin6, buf, sizeof buf),
                   "[::1]:8080");
  ck_assert_str_eq(sl_addr_format(&sa, buf, sizeof buf), "<family 1>");
  /* A short buffer truncates, never overflows. */
  ck_assert_str_eq(sl_addr_format((struct sockaddr *)&sin, tiny, sizeof tiny),
                   "10.0.");
}
END_TEST

START_TEST(test_getaddrinfo_resolves_and_names_failures)
{
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM},
                  *res = NULL;
  struct sockaddr_in *in;

  ck_assert_int_eq(sl_getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
  in = (struct sockaddr_in *)res->ai_addr;
  ck_assert_int_eq(ntohs(in->sin_port), 8080);
  ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
  freeaddrinfo(res);
  ck_assert_int_ne(sl_getaddrinfo("nosuch.invalid", "80", &hints, &res), 0);
  ck_assert_msg(strstr(sl_strerror(), "getaddrinfo nosuch.invalid") != NULL,
                "unclear: %s", sl_strerror());
}
END_TEST

Suite *
net_suite(void)
{
  Suite *s = suite_create("net");
  TCase *tc;

  tc = tcase_create("listen_connect");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_tcp_echo_ipv4);
  tcase_add_test(tc, test_tcp_echo_ipv6);
  tcase_add_test(tc, test_tcp_listen_wildcard_is_ipv4_any);
  tcase_add_test(tc, test_tcp_server_serves_clients_one_after_another);
  suite_add_tcase(s, tc);

  tc = tcase_create("errors");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_set_timeout(tc, 30); /* a resolver may be slow to say no */
  tcase_add_test(tc, test_error_connect_refused_names_address);
  tcase_add_test(tc, test_error_unknown_host_is_a_resolver_error);
  tcase_add_test(tc, test_error_unknown_service_is_a_resolver_error);
  tcase_add_test(tc, test_error_address_in_use_names_address);
  tcase_add_test(tc, test_connect_timeout_gives_etimedout);
  suite_add_tcase(s, tc);

  tc = tcase_create("readn_writen");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_readn_writen_short_counts_nonblocking);
  tcase_add_test(tc, test_readn_returns_short_count_at_eof);
  tcase_add_test(tc, test_writen_to_closed_peer_gives_epipe);
  suite_add_tcase(s, tc);

  tc = tcase_create("udp");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_udp_datagram_boundaries_preserved);
  tcase_add_test(tc, test_udp_to_closed_port_reports_refused);
  suite_add_tcase(s, tc);

  tc = tcase_create("addr");
  tcase_add_test(tc, test_addr_format_both_families);
  tcase_add_test(tc, test_getaddrinfo_resolves_and_names_failures);
  suite_add_tcase(s, tc);
  return s;
}
