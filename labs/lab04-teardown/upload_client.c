/* upload_client.c: lab04 starter.  Should send a file, half-close with
 * shutdown(SHUT_WR), print the server's reply line and close.  It only
 * opens the file and connects so far. */
#include <socklab.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  int file, fd;

  if (argc != 4) {
    fprintf(stderr, "usage: upload_client HOST PORT FILE\n");
    return 1;
  }
  if ((file = open(argv[3], O_RDONLY)) < 0) {
    fprintf(stderr, "upload_client: open %s: %s\n", argv[3], strerror(errno));
    return 1;
  }
  fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));

  /* TODO(lab04): send the whole file.  read() it in chunks and send each
   * chunk with sl_writen(), which retries short writes for you. */

  /* TODO(lab04): sl_shutdown(fd, SHUT_WR): our FIN tells the server the
   * upload is complete, and we can still read its reply. */

  /* TODO(lab04): read the reply line (struct sl_reader, sl_readline) and
   * print it; a server that closes without a reply is an error. */

  fprintf(stderr, "upload_client: not implemented yet (TODO(lab04))\n");
  sl_close(fd);
  close(file);
  return 1;
}
