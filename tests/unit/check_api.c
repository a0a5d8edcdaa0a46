/* The BSD mirror: dispatch between the stacks, libc's errno semantics,
 * messages, no SIGPIPE, fcntl and poll over mixed descriptors. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <unistd.h>

#include "api/internal.h"
#include "socklab.h"
#include "suites.h"
#include "testutil.h"

/* ---- a fake socklab-stack socket that records what reaches it ---------- */

struct fake {
  struct sl__sock base;
  atomic_int readable; /* what poll reports */
  int sends;           /* sendto calls that reached the fake */
  int *closed;         /* set to 1 when ops->close runs */
};

static int
fake_bind(struct sl__sock *s, const struct sockaddr *a, socklen_t l)
{
  (void)s;
  (void)a;
  (void)l;
  return -EADDRINUSE;
}

static ssize_t
fake_sendto(struct sl__sock *s, const void *b, size_t n, int f,
            const struct sockaddr *a, socklen_t l)
{
  (void)b;
  (void)f;
  (void)a;
  (void)l;
  ((struct fake *)s)->sends++;
  return (ssize_t)n;
}

static ssize_t
fake_recvfrom(struct sl__sock *s, void *b, size_t n, int f, struct sockaddr *a,
              socklen_t *l)
{
  (void)b;
  (void)n;
  (void)f;
  (void)a;
  (void)l;
  return atomic_load(&s->nonblock) ? -EAGAIN : 0;
}

static short
fake_poll(struct sl__sock *s, short events)
{
  return atomic_load(&((struct fake *)s)->readable) ? (events & POLLIN) : 0;
}

static int
fake_close(struct sl__sock *s)
{
  struct fake *f = (struct fake *)s;

  if (f->closed)
    *f->closed = 1;
  free(f);
  return 0;
}

static const struct sl__sock_ops fake_ops = {
    .name = "fake",
    .bind = fake_bind,
    .sendto = fake_sendto,
    .recvfrom = fake_recvfrom,
    .poll = fake_poll,
    .close = fake_close,
};

static struct fake *
fake_new(int *closed)
{
  struct fake *f = calloc(1, sizeof *f);

  ck_assert_ptr_nonnull(f);
  f->base.ops = &fake_ops;
  f->closed = closed;
  return f;
}

/* ---- dispatch ----------------------------------------------------------- */

START_TEST(test_dispatch_default_is_kernel)
{
  int fd;

  unsetenv("SOCKLAB_STACK");
  ck_assert_int_eq(sl_default_stack(), SL_STACK_KERNEL);
  fd = sl_socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(sl_stack_of(fd), SL_STACK_KERNEL);
  ck_assert_int_eq(sl_close(fd), 0);
  ck_assert_int_eq(sl_stack_of(fd), SL_STACK_NONE);
  ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_dispatch_user_bad_link_fails_clearly)
{
  setenv("SOCKLAB_STACK", "user", 1);
  setenv("SOCKLAB_LINK", "carrier-pigeon", 1);
  ck_assert_int_eq(sl_default_stack(), SL_STACK_USER);
  ck_assert_int_eq(sl_socket(AF_INET, SOCK_STREAM, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_USAGE);
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "SOCKLAB_LINK=carrier-pigeon"));
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "expected hub"));
}
END_TEST

START_TEST(test_dispatch_bad_stack_value_refused)
{
  setenv("SOCKLAB_STACK", "usr", 1);
  ck_assert_int_eq(sl_socket(AF_INET, SOCK_STREAM, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "SOCKLAB_STACK=usr"));
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "'kernel'"));
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "'user'"));
}
END_TEST

START_TEST(test_dispatch_user_fd_never_reaches_kernel)
{
  int closed = 0;
  struct fake *f = fake_new(&closed);
  int fd = sl__fd_attach(&f->base);
  int kfd;

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(sl_stack_of(fd), SL_STACK_USER);
  /* The kernel would say ENOTSOCK for a memfd; the fake answers instead. */
  ck_assert_int_eq(sl_send(fd, "x", 1, 0), 1);
  ck_assert_int_eq(sl_write(fd, "yz", 2), 2);
  ck_assert_int_eq(f->sends, 2);
  /* The number is reserved: a new kernel socket gets another one. */
  kfd = sl_socket(AF_INET, SOCK_DGRAM, 0);
  ck_assert_int_ge(kfd, 0);
  ck_assert_int_ne(kfd, fd);
  ck_assert_int_eq(sl_stack_of(kfd), SL_STACK_KERNEL);
  ck_assert_int_eq(sl_close(fd), 0);
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sl_stack_of(fd), SL_STACK_NONE);
  ck_assert_int_eq(sl_close(kfd), 0);
}
END_TEST

