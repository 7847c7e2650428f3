/* vdb.c: bin/vdb's main.  Everything else is in the vdb_*.c modules (see
 * vdb.h), which the Check suite links too. */
#include <stdio.h>

#include "vdb.h"

int main(int argc, char **argv) { return vdb_main(argc, argv, stdout, stderr); }
