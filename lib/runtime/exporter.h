/* The server side of the export protocol (exporter.c): the runtime's
 * answers to netstat and the grader, and its trace callback, which feeds
 * SOCKLAB_TRACE and every netstat --watch. */
#ifndef SOCKLAB_RUNTIME_EXPORTER_H
#define SOCKLAB_RUNTIME_EXPORTER_H

#include <stdint.h>
#include <stdio.h>

#include "core/stack.h"

struct sl__rt;

/* Listens on SOCKDIR/PID.sock: 0, or a negative errno (netstat will not
 * see this process; nothing else changes). */
int sl__exporter_open(struct sl__rt *rt);
/* Answers the connection waiting on the socket (the runtime thread
 * calls it, with the lock held, when the socket is readable), as of
 * now_us on the runtime's clock. */
void sl__exporter_serve(struct sl__rt *rt, uint64_t now_us);
void sl__exporter_close(struct sl__rt *rt);
/* The answer to request, written to f, as of now_us; the lock held. */
void sl__exporter_answer(struct sl__rt *rt, const char *request, FILE *f,
                         uint64_t now_us);
/* The host's trace callback: the SOCKLAB_TRACE file and any watchers. */
void sl__exporter_trace(void *rt, const struct sl__event *ev);

#endif
