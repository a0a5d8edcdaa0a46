/* Questions to the hub a process is a member of (link_hub.c), each on a
 * socket of its own, apart from the link's: who has a name, who listens
 * on a localhost port, and claiming and releasing such ports.  The
 * protocol is lib/hub/proto.h. */
#ifndef SOCKLAB_LINK_HUB_CLIENT_H
#define SOCKLAB_LINK_HUB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

/* Any control question (CLAIM, RELEASE, WHO...): 0 with the answer, or a
 * negative errno. */
int sl__hub_ask(const struct sl__link_config *cfg, const char *q, char *answer,
                size_t len);

/* Asks the hub of cfg for the address of name.  0 and *addr, -ENOENT
 * when the hub knows no such name, or another negative errno. */
int sl__hub_resolve(const struct sl__link_config *cfg, const char *name,
                    uint32_t *addr);

/* Which member listens on localhost's tcp (or udp) port: -ENOENT when
 * none does. */
int sl__hub_who(const struct sl__link_config *cfg, int tcp, uint16_t port,
                uint32_t *addr);

#endif
