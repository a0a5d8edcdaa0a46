/* socklab's packetdrill adapter: the instance packetdrill_interface_init()
 * creates, its virtual clock (gettimeofday, usleep), the link in both
 * directions (netdev_send, netdev_receive) and the descriptor table.
 * See pd.h for the flags and packetdrill_if.h for the interface. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "packetdrill/pd.h"

/* netdev_receive gives up after moving the clock this far in one call: a
 * stack whose timers keep firing without sending anything is broken. */
#define MAX_RECEIVE_ADVANCE_US (3600ull * 1000000ull)

/* What this thread's last socket call left for its next clock reading.
 * packetdrill's system-call thread reads the clock after a blocking call
 * returns, without any lock of ours: by then the main thread may have
 * moved the clock on, and the call would seem to have returned late. */
static _Thread_local struct {
  const struct sl__pd *pd; /* the instance the call was on */
  int slept;               /* the call in progress has slept */
  int returned;            /* a call that slept has returned ... */
  uint64_t at_us;          /* ... at this virtual time */
} this_thread;

/* ---- flags ----------------------------------------------------------- */

/* Matches "name=" at the start of word; returns the value or NULL. */
static const char *
flag_value(const char *word, const char *name)
{
  size_t n = strlen(name);

  if (strncmp(word, name, n) != 0 || word[n] != '=')
    return NULL;
  return word + n + 1;
}

static int
parse_ip(const char *s, uint32_t *out)
{
  struct in_addr a;

  if (inet_pton(AF_INET, s, &a) != 1)
    return -EINVAL;
  *out = ntohl(a.s_addr);
  return 0;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
  char *end;
  unsigned long long v;

  if (*s < '0' || *s > '9')
    return -EINVAL;
  errno = 0;
  v = strtoull(s, &end, 0);
  if (errno != 0 || *end != '\0' || v > max)
    return -EINVAL;
  *out = v;
  return 0;
}

/* One flag word.  0, -EINVAL for a known flag with a bad value, or
 * -ENOENT for a word that is no flag of ours. */
static int
parse_flag(struct sl__pd *pd, struct sl__host_config *cfg, const char *w)
{
  const char *v;
  uint64_t n;

  if (strncmp(w, "--", 2) == 0)
    w += 2;
  if ((v = flag_value(w, "local_ip")) != NULL)
    return parse_ip(v, &pd->local_ip);
  if ((v = flag_value(w, "remote_ip")) != NULL)
    return parse_ip(v, &pd->remote_ip);
  if ((v = flag_value(w, "mtu")) != NULL) {
    if (parse_u64(v, 65535, &n) < 0 || n < 68)
      return -EINVAL;
    cfg->mtu = (uint16_t)n;
    return 0;
  }
  if ((v = flag_value(w, "seed")) != NULL)
    return parse_u64(v, UINT64_MAX, &cfg->seed);
  if ((v = flag_value(w, "receive_wait_ms")) != NULL) {
    if (parse_u64(v, 3600000, &n) < 0)
      return -EINVAL;
    pd->receive_wait_ms = (unsigned)n;
    return 0;
  }
  if (strcmp(w, "verbose") == 0) {
    pd->verbose = 1;
    return 0;
  }
  return -ENOENT;
}

#define KNOWN_FLAGS                                                            \
  "local_ip=, remote_ip=, mtu=, seed=, receive_wait_ms=, verbose"

static int
parse_flags(struct sl__pd *pd, struct sl__host_config *cfg, const char *flags)
{
  char *copy, *word, *save = NULL;
  int r = 0;

  if (flags == NULL)
    return 0;
  copy = strdup(flags);
  if (copy == NULL)
    return -ENOMEM;
  for (word = strtok_r(copy, " \t\n,", &save); word != NULL;
       word = strtok_r(NULL, " \t\n,", &save)) {
    r = parse_flag(pd, cfg, word);
    /* A word we do not know changes nothing of ours (it may be meant for
     * another stack's adapter, or be a typo the warning shows), so the
     * run goes on.  A known flag with a bad value would test a stack
     * configured otherwise than asked: that one ends it. */
    if (r == -ENOENT) {
      fprintf(stderr,
              "packetdrill_interface_init: ignoring unknown flag \"%s\" "
              "(known: " KNOWN_FLAGS ")\n",
              word);
      r = 0;
      continue;
    }
    if (r < 0) {
      fprintf(stderr,
              "packetdrill_interface_init: bad value in flag \"%s\" "
              "(known: " KNOWN_FLAGS ")\n",
              word);
      break;
    }
  }
  free(copy);
  return r;
}

