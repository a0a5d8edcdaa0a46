/* file_server PORT DIR: receives files over TCP, one client at a time, and
 * writes them into DIR.  Each file arrives framed: 4-byte big-endian name
 * length, name, 8-byte big-endian size, contents.  Lab 06 starter code:
 * it accepts clients, but does not receive anything yet. */
#include <socklab.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 255 /* the longest name the protocol allows */

/* One client, start to end. */
static void
serve(int cfd, const char *dir)
{
  char peer[SL_ADDRSTRLEN];

  sl_peer_addr(cfd, peer, sizeof peer);
  (void)dir;
  /* TODO(lab06): read the files of this client until its end of file:
   *  - the 4-byte name length: one sl_recv may return fewer bytes than
   *    you asked for; sl_readn(cfd, buf, 4) loops until all 4 are there
   *    (and returns 0 at a clean end of file: the client is done).
   *  - decode it as big-endian yourself (or ntohl): never memcpy into an
   *    int, whose byte order is the host's.
   *  - reject (message on stderr, close, serve the next client) a length
   *    of 0 or > NAME_MAX_LEN, a name with '/' or "..".
   *  - the name, the 8-byte size, then exactly size bytes into DIR/name.
   *  - end of file in the middle of a file: remove the partial file. */
  fprintf(stderr, "file_server: %s: receiving is not implemented yet\n", peer);
  /* TODO(lab06): reply "OK K\n" (K files), then wait for the client's
   * close (sl_recv returns 0) before closing: TIME_WAIT goes to the
   * client. */
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: file_server PORT DIR\n");
    return 1;
  }
  int lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 16));
  for (;;) {
    int cfd = SL_TRY(sl_accept(lfd, NULL, NULL));
    serve(cfd, argv[2]);
    sl_close(cfd);
  }
}
