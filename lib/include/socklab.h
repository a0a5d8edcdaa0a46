/* socklab: sockets you can see into.  Include this one header.
 *
 *   socklab/socket.h  the BSD mirror: sl_socket, sl_connect, ... and the
 *                     SOCKLAB_STACK dispatch between the two stacks
 *   socklab/net.h     helpers: listen/connect by host and port, readn,
 *                     writen, address formatting, connect with a timeout
 *   socklab/reader.h  a per-descriptor buffered line reader
 *   socklab/error.h   readable errors and SL_TRY
 *   socklab/tcp.h     TCP states, their names, the state of a descriptor
 *   socklab/netstat.h sl_netstat: what `socklab netstat` shows, from
 *                     inside a program
 *   socklab/version.h version numbers
 */
#ifndef SOCKLAB_H
#define SOCKLAB_H

#include "socklab/version.h"
#include "socklab/error.h"
#include "socklab/socket.h"
#include "socklab/net.h"
#include "socklab/reader.h"
#include "socklab/tcp.h"
#include "socklab/netstat.h"

#endif
