/* A strict JSON validator (RFC 8259) and a UTF-8 check, enough to check
 * the grader's results writers: shared by the Check tests
 * (check_grade.c) and the fuzz target tests/fuzz/fuzz_results.c. */
#include <string.h>

#include "json_check.h"

static const char *json_value(const char *p);

static const char *
ws(const char *p)
{
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
    p++;
  return p;
}

/* Valid UTF-8, no raw control characters, valid escapes. */
static const char *
json_string(const char *p)
{
  const unsigned char *s = (const unsigned char *)p;

  if (*s++ != '"')
    return NULL;
  while (*s != '"') {
    if (*s < 0x20)
      return NULL;
    if (*s == '\\') {
      s++;
      if (*s == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == 0)
            return NULL;
        s += 5;
      } else if (*s && strchr("\"\\/bfnrt", *s)) {
        s++;
      } else {
        return NULL;
      }
    } else if (*s < 0x80) {
      s++;
    } else {
      int n = (*s & 0xe0) == 0xc0   ? 1
              : (*s & 0xf0) == 0xe0 ? 2
              : (*s & 0xf8) == 0xf0 ? 3
                                    : -1;
      if (n < 0)
        return NULL;
      for (int i = 1; i <= n; i++)
        if ((s[i] & 0xc0) != 0x80)
          return NULL;
      s += n + 1;
    }
  }
  return (const char *)s + 1;
}

static const char *
json_number(const char *p)
{
  const char *start = p;

  if (*p == '-')
    p++;
  while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
         *p == '+' || *p == '-')
    p++;
  return p > start ? p : NULL;
}

static const char *
json_container(const char *p, char open, char close, int object)
{
  if (*p++ != open)
    return NULL;
  p = ws(p);
  if (*p == close)
    return p + 1;
  for (;;) {
    if (object) {
      if ((p = json_string(ws(p))) == NULL)
        return NULL;
      p = ws(p);
      if (*p++ != ':')
        return NULL;
    }
    if ((p = json_value(ws(p))) == NULL)
      return NULL;
    p = ws(p);
    if (*p == close)
      return p + 1;
    if (*p++ != ',')
      return NULL;
  }
}

static const char *
json_value(const char *p)
{
  p = ws(p);
  if (*p == '"')
    return json_string(p);
  if (*p == '{')
    return json_container(p, '{', '}', 1);
  if (*p == '[')
    return json_container(p, '[', ']', 0);
  if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
    return p + 4;
  if (strncmp(p, "false", 5) == 0)
    return p + 5;
  return json_number(p);
}

/* Is text all valid UTF-8 (no overlong forms or surrogates needed
 * here: the writers drop anything doubtful)? */
int
utf8_valid(const char *text)
{
  for (const unsigned char *s = (const unsigned char *)text; *s;) {
    int n = *s < 0x80             ? 0
            : (*s & 0xe0) == 0xc0 ? 1
            : (*s & 0xf0) == 0xe0 ? 2
            : (*s & 0xf8) == 0xf0 ? 3
                                  : -1;
    if (n < 0)
      return 0;
    for (int i = 1; i <= n; i++)
      if ((s[i] & 0xc0) != 0x80)
        return 0;
    s += n + 1;
  }
  return 1;
}

int
json_valid(const char *text)
{
  const char *end = json_value(text);

  return end != NULL && *ws(end) == '\0';
}
