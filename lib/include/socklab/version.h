/* socklab version numbers, one place.  The CLI prints them with --version
 * and the pkg-config file carries the same string. */
#ifndef SOCKLAB_VERSION_H
#define SOCKLAB_VERSION_H

#define SL_VERSION_MAJOR  0
#define SL_VERSION_MINOR  1
#define SL_VERSION_PATCH  0
#define SL_VERSION_STRING "0.1.0"

/* The version of the library actually linked (may differ from the header
 * a program was compiled against). */
const char *sl_version(void);

#endif