/* ---- callbacks from the core ----------------------------------------- */

/* The stack sent a datagram: queue a copy for netdev_receive, stamped
 * with the virtual time it left. */
static void
on_output(void *arg, const uint8_t *pkt, size_t len)
{
  struct sl__pd *pd = arg;
  struct sl__pd_pkt *p;

  if (pd->out_len >= SL__PD_MAX_QUEUED ||
      (p = malloc(sizeof *p + len)) == NULL) {
    if (pd->out_dropped++ == 0)
      fprintf(stderr,
              "socklab packetdrill: %s; dropping packets the "
              "stack sends until it is read\n",
              pd->out_len >= SL__PD_MAX_QUEUED ? "output queue full"
                                               : "out of memory");
    return;
  }
  p->next = NULL;
  p->time_us = sl__host_now(pd->host);
  p->len = len;
  memcpy(p->bytes, pkt, len);
  if (pd->out_tail != NULL)
    pd->out_tail->next = p;
  else
    pd->out_head = p;
  pd->out_tail = p;
  pd->out_len++;
  pd->changed = 1;
}

static void
on_notify(void *arg, struct sl__tcb *tcb, struct sl__udp_pcb *pcb)
{
  struct sl__pd *pd = arg;

  (void)tcb;
  (void)pcb;
  pd->changed = 1;
}

static void
on_trace(void *arg, const struct sl__event *ev)
{
  struct sl__pd *pd = arg;
  char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
  struct in_addr a;

  (void)pd;
  if (ev->type == SL__EV_DROP) {
    fprintf(stderr, "socklab %" PRIu64 ".%06" PRIu64 " drop %s%s%s\n",
            ev->time_us / 1000000, ev->time_us % 1000000,
            sl__drop_name(ev->drop), ev->note ? ": " : "",
            ev->note ? ev->note : "");
    return;
  }
  if (ev->type != SL__EV_STATE)
    return;
  a.s_addr = htonl(ev->laddr);
  inet_ntop(AF_INET, &a, l, sizeof l);
  a.s_addr = htonl(ev->raddr);
  inet_ntop(AF_INET, &a, r, sizeof r);
  fprintf(stderr,
          "socklab %" PRIu64 ".%06" PRIu64 " %s:%u %s:%u %s -> %s (%s)\n",
          ev->time_us / 1000000, ev->time_us % 1000000, l, ev->lport, r,
          ev->rport, sl_tcp_state_rfc(ev->from), sl_tcp_state_rfc(ev->to),
          ev->cause ? ev->cause : "");
}

/* ---- the instance ---------------------------------------------------- */

