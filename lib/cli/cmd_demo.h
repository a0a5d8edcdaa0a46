/* What the two halves of socklab demo share: demo.c (the options and the
 * TCP connection) and demo_udp.c (--udp). */
#ifndef SOCKLAB_CLI_DEMO_H
#define SOCKLAB_CLI_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "obs/pcap.h"
#include "obs/trace.h"

/* The options beyond the run itself. */
struct cli_demo_opts {
  const char *trace, *svg, *pcap; /* where the outputs go; svg, pcap: NULL */
  int color;
  int zero_window; /* a server that stops reading */
  int udp;         /* datagrams instead of a connection */
  int step;        /* pause between the phases, for a lecture */
  int bytes_set;   /* --bytes given: --zero-window keeps it */
  int loss_set;    /* --loss given: --udp keeps it */
  int seed_set;    /* --seed given: --udp keeps it */
};

/* --step: "-- press Enter --", then waits for a line on stdin, terminal
 * or not (a script can feed the pauses); at its end it goes on at once.
 * Without --step, nothing. */
void cli_demo_pause(const struct cli_demo_opts *o);
/* Opens the trace and, when asked, the pcap; 0, or 1 after saying why. */
int cli_demo_open(const struct cli_demo_opts *o, struct sl__trace_file **trace,
                  struct sl__pcap **pcap);
/* Closes them after a run that returned r (0 or a negative errno); 0, or 1
 * after saying what failed.  The trace is the lesson: losing it fails. */
int cli_demo_close(const struct cli_demo_opts *o, struct sl__trace_file *trace,
                   struct sl__pcap *pcap, int r);
/* A sim tap that writes every packet sent to the pcap arg. */
void cli_demo_pcap_tap(void *arg, uint64_t now, uint32_t from, uint32_t to,
                       const uint8_t *pkt, size_t len, int event);

/* demo --udp: numbered datagrams over the lossy link, drawn and explained
 * like the connection.  Returns the exit status. */
int cli_demo_udp(const struct cli_demo_opts *o, uint64_t seed, double loss);

#endif
