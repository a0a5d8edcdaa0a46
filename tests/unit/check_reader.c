/* The line reader: byte-at-a-time input, lines too long for the caller's
 * buffer or for the reader, end of file in the middle of a line,
 * non-blocking descriptors, and readers used from two threads at once. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socklab.h"
#include "suites.h"
#include "testutil.h"

/* A SOCK_SEQPACKET pair: each read returns at most one written record, so
 * writing one byte per record forces the reader to see one byte at a
 * time. */
static void
seqpacket_pair(int sv[2])
{
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void
write_bytewise(int fd, const char *s)
{
  for (; *s != '\0'; s++)
    ck_assert_int_eq(sl_write(fd, s, 1), 1);
}

START_TEST(test_readline_byte_at_a_time)
{
  int sv[2];
  struct sl_reader r;
  char line[64];

  seqpacket_pair(sv);
  write_bytewise(sv[1], "hello\n\nworld\r\n");
  sl_close(sv[1]);
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 6);
  ck_assert_str_eq(line, "hello\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 1);
  ck_assert_str_eq(line, "\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 7);
  ck_assert_str_eq(line, "world\r\n"); /* bytes are never rewritten */
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 0);
  sl_close(sv[0]);
}
END_TEST

START_TEST(test_readline_eof_mid_line_returns_partial)
{
  int sv[2];
  struct sl_reader r;
  char line[64];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sl_writen(sv[1], "one\ntwo", 7), 7);
  sl_close(sv[1]);
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 4);
  ck_assert_str_eq(line, "one\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 3);
  ck_assert_str_eq(line, "two");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 0);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 0);
  sl_close(sv[0]);
}
END_TEST

START_TEST(test_readline_too_long_loses_nothing)
{
  int sv[2];
  struct sl_reader r;
  char small[8], big[64];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sl_writen(sv[1], "0123456789\nok\n", 14), 14);
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, small, sizeof small), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
  ck_assert_int_eq(sl_last_error()->kind, SL_ERR_PROTOCOL);
  ck_assert_ptr_nonnull(strstr(sl_strerror(), "longer than 7 bytes"));
  /* Nothing was consumed: a bigger buffer gets the whole line. */
  ck_assert_int_eq(sl_readline(&r, big, sizeof big), 11);
  ck_assert_str_eq(big, "0123456789\n");
  ck_assert_int_eq(sl_readline(&r, small, sizeof small), 3);
  ck_assert_str_eq(small, "ok\n");
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

START_TEST(test_readline_exact_fit)
{
  int sv[2];
  struct sl_reader r;
  char line[5]; /* "abc\n" and the NUL */

  seqpacket_pair(sv);
  write_bytewise(sv[1], "abc\nabcd\n");
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 4);
  ck_assert_str_eq(line, "abc\n");
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

START_TEST(test_readline_longer_than_reader_buffer)
{
  enum { N = SL_READER_BUFSIZE + 100 };
  static char big[N + 1], got[N + 1];
  int sv[2];
  struct sl_reader r;
  size_t total = 0;
  ssize_t n;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  memset(big, 'x', N - 1);
  big[N - 1] = '\n';
  ck_assert_int_eq(sl_writen(sv[1], big, N), N);
  sl_close(sv[1]);
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, got, sizeof got), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
  /* The bytes are still there for sl_reader_read. */
  while ((n = sl_reader_read(&r, got + total, N - total)) > 0)
    total += (size_t)n;
  ck_assert_int_eq(total, N);
  ck_assert_int_eq(memcmp(got, big, N), 0);
  sl_close(sv[0]);
}
END_TEST

START_TEST(test_readline_nonblocking_keeps_partial_line)
{
  int sv[2];
  struct sl_reader r;
  char line[64];

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ck_assert_int_eq(sl_fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
  sl_reader_init(&r, sv[0]);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), -1);
  ck_assert_int_eq(errno, EAGAIN);
  ck_assert_int_eq(sl_writen(sv[1], "half", 4), 4);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), -1);
  ck_assert_int_eq(errno, EAGAIN);
  ck_assert_uint_eq(sl_reader_buffered(&r), 4);
  ck_assert_int_eq(sl_writen(sv[1], " and half\nnext", 14), 14);
  ck_assert_int_eq(sl_readline(&r, line, sizeof line), 14);
  ck_assert_str_eq(line, "half and half\n");
  ck_assert_uint_eq(sl_reader_buffered(&r), 4);
  sl_close(sv[0]);
  sl_close(sv[1]);
}
END_TEST

START_TEST(test_readline_rejects_empty_buffer)
{
  struct sl_reader r;
  char c;

  sl_reader_init(&r, 0);
  ck_assert_int_eq(sl_readline(&r, &c, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Two readers in two threads, each on its own descriptor, each fed lines
 * in small pieces: no shared state means each sees exactly its lines. */
struct feed {
  int wfd, rfd;
  int tag;
  int lines_ok;
};

static void *
feed_and_read(void *arg)
{
  struct feed *f = arg;
  struct sl_reader r;
  char line[64], want[64];

  sl_reader_init(&r, f->rfd);
  for (int i = 0; i < 500; i++) {
    int n = snprintf(want, sizeof want, "reader %d line %d\n", f->tag, i);
    sl_writen(f->wfd, want, (size_t)n / 2);
    sl_writen(f->wfd, want + n / 2, (size_t)(n - n / 2));
    if (sl_readline(&r, line, sizeof line) == n && strcmp(line, want) == 0)
      f->lines_ok++;
  }
  return NULL;
}

START_TEST(test_readline_two_threads_two_readers)
{
  int a[2], b[2];
  struct feed fa = {.tag = 1}, fb = {.tag = 2};
  pthread_t ta, tb;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
  fa.wfd = a[1];
  fa.rfd = a[0];
  fb.wfd = b[1];
  fb.rfd = b[0];
  pthread_create(&ta, NULL, feed_and_read, &fa);
  pthread_create(&tb, NULL, feed_and_read, &fb);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  ck_assert_int_eq(fa.lines_ok, 500);
  ck_assert_int_eq(fb.lines_ok, 500);
  for (int i = 0; i < 2; i++) {
    sl_close(a[i]);
    sl_close(b[i]);
  }
}
END_TEST

Suite *
reader_suite(void)
{
  Suite *s = suite_create("reader");
  TCase *tc = tcase_create("readline");

  tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
  tcase_add_test(tc, test_readline_byte_at_a_time);
  tcase_add_test(tc, test_readline_eof_mid_line_returns_partial);
  tcase_add_test(tc, test_readline_too_long_loses_nothing);
  tcase_add_test(tc, test_readline_exact_fit);
  tcase_add_test(tc, test_readline_longer_than_reader_buffer);
  tcase_add_test(tc, test_readline_nonblocking_keeps_partial_line);
  tcase_add_test(tc, test_readline_rejects_empty_buffer);
  tcase_add_test(tc, test_readline_two_threads_two_readers);
  suite_add_tcase(s, tc);
  return s;
}
