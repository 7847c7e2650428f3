/* status.h: the exit statuses of every program of the kit, one table.
 *
 * Unix convention (BSD's sysexits.h): 0 is success, 64 to 78 say what went
 * wrong in terms a script can act on, and each program keeps 1 to 63 for a
 * result of its own.  Only vmm and vdb have such results:
 *
 *    0      success
 *    1..63  vmm: the guest halted with this code; vdb: quit N, or 1 when a
 *           scripted command failed
 *   64..79  trouble, the rows below with a number of their own
 *
 * A guest may halt with any 32-bit code, but an exit status is one byte,
 * and a code of 64 or more would read as one of the monitor's own
 * statuses (a guest halting with 70 would look like a guest that wrecked
 * its machine).  So vmm maps a halt code as cli_guest_status() does: 0 to
 * 63 pass through, anything else exits 79, and the code itself is printed
 * on standard error and kept in --stats-json's halt_code.
 *
 * docs/exit-status.md and each man page's EXIT STATUS section show this
 * table, row for row, for the programs that give each status; the
 * conformance suite (tests/tools/test_conform.c) checks both, and that
 * every status a program gives in the tests is one its page documents.
 *
 * X(NAME, FIRST, LAST, PROGRAMS, MEANING): statuses FIRST to LAST (one row is
 * a range); PROGRAMS, the programs that can give them; MEANING, the text
 * the documents show. */
#ifndef CLI_STATUS_H
#define CLI_STATUS_H

#include <stdint.h>

#define CLI_STATUSES(X)                                                                                \
  X(OK, 0, 0, "vasm vdis vmm vdb vgen",                                                                \
    "Success")                                                                                         \
  X(RESULT, 1, 63, "vmm vdb",                                                                          \
    "For vmm, the guest halted with this code (halt rN; a guest that halts with 0 gives 0); for vdb, " \
    "quit N gave it, or 1 means a command of a script or of --batch failed")                           \
  X(USAGE, 64, 64, "vasm vdis vmm vdb vgen",                                                           \
    "Bad command line: an unknown option, an option without its argument, a bad value, an output file" \
    " that is also an input (one line on standard error)")                                             \
  X(DATAERR, 65, 65, "vasm vdis vmm vdb",                                                              \
    "An input is malformed: errors in the assembly source, an invalid image, an image that does not "  \
    "fit in memory, a bad --cost or --config file")                                                    \
  X(NOINPUT, 66, 66, "vasm vdis vmm vdb",                                                              \
    "An input cannot be read: it does not exist, is a directory, or is not readable")                  \
  X(GUEST, 70, 70, "vmm",                                                                              \
    "The guest wrecked its machine: a trap with no trap vector, a double fault, or wfi with nothing "  \
    "that could wake it (a reason and a register dump follow on standard error)")                      \
  X(OSERR, 71, 71, "vasm vdis vmm vdb vgen",                                                           \
    "The host is out of memory")                                                                       \
  X(CANTCREAT, 73, 73, "vasm vmm vgen",                                                                \
    "An output file cannot be created")                                                                \
  X(IOERR, 74, 74, "vasm vdis vmm vdb vgen",                                                           \
    "An output cannot be written (standard output included)")                                          \
  X(STEPS, 75, 75, "vmm",                                                                              \
    "--max-steps ran out (one line and a register dump on standard error)")                            \
  X(DIVERGED, 76, 76, "vmm",                                                                           \
    "--lockstep: native and the mode diverged (the report follows on standard error), or the guest "   \
    "changed memory outside its own")                                                                  \
  X(HALT_CODE, 79, 79, "vmm",                                                                          \
    "The guest halted with a code of 64 or more, which would read as one of the statuses above; the "  \
    "code is on standard error and in --stats-json's halt_code")

enum cli_status {
#define CLI_STATUS_ENUM(name, status, last, programs, meaning) CLI_EX_##name = status,
  CLI_STATUSES(CLI_STATUS_ENUM)
#undef CLI_STATUS_ENUM
};

#define CLI_GUEST_MAX 63 /* the highest halt code that is its own exit status */

/* The exit status for a guest that halted with `code` (the header says why). */
static inline int cli_guest_status(uint32_t code) { return code <= CLI_GUEST_MAX ? (int)code : CLI_EX_HALT_CODE; }

#endif
