/* guests.h: building blocks of the small paging guests (labs 4 and 5),
 * after tests/vmm/core/test_monitor.c's. */
#ifndef GUESTS_H
#define GUESTS_H

#include "blackbox.h"

/* putc-based printing: puthex (r1; clobbers r2, r3), `show REG`, `nl`. */
#define PRELUDE                                                      \
  "        .org 0x1000\n"                                            \
  "_start: jmp main\n"                                               \
  "puthex: li r2, 28\n"                                              \
  "1:      shr r3, r1, r2\n"                                         \
  "        andi r3, r3, 15\n"                                        \
  "        cmpi r3, 10\n"                                            \
  "        blt 2f\n"                                                 \
  "        addi r3, r3, 87\n"                                        \
  "        jmp 3f\n"                                                 \
  "2:      addi r3, r3, 48\n"                                        \
  "3:      out 0x00, r3\n"                                           \
  "        addi r2, r2, -4\n"                                        \
  "        cmpi r2, 0\n"                                             \
  "        bge 1b\n"                                                 \
  "        li r3, 32\n"                                              \
  "        out 0x00, r3\n"                                           \
  "        ret\n"                                                    \
  "        .macro show reg\n"                                        \
  "        mov r1, \\reg\n"                                          \
  "        call puthex\n"                                            \
  "        .endm\n"                                                  \
  "        .macro nl\n"                                              \
  "        li r3, 10\n"                                              \
  "        out 0x00, r3\n"                                           \
  "        .endm\n"

/* Identity-map 0..256K for the kernel (U=0, W, A, D) in the table at
 * 0x30000; the user table at 0x31000 maps 0x400000 -> 0x20000 (U, W, A,
 * D) and 0x401000 -> 0x21000 (U, read-only); directory at 0x32000. */
#define PAGING_SETUP                                                          \
  "        li r5, 0x30000\n"                                                  \
  "        li r6, 0x1b\n"                                                     \
  "        li r7, 64\n"                                                       \
  "1:      sw r6, 0(r5)\n"                                                    \
  "        addi r5, r5, 4\n"                                                  \
  "        li r8, 4096\n"                                                     \
  "        add r6, r6, r8\n"                                                  \
  "        addi r7, r7, -1\n"                                                 \
  "        cmpi r7, 0\n"                                                      \
  "        bne 1b\n"                                                          \
  "        li r5, 0x31000\n"                                                  \
  "        li r6, 0x2001f\n"                                                  \
  "        sw r6, 0(r5)\n"                                                    \
  "        li r6, 0x2101d\n"                                                  \
  "        sw r6, 4(r5)\n"                                                    \
  "        li r5, 0x32000\n"                                                  \
  "        li r6, 0x30001\n"                                                  \
  "        sw r6, 0(r5)\n"                                                    \
  "        li r6, 0x31001\n"                                                  \
  "        sw r6, 4(r5)\n"                                                    \
  "        mtc ptb, r5\n"                                                     \
  "        li r5, 1\n"                                                        \
  "        mtc paging, r5\n"

/* The handler: print cause and badva, skip the faulting instruction. */
#define SKIP_HANDLER                                                 \
  "handler: mfc r9, cause\n        show r9\n"                        \
  "        mfc r9, badva\n         show r9\n"                        \
  "        mfc r10, epc\n"                                           \
  "        addi r10, r10, 4\n"                                       \
  "        mtc epc, r10\n"                                           \
  "        iret\n"

#endif
