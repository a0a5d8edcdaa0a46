/* Helpers shared by the unit tests: descriptor-leak checks, a threaded
 * echo server, and a free loopback port. */
#ifndef SOCKLAB_TESTUTIL_H
#define SOCKLAB_TESTUTIL_H

#include <pthread.h>
#include <stddef.h>

/* Open descriptors of this process (counts /proc/self/fd). */
int tu_fd_count(void);

/* Checked-fixture pair: remembers the descriptor count in setup and fails
 * the test in teardown if descriptors leaked. */
void tu_fd_setup(void);
void tu_fd_teardown(void);

/* An echo server on a thread: accepts `clients` connections one after the
 * other on listen_fd and echoes each until end of file. */
struct tu_echo {
  pthread_t thread;
  int listen_fd;
  int clients;
  long echoed; /* bytes echoed, for the test to check */
};
void tu_echo_start(struct tu_echo *e, int listen_fd, int clients);
void tu_echo_join(struct tu_echo *e);

/* A loopback TCP port with nothing listening on it (bound, then closed). */
int tu_unused_port(void);

/* Fills buf with a reproducible byte pattern from seed. */
void tu_pattern(void *buf, size_t n, unsigned seed);

#endif
