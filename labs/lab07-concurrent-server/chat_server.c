/* chat_server PORT: a chat room in one thread.  sl_poll waits on the
 * listening socket and every client at once; each complete line from a
 * client goes to every other client.  Lab 07 starter code: it listens,
 * but serves nobody yet. */
#include <socklab.h>
#include <stdio.h>
#include <string.h>

#define MAX_CLIENTS  1024
#define LINE_MAX_LEN 4096 /* a client's unfinished line may grow this big */

/* TODO(lab07): what the server keeps per client: its descriptor and the
 * bytes of a line that has not seen its newline yet. */

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: chat_server PORT\n");
    return 1;
  }
  int lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 128));
  /* TODO(lab07): loop forever around one sl_poll(fds, n, -1) over lfd and
   * every client (timeout -1: sleep until something happens, never spin):
   *  - lfd readable: sl_accept a new client, add it to the array.
   *  - a client readable (or POLLHUP/POLLERR): one sl_recv appended to its
   *    buffer; send each complete line to every other client; keep the
   *    rest for next time.  0 or an error such as ECONNRESET: drop that
   *    client only (close it, remove it) and carry on.
   *  - sending to a client that stopped reading must not block the room:
   *    sl_send(..., MSG_DONTWAIT), and drop the client when it fails. */
  fprintf(stderr, "chat_server: serving is not implemented yet\n");
  sl_close(lfd);
  return 1;
}
