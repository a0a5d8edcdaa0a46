/* Helpers shared by the unit tests. */
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "socklab.h"
#include "testutil.h"

int
tu_fd_count(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory stream's own descriptor */
}

static int fds_at_setup;

void
tu_fd_setup(void)
{
  fds_at_setup = tu_fd_count();
}

void
tu_fd_teardown(void)
{
  ck_assert_int_eq(tu_fd_count(), fds_at_setup);
}

static void *
echo_main(void *arg)
{
  struct tu_echo *e = arg;
  char buf[4096];

  for (int i = 0; i < e->clients; i++) {
    int c = sl_accept(e->listen_fd, NULL, NULL);
    ssize_t n;

    if (c < 0)
      break;
    while ((n = sl_read(c, buf, sizeof buf)) > 0) {
      if (sl_writen(c, buf, (size_t)n) != n)
        break;
      e->echoed += n;
    }
    sl_close(c);
  }
  return NULL;
}

void
tu_echo_start(struct tu_echo *e, int listen_fd, int clients)
{
  e->listen_fd = listen_fd;
  e->clients = clients;
  e->echoed = 0;
  ck_assert_int_eq(pthread_create(&e->thread, NULL, echo_main, e), 0);
}

void
tu_echo_join(struct tu_echo *e)
{
  pthread_join(e->thread, NULL);
}

int
tu_unused_port(void)
{
  int fd = sl_tcp_listen("127.0.0.1", "0", 1);
  int port;

  ck_assert_int_ge(fd, 0);
  port = sl_local_port(fd);
  sl_close(fd);
  return port;
}

void
tu_pattern(void *buf, size_t n, unsigned seed)
{
  unsigned char *p = buf;
  unsigned x = seed * 2654435761u + 1;

  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (unsigned char)(x >> 16);
  }
}