START_TEST(test_dispatch_user_errors_keep_libc_convention)
{
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons(7),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = sl__fd_attach(&fake_new(NULL)->base);

  ck_assert_int_eq(sl_bind(fd, (struct sockaddr *)&sin, sizeof sin), -1);
  ck_assert_int_eq(errno, EADDRINUSE);
  ck_assert_str_eq(sl_strerror(), "bind 127.0.0.1:7: Address already in use");
  ck_assert_int_eq(sl_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  ck_assert_int_eq(sl_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  ck_assert_int_eq(sl_recv(fd, &sin, 1, 0), -1);
  ck_assert_int_eq(errno, EAGAIN);
  ck_assert_int_eq(sl_close(fd), 0);
}
END_TEST

START_TEST(test_dispatch_closed_behind_back_is_forgotten)
{
  int closed = 0;
  int fd = sl__fd_attach(&fake_new(&closed)->base);
  int kfd;

  close(fd); /* the mistake: plain close(2) on a socklab socket */
  kfd = sl_socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_eq(kfd, fd); /* the kernel reuses the lowest number */
  ck_assert_int_eq(closed, 1);
  ck_assert_int_eq(sl_stack_of(kfd), SL_STACK_KERNEL);
  ck_assert_int_eq(sl_close(kfd), 0);
}
END_TEST

START_TEST(test_dispatch_bad_descriptors_get_libc_errors)
{
  char c, want[80];
  int pipefd[2];

  ck_assert_int_eq(sl_close(-1), -1);
  ck_assert_int_eq(errno, EBADF);
  ck_assert_int_eq(sl_recv(-1, &c, 1, 0), -1);
  ck_assert_int_eq(errno, EBADF);
  ck_assert_int_eq(pipe(pipefd), 0);
  ck_assert_int_eq(sl_listen(pipefd[0], 1), -1);
  ck_assert_int_eq(errno, ENOTSOCK);
  snprintf(want, sizeof want, "listen fd %d: %s", pipefd[0],
           strerror(ENOTSOCK));
  ck_assert_str_eq(sl_strerror(), want);
  /* sl_read and sl_write work on pipes like read(2) and write(2). */
  ck_assert_int_eq(sl_write(pipefd[1], "p", 1), 1);
  ck_assert_int_eq(sl_read(pipefd[0], &c, 1), 1);
  ck_assert_int_eq(c, 'p');
  close(pipefd[0]);
  close(pipefd[1]);
}
END_TEST

/* ---- BSD semantics on kernel sockets ----------------------------------- */

START_TEST(test_bsd_connect_refused_message)
{
  int port = tu_unused_port();
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = sl_socket(AF_INET, SOCK_STREAM, 0);
  char want[64];

  ck_assert_int_eq(sl_connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
  ck_assert_int_eq(errno, ECONNREFUSED);
  snprintf(want, sizeof want, "connect 127.0.0.1:%d: Connection refused", port);
  ck_assert_str_eq(sl_strerror(), want);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_SYSTEM);
  ck_assert_int_eq(sl_last_error()->code, ECONNREFUSED);
  sl_close(fd);
}
END_TEST

START_TEST(test_bsd_nonblocking_recv_says_eagain)
{
  int sv[2];
  char c;
  char want[64];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sl_fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  ck_assert_int_eq(sl_fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
  ck_assert_int_eq(sl_fcntl(sv[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  ck_assert_int_eq(sl_recv(sv[0], &c, 1, 0), -1);
  ck_assert_int_eq(errno, EAGAIN);
  snprintf(want, sizeof want, "recv fd %d: %s", sv[0], strerror(EAGAIN));
  ck_assert_str_eq(sl_strerror(), want);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

/* SIGPIPE keeps its default action in this process: if socklab let it
 * through, the test process would die and Check would report a signal. */
START_TEST(test_sigpipe_send_to_closed_peer_gives_epipe)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1);
  char port[16];
  int cfd, sfd, i;
  ssize_t r = 0;

  ck_assert_int_ge(lfd, 0);
  snprintf(port, sizeof port, "%d", sl_local_port(lfd));
  cfd = sl_tcp_connect("127.0.0.1", port);
  ck_assert_int_ge(cfd, 0);
  sfd = sl_accept(lfd, NULL, NULL);
  ck_assert_int_ge(sfd, 0);
  sl_close(sfd);
  /* The first send draws an RST; a later one finds the connection gone. */
  for (i = 0; i < 100 && r >= 0; i++) {
    r = sl_send(cfd, "data", 4, 0);
    if (r >= 0)
      usleep(1000);
  }
  ck_assert_int_eq(r, -1);
  ck_assert(errno == EPIPE || errno == ECONNRESET);
  r = sl_write(cfd, "more", 4);
  ck_assert_int_eq(r, -1);
  ck_assert_int_eq(errno, EPIPE);
  sl_close(cfd);
  sl_close(lfd);
}
END_TEST

/* Every state's three spellings name it, and nothing else does. */
START_TEST(test_tcp_state_from_name_takes_all_three_spellings)
{
  for (int st = 0; st < SL_TCP_NSTATES; st++) {
    ck_assert_int_eq(sl_tcp_state_from_name(sl_tcp_state_rfc(st)), st);
    ck_assert_int_eq(sl_tcp_state_from_name(sl_tcp_state_netstat(st)), st);
    ck_assert_int_eq(sl_tcp_state_from_name(sl_tcp_state_ss(st)), st);
  }
  ck_assert_int_eq(sl_tcp_state_from_name("SYN_RECV"), SL_TCP_SYN_RECEIVED);
  ck_assert_int_eq(sl_tcp_state_from_name("time-wait"), -1);
  ck_assert_int_eq(sl_tcp_state_from_name(""), -1);
  ck_assert_int_eq(sl_tcp_state_from_name(NULL), -1);
}
END_TEST

START_TEST(test_bsd_tcp_state_of_kernel_sockets)
{
  int lfd = sl_tcp_listen("127.0.0.1", "0", 1), c, s, u;
  char port[16];

  snprintf(port, sizeof port, "%d", sl_local_port(lfd));
  ck_assert_int_eq(sl_tcp_state_of(lfd), SL_TCP_LISTEN);
  c = sl_tcp_connect("127.0.0.1", port);
  s = sl_accept(lfd, NULL, NULL);
  ck_assert_int_eq(sl_tcp_state_of(c), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl_tcp_state_of(s), SL_TCP_ESTABLISHED);
  ck_assert_str_eq(sl_tcp_state_netstat(SL_TCP_ESTABLISHED), "ESTABLISHED");
  sl_shutdown(c, SHUT_WR);
  usleep(50000);
  ck_assert_int_eq(sl_tcp_state_of(s), SL_TCP_CLOSE_WAIT);
  ck_assert_int_eq(sl_tcp_state_of(c), SL_TCP_FIN_WAIT_2);
  u = sl_socket(AF_INET, SOCK_DGRAM, 0);
  ck_assert_int_eq(sl_tcp_state_of(u), -1);
  ck_assert_int_eq(errno, ENOPROTOOPT);
  ck_assert_int_eq(sl_tcp_state_of(-1), -1);
  ck_assert_int_eq(errno, EBADF);
  sl_close(u);
  sl_close(s);
  sl_close(c);
  sl_close(lfd);
}
END_TEST

/* ---- SL_TRY ------------------------------------------------------------- */

/* Runs SL_TRY on a refused connection in a child whose stderr goes to a
 * pipe; checks the exit status (1, never 0) and the message. */
START_TEST(test_sl_try_prints_location_and_exits_1)
{
  char port[16], out[512] = {0}, want[160], *colon;
  int pipefd[2], status;
  pid_t pid;

  snprintf(port, sizeof port, "%d", tu_unused_port());
  ck_assert_int_eq(pipe(pipefd), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(pipefd[1], 2);
    SL_TRY(sl_tcp_connect("127.0.0.1", port));
    _exit(0);
  }
  close(pipefd[1]);
  ck_assert_int_gt(read(pipefd[0], out, sizeof out - 1), 0);
  close(pipefd[0]);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status));
  ck_assert_int_eq(WEXITSTATUS(status), 1);
  /* "FILE:LINE: expr: message\n" */
  ck_assert_int_eq(strncmp(out, __FILE__ ":", strlen(__FILE__) + 1), 0);
  colon = strchr(out + strlen(__FILE__) + 1, ':');
  ck_assert_ptr_nonnull(colon);
  snprintf(want, sizeof want,
           ": sl_tcp_connect(\"127.0.0.1\", port): "
           "connect 127.0.0.1:%s: Connection refused\n",
           port);
  ck_assert_str_eq(colon, want);
}
END_TEST

/* SL_TRY's value is expr's, with expr's type, and expr runs once. */
START_TEST(test_sl_try_keeps_value_and_type)
{
  int calls = 0;
  ssize_t n = 5;
  size_t big = (size_t)-1; /* unsigned: never negative, never a failure */

  ck_assert_int_eq(SL_TRY(++calls), 1);
  ck_assert_int_eq(calls, 1);
  ck_assert(_Generic(SL_TRY(n), ssize_t : 1, default : 0));
  ck_assert(_Generic(SL_TRY(calls), int : 1, default : 0));
  ck_assert(_Generic(SL_TRY(big), size_t : 1, default : 0));
  ck_assert_int_eq(SL_TRY(n), 5);
  ck_assert(SL_TRY(big) == (size_t)-1);
}
END_TEST

/* ---- a signal interrupting a blocking call ----------------------------- */

static void
on_alarm(int sig)
{
  (void)sig;
}

/* Installs a SIGALRM handler without SA_RESTART, so that blocking calls
 * really see EINTR, and arms it ms milliseconds from now. */
static void
alarm_in_ms(int ms)
{
  struct sigaction sa;
  struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = ms * 1000}};

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
  ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

START_TEST(test_signal_interrupts_blocking_recv_with_eintr)
{
  int sv[2];
  char c;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  alarm_in_ms(50);
  ck_assert_int_eq(sl_recv(sv[0], &c, 1, 0), -1);
  ck_assert_int_eq(errno, EINTR);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

struct late_writer {
  int fd;
  int delay_ms;
  const char *data;
};

static void *
late_write(void *arg)
{
  struct late_writer *w = arg;

  usleep((useconds_t)w->delay_ms * 1000);
  sl_writen(w->fd, w->data, strlen(w->data));
  return NULL;
}

START_TEST(test_signal_during_readn_is_retried)
{
  int sv[2];
  char buf[8] = {0};
  pthread_t t;
  struct late_writer w = {.delay_ms = 200, .data = "1234567"};
  sigset_t block;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  w.fd = sv[1];
  /* Only this thread takes SIGALRM, so its readn is what gets hit. */
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  ck_assert_int_eq(pthread_create(&t, NULL, late_write, &w), 0);
  pthread_sigmask(SIG_UNBLOCK, &block, NULL);
  alarm_in_ms(50);
  ck_assert_int_eq(sl_readn(sv[0], buf, 7), 7);
  ck_assert_str_eq(buf, "1234567");
  pthread_join(t, NULL);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

/* ---- poll over kernel and socklab descriptors --------------------------- */

struct flipper {
  struct fake *f;
  int delay_ms;
};

static void *
flip_readable(void *arg)
{
  struct flipper *fl = arg;

  usleep((useconds_t)fl->delay_ms * 1000);
  atomic_store(&fl->f->readable, 1);
  sl__fd_notify();
  return NULL;
}

START_TEST(test_poll_mixed_wakes_when_user_socket_ready)
{
  struct fake *f = fake_new(NULL);
  int fd = sl__fd_attach(&f->base);
  int pipefd[2];
  struct flipper fl = {.f = f, .delay_ms = 50};
  pthread_t t;
  struct pollfd p[2];

  ck_assert_int_eq(pipe(pipefd), 0);
  p[0] = (struct pollfd){.fd = pipefd[0], .events = POLLIN};
  p[1] = (struct pollfd){.fd = fd, .events = POLLIN | POLLOUT};
  ck_assert_int_eq(pthread_create(&t, NULL, flip_readable, &fl), 0);
  /* Without the notification this would sleep for the whole 10 s and the
   * test would time out. */
  ck_assert_int_eq(sl_poll(p, 2, 10000), 1);
  ck_assert_int_eq(p[0].revents, 0);
  ck_assert_int_eq(p[1].revents, POLLIN);
  pthread_join(t, NULL);
  sl_close(fd);
  close(pipefd[0]);
  close(pipefd[1]);
}
END_TEST

START_TEST(test_poll_mixed_reports_kernel_fds_and_times_out)
{
  int fd = sl__fd_attach(&fake_new(NULL)->base);
  int pipefd[2];
  struct pollfd p[3];

  ck_assert_int_eq(pipe(pipefd), 0);
  p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
  p[1] = (struct pollfd){.fd = pipefd[0], .events = POLLIN};
  p[2] = (struct pollfd){.fd = -1, .events = POLLIN}; /* ignored, as libc */
  ck_assert_int_eq(sl_poll(p, 3, 30), 0);
  ck_assert_int_eq(sl_write(pipefd[1], "k", 1), 1);
  ck_assert_int_eq(sl_poll(p, 3, 1000), 1);
  ck_assert_int_eq(p[0].revents, 0);
  ck_assert_int_eq(p[1].revents, POLLIN);
  ck_assert_int_eq(p[2].revents, 0);
  sl_close(fd);
  close(pipefd[0]);
  close(pipefd[1]);
}
END_TEST

/* A thread keeps the eventfd it waits on in mixed polls for its lifetime;
 * make it exist before the leak check counts descriptors. */
static void
poll_setup(void)
{
  int fd = sl__fd_attach(&fake_new(NULL)->base);
  struct pollfd p = {.fd = fd, .events = POLLIN};

  ck_assert_int_eq(sl_poll(&p, 1, 0), 0);
  sl_close(fd);
  tu_fd_setup();
}

Suite *
api_suite(void)
{
  Suite *s = suite_create("api");
  TCase *tc;

  tc = tcase_create("dispatch");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_dispatch_default_is_kernel);
  tcase_add_test(tc, test_dispatch_user_bad_link_fails_clearly);
  tcase_add_test(tc, test_dispatch_bad_stack_value_refused);
  tcase_add_test(tc, test_dispatch_user_fd_never_reaches_kernel);
  tcase_add_test(tc, test_dispatch_user_errors_keep_libc_convention);
  tcase_add_test(tc, test_dispatch_closed_behind_back_is_forgotten);
  tcase_add_test(tc, test_dispatch_bad_descriptors_get_libc_errors);
  suite_add_tcase(s, tc);

  tc = tcase_create("bsd");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_bsd_connect_refused_message);
  tcase_add_test(tc, test_bsd_nonblocking_recv_says_eagain);
  tcase_add_test(tc, test_sigpipe_send_to_closed_peer_gives_epipe);
  tcase_add_test(tc, test_sl_try_prints_location_and_exits_1);
  tcase_add_test(tc, test_sl_try_keeps_value_and_type);
  tcase_add_test(tc, test_bsd_tcp_state_of_kernel_sockets);
  tcase_add_test(tc, test_tcp_state_from_name_takes_all_three_spellings);
  suite_add_tcase(s, tc);

  tc = tcase_create("signals");
  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_signal_interrupts_blocking_recv_with_eintr);
  tcase_add_test(tc, test_signal_during_readn_is_retried);
  suite_add_tcase(s, tc);

  tc = tcase_create("poll");
  tcase_add_checked_fixture(tc, poll_setup, tu_fd_teardown);
  tcase_add_test(tc, test_poll_mixed_wakes_when_user_socket_ready);
  tcase_add_test(tc, test_poll_mixed_reports_kernel_fds_and_times_out);
  suite_add_tcase(s, tc);
  return s;
}
