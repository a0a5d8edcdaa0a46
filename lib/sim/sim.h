/* The simulated link: an in-process virtual network that carries raw IPv4
 * datagrams between stack instances ("nodes") in virtual time, with seeded
 * fault injection (loss, duplication, reordering, corruption, delay,
 * jitter, bandwidth, MTU).  Pure: no threads, no clock, no I/O. */
#ifndef SOCKLAB_SIM_SIM_H
#define SOCKLAB_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

/* Virtual time is a uint64_t count of microseconds everywhere in the core;
 * SL__TIME_NEVER stands for "no deadline". */
#ifndef SL__TIME_NEVER
#define SL__TIME_NEVER UINT64_MAX
#endif

/* Packets shorter than an IPv4 header cannot be routed. */
#define SL__SIM_MIN_PKT 20
/* No IPv4 datagram is longer than this, whatever the configured MTU. */
#define SL__SIM_MAX_PKT 65535
/* Packets a directed pair's transmit queue holds when queue_limit is 0. */
#define SL__SIM_QUEUE_DEFAULT 1000

struct sl__sim;

/* What the sim needs from a node.  The sim never calls back into itself:
 * a node may call sl__sim_send() from input() and poll(); those packets
 * are queued and delivered by later steps, never recursively. */
struct sl__sim_node_ops {
  /* A packet arrived.  pkt is valid only during the call. */
  void (*input)(void *node, const uint8_t *pkt, size_t len, uint64_t now_us);
  /* Run every timer due at now_us.  May be NULL for a node without
   * timers. */
  void (*poll)(void *node, uint64_t now_us);
  /* When poll() next wants to run, or SL__TIME_NEVER.  Asked before every
   * step, so it may change at any time between steps.  May be NULL. */
  uint64_t (*next_deadline)(void *node);
};

/* How the wire misbehaves.  All zero is a perfect wire: no loss, no
 * delay, infinite bandwidth, no MTU (other than SL__SIM_MAX_PKT). */
struct sl__sim_faults {
  double loss;    /* probability a packet is lost on the wire */
  double dup;     /* probability a second copy arrives (1 us later + jitter) */
  double reorder; /* probability a packet is held back reorder_delay_us */
  double corrupt; /* probability one random bit of the packet flips */
  uint32_t delay_us;  /* one-way propagation delay */
  uint32_t jitter_us; /* extra delay, uniform in [0, jitter_us] */
  uint64_t rate_bps;  /* serialisation bandwidth in bit/s; 0 = infinite */
  uint32_t mtu;       /* larger packets are dropped; 0 = SL__SIM_MAX_PKT */
  /* How long a reordered packet is held; 0 = 3 * delay_us, or 1000 us
   * when delay_us is 0 too. */
  uint32_t reorder_delay_us;
  /* Packets the transmit queue holds (with rate_bps) before it drops the
   * newest (drop-tail); 0 = SL__SIM_QUEUE_DEFAULT. */
  uint32_t queue_limit;
};

/* What happened to a packet, as the tap reports it.  Drops and the three
 * alterations are decided when the packet is sent, so they are reported at
 * the send time; DELIVERED at the arrival time. */
enum sl__sim_event {
  SL__SIM_SENT,          /* handed to sl__sim_send() (before any check) */
  SL__SIM_DELIVERED,     /* given to the destination's input() */
  SL__SIM_DROP_SHORT,    /* shorter than SL__SIM_MIN_PKT */
  SL__SIM_DROP_NO_ROUTE, /* no node has the destination address */
  SL__SIM_DROP_MTU,      /* longer than the pair's MTU */
  SL__SIM_DROP_QUEUE,    /* transmit queue full (drop-tail) */
  SL__SIM_DROP_LOSS,     /* lost on the wire */
  SL__SIM_DUPLICATED,    /* a second copy will be delivered */
  SL__SIM_REORDERED,     /* held back so later packets overtake it */
  SL__SIM_CORRUPTED,     /* one bit flipped; pkt shows the damaged bytes */
  SL__SIM_EVENT_COUNT
};

/* Counters for the whole sim or one directed pair.  Once the sim is idle,
 * sent + duplicated == delivered + every drop_*. */
struct sl__sim_counters {
  uint64_t sent;            /* calls to sl__sim_send() */
  uint64_t bytes_sent;      /* their lengths summed */
  uint64_t delivered;       /* input() calls, duplicates included */
  uint64_t bytes_delivered; /* their lengths summed */
  uint64_t drop_loss;
  uint64_t drop_queue_full;
  uint64_t drop_mtu;
  uint64_t drop_no_route; /* whole sim only: there is no pair */
  uint64_t drop_short;    /* whole sim only: there is no pair */
  uint64_t duplicated;
  uint64_t reordered;
  uint64_t corrupted;
};

