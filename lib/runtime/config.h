/* The runtime's configuration, from the SOCKLAB_* environment variables
 * (config.c): which link, and the host's parameters. */
#ifndef SOCKLAB_RUNTIME_CONFIG_H
#define SOCKLAB_RUNTIME_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

struct sl__rt_config {
  struct sl__link_config link; /* SOCKLAB_LINK, SOCKLAB_ADDR,
                                  SOCKLAB_HOSTNAME */
  uint16_t mtu;                /* SOCKLAB_MTU */
  uint64_t msl_us;             /* SOCKLAB_MSL_MS */
  uint64_t rto_min_us;         /* SOCKLAB_RTO_MIN_MS, 0 = the default */
  uint64_t seed;               /* SOCKLAB_SEED, for ISNs and ports */
  int have_seed;
  char pcap[256];  /* SOCKLAB_PCAP, "" = none */
  char trace[256]; /* SOCKLAB_TRACE, "" = none */
};

/* Reads every SOCKLAB_* variable.  Returns 0, or -EINVAL with msg set to
 * "SOCKLAB_MTU=abc: expected ..." naming the variable and what it
 * accepts. */
int sl__rt_config_read(struct sl__rt_config *cfg, char *msg, size_t msglen);

#endif