int
sl__pd_new(const char *flags, struct sl__pd **out)
{
  struct sl__host_config cfg;
  pthread_condattr_t ca;
  struct sl__pd *pd;
  int r;

  pd = calloc(1, sizeof *pd);
  if (pd == NULL)
    return -ENOMEM;
  sl__host_config_default(&cfg);
  pd->local_ip = 0xc0a80001;  /* 192.168.0.1 */
  pd->remote_ip = 0xc0000201; /* 192.0.2.1 */
  pd->receive_wait_ms = 1000;
  pd->now_us = SL__PD_START_US;
  pd->wake_at_us = SL__TIME_NEVER;
  r = parse_flags(pd, &cfg, flags);
  if (r < 0)
    goto out;
  /* Timeouts are measured on the monotonic clock, immune to clock steps. */
  if ((r = -pthread_condattr_init(&ca)) < 0)
    goto out;
  r = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  if (r == 0)
    r = -pthread_cond_init(&pd->cond, &ca);
  pthread_condattr_destroy(&ca);
  if (r < 0)
    goto out;
  if ((r = -pthread_cond_init(&pd->settled, NULL)) < 0) {
    pthread_cond_destroy(&pd->cond);
    goto out;
  }
  if ((r = -pthread_mutex_init(&pd->mu, NULL)) < 0) {
    pthread_cond_destroy(&pd->settled);
    pthread_cond_destroy(&pd->cond);
    goto out;
  }
  pd->host = sl__host_new(pd->local_ip, &cfg, on_output, pd);
  if (pd->host == NULL) {
    pthread_mutex_destroy(&pd->mu);
    pthread_cond_destroy(&pd->settled);
    pthread_cond_destroy(&pd->cond);
    r = -ENOMEM;
    goto out;
  }
  sl__host_set_notify(pd->host, on_notify, pd);
  if (pd->verbose)
    sl__host_set_trace(pd->host, on_trace, pd);
  sl__host_poll(pd->host, pd->now_us);
out:
  if (r < 0) {
    free(pd);
    pd = NULL;
  }
  *out = pd;
  return r;
}

void
sl__pd_free(void *userdata)
{
  struct sl__pd *pd = userdata;
  struct sl__pd_pkt *p;

  if (pd == NULL)
    return;
  pthread_mutex_lock(&pd->mu);
  /* Threads still asleep in a call leave with EINTR before we go. */
  pd->closing = 1;
  pthread_cond_broadcast(&pd->cond);
  pthread_cond_broadcast(&pd->settled);
  while (pd->waiters > 0 || pd->settling > 0)
    pthread_cond_wait(&pd->cond, &pd->mu);
  for (int fd = 0; fd < SL__PD_MAX_FD; fd++)
    if (pd->fds[fd] != NULL) {
      close(fd);
      free(pd->fds[fd]);
    }
  sl__host_free(pd->host); /* frees every connection, sending nothing */
  while ((p = pd->out_head) != NULL) {
    pd->out_head = p->next;
    free(p);
  }
  pthread_mutex_unlock(&pd->mu);
  pthread_mutex_destroy(&pd->mu);
  pthread_cond_destroy(&pd->cond);
  pthread_cond_destroy(&pd->settled);
  free(pd);
}

/* ---- locking and the clock ------------------------------------------- */

void
sl__pd_lock(struct sl__pd *pd)
{
  pthread_mutex_lock(&pd->mu);
  /* A new call: what the last one left for the clock is out of date. */
  this_thread.returned = 0;
  this_thread.slept = 0;
  this_thread.pd = pd;
  sl__host_poll(pd->host, pd->now_us);
}

/* Wakes every thread asleep on cond: each then owes a look at its
 * condition, and sl__pd_settle waits until all have paid. */
static void
wake_all(struct sl__pd *pd)
{
  pd->changed = 0;
  pd->wake_gen++;
  pd->owed = pd->waiters;
  pthread_cond_broadcast(&pd->cond);
}

/* Sleeps on cond until woken or, when deadline is not NULL, until then
 * (real time); pthread_cond_timedwait's result.  Pays this thread's debt
 * to sl__pd_settle if a broadcast woke it. */
static int
sleep_on_cond(struct sl__pd *pd, const struct timespec *deadline)
{
  uint64_t gen = pd->wake_gen;
  int r;

  pd->waiters++;
  if (deadline != NULL)
    r = pthread_cond_timedwait(&pd->cond, &pd->mu, deadline);
  else
    r = pthread_cond_wait(&pd->cond, &pd->mu);
  pd->waiters--;
  /* The last broadcast since we slept counted us in owed. */
  if (pd->wake_gen != gen && pd->owed > 0 && --pd->owed == 0)
    pthread_cond_broadcast(&pd->settled);
  if (pd->closing)
    pthread_cond_broadcast(&pd->cond); /* free() counts the waiters */
  return r;
}

