/* The descriptor table: which descriptor numbers are socklab-stack sockets.
 *
 * A socklab socket is given a real descriptor (a memfd named
 * "socklab-socket"), so its number is reserved: the kernel cannot hand the
 * same number to a kernel socket, a file or a pipe while the socklab socket
 * lives, and a kernel descriptor can therefore never be mistaken for a
 * socklab socket or the other way round.  /proc/PID/fd shows these
 * descriptors as "/memfd:socklab-socket", which is how a student (or the
 * netstat clone) can tell them apart.
 *
 * The table is two-level (pages of 1024 entries) so that lookups need no
 * resizing lock; striped mutexes protect each entry while a reference is
 * taken. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"

#define PAGE_BITS  10
#define PAGE_SLOTS (1 << PAGE_BITS)
#define MAX_PAGES  1024 /* descriptors 0 .. 1M-1 */
#define N_STRIPES  64

static _Atomic(struct sl__sock *) *pages[MAX_PAGES];
static pthread_mutex_t page_alloc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stripes[N_STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static atomic_int live_socks; /* entries in the table */

static void
init_stripes(void)
{
  for (int i = 0; i < N_STRIPES; i++)
    pthread_mutex_init(&stripes[i], NULL);
}

static pthread_mutex_t *
stripe(int fd)
{
  pthread_once(&stripes_once, init_stripes);
  return &stripes[fd % N_STRIPES];
}

/* The slot for fd, allocating its page when `create` is set. */
static _Atomic(struct sl__sock *) *
slot(int fd, int create)
{
  _Atomic(struct sl__sock *) *page;
  int p = fd >> PAGE_BITS;

  if (fd < 0 || p >= MAX_PAGES)
    return NULL;
  page = pages[p];
  if (page == NULL && create) {
    pthread_mutex_lock(&page_alloc_lock);
    page = pages[p];
    if (page == NULL) {
      page = calloc(PAGE_SLOTS, sizeof *page);
      pages[p] = page;
    }
    pthread_mutex_unlock(&page_alloc_lock);
  }
  return page ? &page[fd & (PAGE_SLOTS - 1)] : NULL;
}

int
sl__fd_attach(struct sl__sock *sock)
{
  _Atomic(struct sl__sock *) *s;
  struct stat st;
  int fd;

  fd = memfd_create("socklab-socket", MFD_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  s = slot(fd, 1);
  if (s == NULL) {
    close(fd);
    return fd >= MAX_PAGES * PAGE_SLOTS ? -EMFILE : -ENOMEM;
  }
  sock->fd = fd;
  sock->ino = (unsigned long)st.st_ino;
  atomic_store(&sock->refs, 1);
  pthread_mutex_lock(stripe(fd));
  atomic_store(s, sock);
  pthread_mutex_unlock(stripe(fd));
  atomic_fetch_add(&live_socks, 1);
  return fd;
}

struct sl__sock *
sl__fd_get(int fd)
{
  _Atomic(struct sl__sock *) *s = slot(fd, 0);
  struct sl__sock *sock;

  if (s == NULL || atomic_load(&live_socks) == 0)
    return NULL;
  pthread_mutex_lock(stripe(fd));
  sock = atomic_load(s);
  if (sock != NULL)
    atomic_fetch_add(&sock->refs, 1);
  pthread_mutex_unlock(stripe(fd));
  return sock;
}

void
sl__sock_put(struct sl__sock *sock)
{
  if (atomic_fetch_sub(&sock->refs, 1) == 1)
    sock->ops->close(sock);
}

/* Takes fd's entry out of the table; returns it (with the table's
 * reference now owned by the caller) or NULL. */
static struct sl__sock *
take_entry(int fd)
{
  _Atomic(struct sl__sock *) *s = slot(fd, 0);
  struct sl__sock *sock;

  if (s == NULL)
    return NULL;
  pthread_mutex_lock(stripe(fd));
  sock = atomic_exchange(s, NULL);
  pthread_mutex_unlock(stripe(fd));
  if (sock != NULL)
    atomic_fetch_sub(&live_socks, 1);
  return sock;
}

/* Is fd still the memfd reserved for sock? */
static int
still_reserved(const struct sl__sock *sock, int fd)
{
  struct stat st;

  return fstat(fd, &st) == 0 && (unsigned long)st.st_ino == sock->ino;
}

static void
warn_closed_behind_back(int fd)
{
  fprintf(stderr,
          "socklab: descriptor %d was a socklab socket closed with close() "
          "instead of sl_close(); the socket is gone now\n",
          fd);
}

int
sl__fd_detach(int fd)
{
  struct sl__sock *sock = take_entry(fd);

  if (sock == NULL)
    return -EBADF;
  if (still_reserved(sock, fd)) {
    close(fd);
  } else {
    /* The number now belongs to something the program opened after a
     * plain close(); leave that alone. */
    warn_closed_behind_back(fd);
  }
  sl__sock_put(sock);
  sl__fd_notify();
  return 0;
}

void
sl__fd_forget_stale(int fd)
{
  struct sl__sock *sock;

  if (atomic_load(&live_socks) == 0)
    return;
  sock = take_entry(fd);
  if (sock == NULL)
    return;
  warn_closed_behind_back(fd);
  sl__sock_put(sock);
}

/* ---- waking sl_poll ---------------------------------------------------- */

/* Each thread blocked in a mixed sl_poll registers an eventfd here;
 * sl__fd_notify writes to all of them. */
struct waiter {
  int efd;
  struct waiter *next;
};

static pthread_mutex_t waiters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct waiter *waiters;
static atomic_int n_waiters;
static pthread_key_t efd_key;
static pthread_once_t efd_once = PTHREAD_ONCE_INIT;

static void
close_thread_efd(void *p)
{
  close((int)(intptr_t)p - 1);
}

static void
make_efd_key(void)
{
  pthread_key_create(&efd_key, close_thread_efd);
}

/* This thread's eventfd, created on first use and closed at thread exit. */
static int
thread_efd(void)
{
  void *p;
  int efd;

  pthread_once(&efd_once, make_efd_key);
  p = pthread_getspecific(efd_key);
  if (p != NULL)
    return (int)(intptr_t)p - 1;
  efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd >= 0)
    pthread_setspecific(efd_key, (void *)(intptr_t)(efd + 1));
  return efd;
}

void
sl__fd_notify(void)
{
  uint64_t one = 1;

  if (atomic_load(&n_waiters) == 0)
    return;
  pthread_mutex_lock(&waiters_lock);
  for (struct waiter *w = waiters; w != NULL; w = w->next)
    if (write(w->efd, &one, sizeof one) < 0 && errno != EAGAIN)
      break;
  pthread_mutex_unlock(&waiters_lock);
}

static void
waiter_add(struct waiter *w)
{
  pthread_mutex_lock(&waiters_lock);
  w->next = waiters;
  waiters = w;
  atomic_fetch_add(&n_waiters, 1);
  pthread_mutex_unlock(&waiters_lock);
}

static void
waiter_remove(struct waiter *w)
{
  pthread_mutex_lock(&waiters_lock);
  for (struct waiter **pp = &waiters; *pp != NULL; pp = &(*pp)->next)
    if (*pp == w) {
      *pp = w->next;
      break;
    }
  atomic_fetch_sub(&n_waiters, 1);
  pthread_mutex_unlock(&waiters_lock);
}

static long long
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One pass: fills revents of socklab sockets and copies kernel entries to
 * kfds (index map in kidx).  Returns how many socklab entries are ready. */
static int
scan_user(struct pollfd *fds, nfds_t nfds, struct pollfd *kfds, nfds_t *nk,
          nfds_t *kidx)
{
  const short always = POLLERR | POLLHUP | POLLNVAL;
  int ready = 0;

  *nk = 0;
  for (nfds_t i = 0; i < nfds; i++) {
    struct sl__sock *sock = sl__fd_get(fds[i].fd);

    fds[i].revents = 0;
    if (sock == NULL) {
      kfds[*nk] = fds[i];
      kidx[(*nk)++] = i;
      continue;
    }
    fds[i].revents = sock->ops->poll(sock, fds[i].events | always) &
                     (fds[i].events | always);
    sl__sock_put(sock);
    if (fds[i].revents)
      ready++;
  }
  return ready;
}

int
sl__poll_mixed(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
  long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
  struct pollfd *kfds = calloc(nfds + 1, sizeof *kfds);
  nfds_t *kidx = calloc(nfds + 1, sizeof *kidx);
  struct waiter w = {.efd = thread_efd()};
  int result = -1, registered = 0;

  if (kfds == NULL || kidx == NULL || w.efd < 0) {
    errno = w.efd < 0 ? errno : ENOMEM;
    goto out;
  }
  for (;;) {
    int ready, kready, wait;
    nfds_t nk;
    uint64_t drain;

    if (!registered) {
      /* Register before looking, so a change after the look wakes us. */
      waiter_add(&w);
      registered = 1;
    }
    ready = scan_user(fds, nfds, kfds, &nk, kidx);
    wait = ready ? 0 : timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
    if (wait < -1 || (timeout_ms >= 0 && wait < 0))
      wait = 0;
    kfds[nk] = (struct pollfd){.fd = w.efd, .events = POLLIN};
    kready = poll(kfds, nk + 1, wait);
    if (kready < 0)
      goto out;
    for (nfds_t k = 0; k < nk; k++) {
      fds[kidx[k]].revents = kfds[k].revents;
      if (kfds[k].revents)
        ready++;
    }
    if (ready > 0 || wait == 0) {
      result = ready;
      goto out;
    }
    if (kfds[nk].revents & POLLIN)
      while (read(w.efd, &drain, sizeof drain) > 0)
        ;
  }
out:
  if (registered)
    waiter_remove(&w);
  free(kfds);
  free(kidx);
  return result;
}

int
sl__fd_live(void)
{
  return atomic_load(&live_socks);
}
