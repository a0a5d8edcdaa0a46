/* Makes N connections from socklab's stack to two kernel listeners in the
 * same process, one after another, each closed by socklab first so that
 * it stays in TIME-WAIT (run it with a long SOCKLAB_MSL_MS), and checks
 * each has a 4-tuple of its own.  N above the 16,384 ephemeral ports only
 * works when one local port serves several remote endpoints (a connection
 * is its 4-tuple), TIME-WAIT connections included.
 *
 *   many_conns KERNEL_ADDR PORT1 PORT2 N
 *
 * Run with SOCKLAB_STACK=user over a link that reaches KERNEL_ADDR (TUN,
 * tests/scripts/ports.sh).  Prints "N connections from K local ports". */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <socklab.h>

struct acceptor {
  int lfd[2];
  int n; /* connections to accept */
  int accepted;
  int error; /* errno of a failed accept, or 0 */
};

static int
kernel_listener(const char *addr, int port)
{
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

  if (fd < 0 || inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      listen(fd, 4096) < 0) {
    fprintf(stderr, "many_conns: kernel listener %s:%d: %s\n", addr, port,
            strerror(errno));
    exit(1);
  }
  return fd;
}

/* The kernel's side: accepts until n connections are in, and closes each
 * once socklab's FIN has arrived (end of file), so that socklab always
 * closes first and keeps the TIME-WAIT. */
static void *
accept_all(void *arg)
{
  struct acceptor *a = arg;
  struct pollfd p[2] = {{.fd = a->lfd[0], .events = POLLIN},
                        {.fd = a->lfd[1], .events = POLLIN}};

  while (a->accepted < a->n) {
    if (poll(p, 2, 1000) < 0 && errno != EINTR) {
      a->error = errno;
      return NULL;
    }
    for (int i = 0; i < 2 && a->accepted < a->n; i++) {
      if (!(p[i].revents & POLLIN))
        continue;
      int fd = accept(a->lfd[i], NULL, NULL);
      if (fd < 0) {
        a->error = errno;
        return NULL;
      }
      char c;
      while (read(fd, &c, 1) > 0)
        ;
      close(fd);
      a->accepted++;
    }
  }
  return NULL;
}

int
main(int argc, char **argv)
{
  struct acceptor a = {0};
  pthread_t th;
  int n, ports[2], distinct = 0;
  unsigned char *used; /* [local port][which server] */

  if (argc != 5 || (n = atoi(argv[4])) <= 0) {
    fprintf(stderr, "usage: many_conns KERNEL_ADDR PORT1 PORT2 N\n");
    return 2;
  }
  ports[0] = atoi(argv[2]);
  ports[1] = atoi(argv[3]);
  used = calloc(65536 * 2, 1);
  if (used == NULL)
    return 1;
  a.lfd[0] = kernel_listener(argv[1], ports[0]);
  a.lfd[1] = kernel_listener(argv[1], ports[1]);
  a.n = n;
  pthread_create(&th, NULL, accept_all, &a);

  for (int i = 0; i < n; i++) {
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)ports[i % 2])};
    socklen_t len = sizeof sin;
    int fd = sl_socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, argv[1], &sin.sin_addr);
    if (fd < 0 || sl_connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        sl_getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
      fprintf(stderr, "many_conns: connection %d of %d: %s\n", i + 1, n,
              sl_strerror());
      return 1;
    }
    unsigned char *u = &used[ntohs(sin.sin_port) * 2 + i % 2];
    if (*u) {
      fprintf(stderr,
              "many_conns: connection %d of %d: local port %u given twice "
              "for port %d, whose first connection is still in TIME-WAIT\n",
              i + 1, n, ntohs(sin.sin_port), ports[i % 2]);
      return 1;
    }
    *u = 1;
    sl_close(fd); /* socklab closes first: TIME-WAIT is on its side */
  }
  pthread_join(th, NULL);
  if (a.error != 0 || a.accepted != n) {
    fprintf(stderr, "many_conns: the kernel accepted %d of %d: %s\n",
            a.accepted, n, strerror(a.error));
    return 1;
  }
  for (int p = 0; p < 65536; p++)
    distinct += used[2 * p] || used[2 * p + 1];
  printf("%d connections from %d local ports\n", n, distinct);
  return 0;
}