void
sl__pd_unlock(struct sl__pd *pd)
{
  if (pd->changed)
    wake_all(pd);
  if (this_thread.slept && this_thread.pd == pd) {
    this_thread.returned = 1;
    this_thread.at_us = pd->now_us;
  }
  pthread_mutex_unlock(&pd->mu);
}

void
sl__pd_settle(struct sl__pd *pd)
{
  for (;;) {
    if (pd->changed)
      wake_all(pd);
    if (pd->owed == 0 || pd->closing)
      break;
    pd->settling++;
    pthread_cond_wait(&pd->settled, &pd->mu);
    pd->settling--;
  }
  if (pd->closing)
    pthread_cond_broadcast(&pd->cond); /* free() counts us too */
}

/* A poll() with a timeout is due to return at wake_at_us: wake it. */
static void
wake_pollers(struct sl__pd *pd)
{
  if (pd->now_us >= pd->wake_at_us) {
    pd->wake_at_us = SL__TIME_NEVER;
    pd->changed = 1;
  }
}

void
sl__pd_advance(struct sl__pd *pd, uint64_t target_us)
{
  uint64_t floor = pd->now_us;

  /* Each step goes to the next timer or poll() deadline, so what a timer
   * sends is stamped with the time a real stack would have sent it, and
   * whoever a step wakes runs (settle) before the clock moves again. */
  for (;;) {
    uint64_t d;

    sl__pd_settle(pd);
    /* Another thread may have moved the clock while we waited, and time
     * never goes backwards. */
    if (floor < pd->now_us)
      floor = pd->now_us;
    if (target_us < floor)
      target_us = floor;
    d = sl__host_next_deadline(pd->host);
    if (pd->wake_at_us < d)
      d = pd->wake_at_us;
    if (d < floor)
      d = floor;
    if (d > target_us)
      break;
    pd->now_us = d;
    sl__host_poll(pd->host, d);
    wake_pollers(pd);
    /* A timer still due right after it ran waits one microsecond, so a
     * stuck timer makes time crawl instead of hanging the loop. */
    floor = d + 1;
  }
  pd->now_us = target_us;
  sl__host_poll(pd->host, target_us);
  wake_pollers(pd);
}

int
sl__pd_gettimeofday(void *userdata, struct timeval *tv, struct timezone *tz)
{
  struct sl__pd *pd = userdata;
  int returned = this_thread.returned && this_thread.pd == pd;
  uint64_t t = this_thread.at_us;

  sl__pd_lock(pd);
  /* The first reading after a call that slept is the time the call
   * returned, however far another thread has moved the clock since:
   * that is when packetdrill's system-call thread takes its reading
   * (end_syscall), and what a kernel's clock would have said.  Any other
   * reading moves the clock, so a caller that spins on the clock
   * (packetdrill's wait_for_event does) sees time pass. */
  if (!returned) {
    sl__pd_advance(pd, pd->now_us + 1);
    t = pd->now_us;
  }
  if (tv != NULL) {
    tv->tv_sec = (time_t)(t / 1000000);
    tv->tv_usec = (suseconds_t)(t % 1000000);
  }
  sl__pd_unlock(pd);
  if (tz != NULL)
    memset(tz, 0, sizeof *tz);
  return 0;
}

int
sl__pd_usleep(void *userdata, useconds_t usec)
{
  struct sl__pd *pd = userdata;

  sl__pd_lock(pd);
  sl__pd_advance(pd, pd->now_us + (usec > 0 ? usec : 1));
  sl__pd_unlock(pd);
  return 0;
}

/* ---- the link -------------------------------------------------------- */

int
sl__pd_netdev_send(void *userdata, const void *buf, size_t count)
{
  struct sl__pd *pd = userdata;
  const uint8_t *b = buf;

  if (buf == NULL || count < 20) {
    errno = EINVAL;
    return -1;
  }
  if (b[0] >> 4 != 4) {
    errno = EAFNOSUPPORT; /* socklab speaks IPv4 only */
    return -1;
  }
  sl__pd_lock(pd);
  /* Bad packets are the stack's to count and drop, like any from a link. */
  sl__host_input(pd->host, b, count, pd->now_us);
  pd->changed = 1;
  sl__pd_unlock(pd);
  return 0;
}

