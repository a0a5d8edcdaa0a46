/* XML text for the SVG socklab draws (xml.h). */
#include <string.h>

#include "obs/xml.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
  size_t len;
  unsigned cp;

  if (s[0] < 0x80)
    return 1;
  if ((s[0] & 0xe0) == 0xc0)
    len = 2, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  /* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
      (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
      cp > 0x10ffff)
    return 0;
  return len;
}

void
sl__xml_str(FILE *f, const char *s)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);

  while (n > 0) {
    size_t len = utf8_len(p, n);
    if (len == 0 || (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
      fputs(len == 0 ? "\xef\xbf\xbd" : "?", f);
      p += len ? len : 1;
      n -= len ? len : 1;
      continue;
    }
    if (*p == '<')
      fputs("&lt;", f);
    else if (*p == '>')
      fputs("&gt;", f);
    else if (*p == '&')
      fputs("&amp;", f);
    else if (*p == '"')
      fputs("&quot;", f);
    else
      fwrite(p, 1, len, f);
    p += len;
    n -= len;
  }
}
