/* The ladder diagram (ladder.c): one connection of a trace (TRACE.md)
 * drawn as the lecture notes draw it -- two time lines, the client on the
 * left, the server on the right, every segment an arrow, each side's
 * state beside its line -- as text in 80 columns or as SVG.  `socklab
 * ladder`, `socklab demo` and the grader's feedback draw with it.  Each
 * returns 0, or 1 after saying on stderr what is wrong. */
#ifndef SOCKLAB_OBS_LADDER_H
#define SOCKLAB_OBS_LADDER_H

#include <stdio.h>

/* Draws connection conn_no (from 1) of the trace at path. */
int sl__ladder_file(const char *path, int conn_no, int absolute, int color,
                    const char *svg); /* svg: write SVG there, NULL: text */
/* The same over several traces (one per process), merged by time. */
int sl__ladder_files(const char *const *paths, int npaths, int conn_no,
                     int absolute, int color, const char *svg);
/* The same over open streams; names[i] names files[i] in messages.  The
 * streams are read to their end (or to the first line that is not a
 * trace event) and left open. */
int sl__ladder_streams(FILE *const *files, const char *const *names, int nfiles,
                       int conn_no, int absolute, int color, const char *svg);
/* The text ladder's pieces, for a diagram no TCP trace gives (the demo's
 * datagrams): the two heading lines, an arrow from one time line to the
 * other (stopped short with an X when lost), a note beside one line. */
void sl__ladder_heading(int color, const char *client, const char *server);
void sl__ladder_arrow(int color, double t, const char *label, int from_client,
                      int lost);
void sl__ladder_note(int color, double t, int client_side, const char *text);

#endif