/* Real time ms milliseconds from now on the monotonic clock. */
static void
deadline_after(struct timespec *ts, unsigned ms)
{
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* Nothing queued and no timer armed: give another thread's call (a
 * blocking connect that packetdrill has just handed to its system-call
 * thread, say) up to receive_wait_ms of real time to send something. */
static void
wait_for_output(struct sl__pd *pd)
{
  struct timespec ts;

  deadline_after(&ts, pd->receive_wait_ms);
  while (pd->out_head == NULL && !pd->closing &&
         sl__host_next_deadline(pd->host) == SL__TIME_NEVER)
    if (sleep_on_cond(pd, &ts) == ETIMEDOUT)
      break;
}

int
sl__pd_netdev_receive(void *userdata, void *buf, size_t *count,
                      long long *time_usecs)
{
  struct sl__pd *pd = userdata;
  struct sl__pd_pkt *p;
  uint64_t start;
  int waited = 0, err;

  sl__pd_lock(pd);
  start = pd->now_us;
  /* Whoever the last call woke may send something before the clock
   * moves (a window update from a read() the data completed). */
  sl__pd_settle(pd);
  while ((p = pd->out_head) == NULL) {
    uint64_t d = sl__host_next_deadline(pd->host);

    if (pd->closing) {
      err = EINTR;
      goto fail;
    }
    if (d != SL__TIME_NEVER && d - start <= MAX_RECEIVE_ADVANCE_US) {
      /* Nothing sent yet: jump to the stack's next timer. */
      sl__pd_advance(pd, d > pd->now_us ? d : pd->now_us + 1);
      continue;
    }
    if (d != SL__TIME_NEVER || waited) {
      /* The stack will send nothing more.  Failing (-1) would not end
       * the script: packetdrill's so_netdev_receive() asks again for as
       * long as we fail, for ever.  "Received nothing" (0 with count 0,
       * as packetdrill.h puts it) reaches its packet parser, which
       * rejects an empty packet and fails the script at once, where its
       * tun device would have timed out. */
      if (!pd->receive_failing)
        fprintf(stderr,
                "socklab packetdrill: netdev_receive: the stack will send "
                "nothing more (%s; virtual time %" PRIu64 ".%06" PRIu64
                " s); reporting an empty packet, which packetdrill calls "
                "\"packet of 0 bytes\"\n",
                d == SL__TIME_NEVER
                    ? "no packet queued, no timer pending, no other call "
                      "sent one meanwhile"
                    : "its timers ran for an hour of virtual time and "
                      "sent nothing",
                pd->now_us / 1000000, pd->now_us % 1000000);
      pd->receive_failing = 1;
      sl__pd_unlock(pd);
      *count = 0;
      return 0;
    }
    wait_for_output(pd);
    waited = 1;
  }
  pd->out_head = p->next;
  if (pd->out_head == NULL)
    pd->out_tail = NULL;
  pd->out_len--;
  pd->receive_failing = 0;
  sl__pd_unlock(pd);
  if (p->len > *count) {
    fprintf(stderr,
            "socklab packetdrill: netdev_receive: a %zu-byte packet does "
            "not fit in %zu bytes; dropped\n",
            p->len, *count);
    free(p);
    *count = 0;
    errno = EMSGSIZE;
    return -1;
  }
  memcpy(buf, p->bytes, p->len);
  *count = p->len;
  *time_usecs = (long long)p->time_us;
  free(p);
  return 0;
fail:
  sl__pd_unlock(pd);
  *count = 0;
  errno = err;
  return -1;
}

/* ---- descriptors ----------------------------------------------------- */

struct sl__pd_sock *
sl__pd_sock_get(struct sl__pd *pd, int fd)
{
  if (fd < 0 || fd >= SL__PD_MAX_FD)
    return NULL;
  return pd->fds[fd];
}

