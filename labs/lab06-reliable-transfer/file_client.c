/* file_client HOST PORT FILE...: sends files to file_server over one TCP
 * connection, each framed as 4-byte big-endian name length, name, 8-byte
 * big-endian size, contents; then shutdown(SHUT_WR), prints the server's
 * reply and closes.  Lab 06 starter code: it connects, nothing more. */
#include <socklab.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Sends one file.  Returns 0, or -1 after a message on stderr. */
static int
send_file(int fd, const char *path)
{
  (void)fd;
  /* TODO(lab06): the name is the base name of path (what follows the last
   * '/').  Send its length as 4 bytes big-endian, the name, the file's
   * size (fstat) as 8 bytes big-endian, then the contents.  sl_writen
   * sends all the bytes you give it, even when one send takes fewer. */
  fprintf(stderr, "file_client: %s: sending is not implemented yet\n", path);
  return -1;
}

int
main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: file_client HOST PORT FILE...\n");
    return 1;
  }
  int fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));
  for (int i = 3; i < argc; i++) {
    if (send_file(fd, argv[i]) < 0) {
      sl_close(fd);
      return 1;
    }
  }
  /* TODO(lab06): sl_shutdown(fd, SHUT_WR) ("no more files"), read the
   * server's reply line (sl_reader and sl_readline), print it, then close.
   * Exit status 0 only when the reply starts with "OK ". */
  sl_close(fd);
  return 1;
}
