/* Text inside the SVG that socklab draws (ladders, the state diagram):
 * names and notes come from traces, which any program may write. */
#ifndef SOCKLAB_OBS_XML_H
#define SOCKLAB_OBS_XML_H

#include <stdio.h>

/* Writes s (NULL: "") as XML character data or an attribute value:
 * < > & " as entities, control characters but tab and newline as '?',
 * invalid UTF-8 as U+FFFD.  The grader's reports escape the same way
 * (gr_xml_str, lib/grade/results.c). */
void sl__xml_str(FILE *f, const char *s);

#endif
