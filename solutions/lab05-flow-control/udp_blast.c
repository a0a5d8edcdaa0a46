/* udp_blast.c: lab05 helper, the UDP twin of nb_sender.  Sends COUNT
 * datagrams of SIZE bytes to HOST PORT as fast as it can.  Nothing tells
 * it whether the receiver had room for them. */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
  char buf[65507];
  long count, size, sent = 0;
  int fd;

  if (argc != 5 || (count = atol(argv[3])) <= 0 ||
      (size = atol(argv[4])) <= 0 || size > (long)sizeof buf) {
    fprintf(stderr, "usage: udp_blast HOST PORT COUNT SIZE (SIZE <= %zu)\n",
            sizeof buf);
    return 1;
  }
  memset(buf, 'u', (size_t)size);
  fd = SL_TRY(sl_udp_connect(argv[1], argv[2]));
  for (; sent < count; sent++)
    SL_TRY(sl_send(fd, buf, (size_t)size, 0));
  printf("sent %ld datagrams (%ld bytes)\n", sent, sent * size);
  sl_close(fd);
  return 0;
}