struct sl__pd_sock *
sl__pd_sock_new(struct sl__pd *pd, int type, int *err)
{
  struct sl__pd_sock *s;
  int fd;

  /* A real descriptor, so the number is ours while the socket lives and
   * packetdrill can treat it as any other. */
  fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *err = -errno;
    return NULL;
  }
  if (fd >= SL__PD_MAX_FD) {
    close(fd);
    *err = -EMFILE;
    return NULL;
  }
  s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    *err = -ENOMEM;
    return NULL;
  }
  if (pd->fds[fd] != NULL) {
    /* Someone closed our descriptor behind our back and the kernel gave
     * the number out again: that socket is lost. */
    struct sl__pd_sock *old = pd->fds[fd];

    fprintf(stderr,
            "socklab packetdrill: descriptor %d was closed without "
            "close(); dropping the socket it held\n",
            fd);
    if (old->tcb != NULL)
      sl__tcp_abort(old->tcb);
    if (old->udp != NULL)
      sl__udp_close(old->udp);
    old->tcb = NULL;
    old->udp = NULL;
    pd->fds[fd] = NULL;
    if (old->waiters > 0)
      old->closed = 1;
    else
      free(old);
    pd->changed = 1; /* its waiters must see it closed */
  }
  s->fd = fd;
  s->type = type;
  pd->fds[fd] = s;
  return s;
}

void
sl__pd_sock_release(struct sl__pd *pd, struct sl__pd_sock *s)
{
  if (s->fd >= 0 && s->fd < SL__PD_MAX_FD && pd->fds[s->fd] == s) {
    pd->fds[s->fd] = NULL;
    close(s->fd);
  }
  s->fd = -1;
  s->tcb = NULL;
  s->udp = NULL;
  if (s->waiters > 0) {
    s->closed = 1; /* the last thread asleep on it frees it */
    pd->changed = 1;
  } else {
    free(s);
  }
}

int
sl__pd_wait(struct sl__pd *pd, struct sl__pd_sock *s, unsigned ms)
{
  struct timespec ts;
  int r;

  if (pd->closing)
    return -EINTR;
  /* What this call changed (a read that opened the window) wakes the
   * others before we sleep: nobody would broadcast it otherwise. */
  if (pd->changed)
    wake_all(pd);
  if (ms > 0)
    deadline_after(&ts, ms);
  this_thread.slept = 1;
  if (s != NULL)
    s->waiters++;
  r = sleep_on_cond(pd, ms > 0 ? &ts : NULL);
  if (s != NULL)
    s->waiters--;
  if (pd->closing)
    r = -EINTR;
  else
    r = r == ETIMEDOUT ? -ETIMEDOUT : 0;
  if (s != NULL && s->closed) {
    if (s->waiters == 0)
      free(s);
    return -EBADF;
  }
  /* Timers that came due while we slept run before the caller looks. */
  if (r == 0)
    sl__host_poll(pd->host, pd->now_us);
  return r;
}

/* ---- the entry point ------------------------------------------------- */

/* packetdrill fills the struct by position: 33 pointers, in its order. */
_Static_assert(sizeof(struct packetdrill_interface) == 33 * sizeof(void *),
               "struct packetdrill_interface differs from packetdrill's");

__attribute__((visibility("default"))) void
packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
  struct sl__pd *pd;
  int r;

  memset(ifc, 0, sizeof *ifc);
  r = sl__pd_new(flags, &pd);
  if (r < 0) {
    /* The interface has no way to report failure, and going on would test
     * a stack configured differently from what the script asked for. */
    fprintf(stderr, "packetdrill_interface_init: giving up: %s\n",
            strerror(-r));
    abort();
  }
  ifc->userdata = pd;
  ifc->free = sl__pd_free;
  ifc->netdev_send = sl__pd_netdev_send;
  ifc->netdev_receive = sl__pd_netdev_receive;
  ifc->usleep = sl__pd_usleep;
  ifc->gettimeofday = sl__pd_gettimeofday;
  sl__pd_socket_ops(ifc);
}
