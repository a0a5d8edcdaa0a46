/* The pcap writer (pcap.h).  Fields are written in the host's byte order,
 * which the magic number announces, as libpcap itself does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "obs/pcap.h"

struct sl__pcap {
  FILE *f;
  int error; /* first write error, negative errno */
};

struct file_header {
  uint32_t magic;
  uint16_t major, minor;
  int32_t thiszone;
  uint32_t sigfigs, snaplen, linktype;
};

struct record_header {
  uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

struct sl__pcap *
sl__pcap_open(const char *path)
{
  struct file_header fh = {.magic = 0xa1b2c3d4,
                           .major = 2,
                           .minor = 4,
                           .snaplen = 65535,
                           .linktype = SL__PCAP_LINKTYPE_RAW};
  struct sl__pcap *p = calloc(1, sizeof *p);

  if (p == NULL)
    return NULL;
  p->f = fopen(path, "wb");
  if (p->f == NULL || fwrite(&fh, sizeof fh, 1, p->f) != 1) {
    int e = errno;
    if (p->f)
      fclose(p->f);
    free(p);
    errno = e;
    return NULL;
  }
  return p;
}

int
sl__pcap_write(struct sl__pcap *p, uint64_t time_us, const uint8_t *pkt,
               size_t len)
{
  struct record_header rh = {.ts_sec = (uint32_t)(time_us / 1000000),
                             .ts_usec = (uint32_t)(time_us % 1000000),
                             .incl_len = (uint32_t)len,
                             .orig_len = (uint32_t)len};

  if (p->error == 0 && (fwrite(&rh, sizeof rh, 1, p->f) != 1 ||
                        fwrite(pkt, 1, len, p->f) != len))
    p->error = -(errno ? errno : EIO);
  return p->error;
}

int
sl__pcap_close(struct sl__pcap *p)
{
  int e = p->error;

  if (fclose(p->f) != 0 && e == 0)
    e = -(errno ? errno : EIO);
  free(p);
  return e;
}