/* Observes the wire: called for every event above.  from/to are host
 * order; to is 0 for a short packet.  pkt is valid only during the call
 * (and may be NULL with len 0 for a short packet).  The tap only watches:
 * it must not call back into the sim. */
typedef void sl__sim_tap_fn(void *arg, uint64_t now_us, uint32_t from,
                            uint32_t to, const uint8_t *pkt, size_t len,
                            int event);

/* A new empty network at virtual time 0 whose every random decision comes
 * from seed.  NULL when out of memory. */
struct sl__sim *sl__sim_new(uint64_t seed);

/* Frees the sim and every packet still in flight.  Not from a callback. */
void sl__sim_free(struct sl__sim *sim);

uint64_t sl__sim_seed(const struct sl__sim *sim);
uint64_t sl__sim_now(const struct sl__sim *sim);

/* Packets in flight (scheduled for delivery). */
size_t sl__sim_pending(const struct sl__sim *sim);

/* Connects node at addr (host order).  ops is not copied and must outlive
 * the sim.  Nodes are polled in the order they were attached.  Returns 0,
 * -EINVAL (no ops or no input), -EEXIST (addr taken) or -ENOMEM. */
int sl__sim_attach(struct sl__sim *sim, uint32_t addr,
                   const struct sl__sim_node_ops *ops, void *node);

/* Puts a copy of pkt on the wire from from_addr (host order) towards the
 * IPv4 destination in bytes 16..19 of pkt.  Never fails: a packet that
 * cannot be carried is dropped and counted.  Every packet that gets past
 * the routing and MTU checks consumes exactly seven draws from the sim's
 * generator, so changing one fault probability does not shift the random
 * decisions taken for other packets. */
void sl__sim_send(struct sl__sim *sim, uint32_t from_addr, const uint8_t *pkt,
                  size_t len);

/* Sets the faults of every directed pair that has no override of its own.
 * Returns 0, or -EINVAL (and changes nothing) when a probability is not in
 * [0, 1]. */
int sl__sim_set_faults(struct sl__sim *sim, const struct sl__sim_faults *f);

/* Overrides the faults of the one direction from -> to (host order); a
 * NULL f removes the override.  Returns 0, -EINVAL or -ENOMEM. */
int sl__sim_set_pair_faults(struct sl__sim *sim, uint32_t from, uint32_t to,
                            const struct sl__sim_faults *f);

/* The faults in force for from -> to. */
void sl__sim_get_faults(const struct sl__sim *sim, uint32_t from, uint32_t to,
                        struct sl__sim_faults *out);

/* Installs (or, with NULL, removes) the tap. */
void sl__sim_set_tap(struct sl__sim *sim, sl__sim_tap_fn *tap, void *arg);

/* Printable name of an sl__sim_event ("sent", "drop-loss", ...). */
const char *sl__sim_event_name(int event);

void sl__sim_stats(const struct sl__sim *sim, struct sl__sim_counters *out);

/* Counters of the direction from -> to.  Returns 0, or -ENOENT (and zero
 * counters) when that pair has never carried or been configured. */
int sl__sim_pair_stats(const struct sl__sim *sim, uint32_t from, uint32_t to,
                       struct sl__sim_counters *out);

/* Virtual time of the next event: the earliest delivery or node deadline
 * (a deadline in the past counts as now), or SL__TIME_NEVER when idle. */
uint64_t sl__sim_next_event(struct sl__sim *sim);

/* Advances time to the next event and performs it: delivers one packet,
 * or polls every node whose deadline is due.  A delivery due at the same
 * time as a deadline goes first.  Returns 1, 0 when idle (nothing in
 * flight, no deadline), or -EBUSY when called from a node callback.
 *
 * A node still due right after being polled, with no input since, is not
 * polled again until the next microsecond: a node that never clears its
 * timer makes time crawl forward instead of hanging the loop. */
int sl__sim_step(struct sl__sim *sim);

/* Performs every event due at or before t_us, then sets the time to t_us.
 * Returns the number of steps, -EINVAL when t_us is in the past or is
 * SL__TIME_NEVER, or -EBUSY from a callback. */
int sl__sim_run_until(struct sl__sim *sim, uint64_t t_us);

/* Steps until done(arg) is true (checked before the first step and after
 * each), the sim is idle, or the next event lies beyond now + max_us; in
 * that last case the time becomes now + max_us.  done may be NULL.
 * Returns 1 if done, 0 otherwise, -EBUSY from a callback. */
int sl__sim_run(struct sl__sim *sim, int (*done)(void *arg), void *arg,
                uint64_t max_us);

#endif
