; stale.s: writes to translated code that come from no store instruction
; of the guest's own.  Natively every write takes effect at the next fetch,
; whoever makes it; under --mode bt each of these reaches the translator
; through the CPU's one path for writes behind its back (cpu_phys_written,
; docs/bt.md), which drops the stale translation before the guest runs
; another instruction:
;
;   1. the page walker's accessed and dirty bits: a page of code is also a
;      page table, and one word is both an instruction (opcode 0, illegal:
;      the trap shows the word in CR[badva]) and a PTE.  A load through it
;      sets A, a store D, and the next run of the word must trap with the
;      new word (under bt the monitor's software walk sets them)
;   2. an emulated pushf (--isa strict: pushf traps and the monitor stores
;      the flags for the guest) whose stack runs into code: the pushed
;      flags word replaces a translated instruction
;
;   bin/vasm -I tests/guests tests/vmm/bt/stale.s -o stale.img
;   bin/vmm --mode bt --isa strict stale.img    (the same as --mode native)

.include "testlib.inc"

.equ CODE1, TL_FRAMES + 0x5000   ; a page of code that is also a page table
.equ WORD1, CODE1 + 20           ; word 5: an instruction and a PTE
.equ PTVA, 0x40400000            ; the 4 MiB region CODE1 maps as a table
.equ VA1, PTVA + 5 * PAGE_SIZE   ; the address word 5 maps
.equ PTE1, TL_FRAMES | PTE_V | PTE_W  ; word 5: opcode 0, a valid PTE
.equ CODE2, TL_FRAMES + 0x6000   ; a routine the stack runs into

test_main:
    push lr

    ; 1. accessed and dirty bits in a word of code
    li r1, WORD1
    li r2, PTE1
    sw r2, 0(r1)
    lw r2, insn_ret(zero)
    sw r2, 4(r1)
    callr r1
    lw r9, tl_badva(zero)
    EXPECT_EQ r9, PTE1, "the word runs: an illegal instruction, itself in CR[badva]"
    call tl_paging_on
    li r1, TL_PGDIR + 4 * (PTVA >> 22)
    li r2, CODE1 | PTE_V         ; the code page is a page table too
    sw r2, 0(r1)
    tlbflush
    li r1, WORD1
    callr r1
    lw r9, tl_badva(zero)
    EXPECT_EQ r9, PTE1, "translated, mapped as a table, not used yet: unchanged"
    li r1, VA1
    lw r2, 0(r1)                 ; the walker sets A in word 5
    li r1, WORD1
    callr r1
    lw r9, tl_badva(zero)
    EXPECT_EQ r9, PTE1 | PTE_A, "a load through it set A: the new word runs"
    li r1, VA1
    sw r2, 0(r1)                 ; and D
    li r1, WORD1
    callr r1
    lw r9, tl_badva(zero)
    EXPECT_EQ r9, PTE1 | PTE_A | PTE_D, "a store through it set D: the new word runs"
    li r1, WORD1
    lw r9, 0(r1)
    EXPECT_EQ r9, PTE1 | PTE_A | PTE_D, "and memory holds it"
    mtc paging, zero

    ; 2. a pushf whose stack runs into code
    li r1, CODE2
    lw r2, insn_inc(zero)
    sw r2, 0(r1)
    lw r2, insn_ret(zero)
    sw r2, 4(r1)
    li r9, 0
    callr r1
    EXPECT_EQ r9, 1, "the routine runs"
    li r9, 0
    li r1, CODE2
    callr r1
    EXPECT_EQ r9, 1, "and again, translated"
    mov r10, sp
    li sp, CODE2 + 4
    pushf                        ; the flags land on the routine's first word
    mov sp, r10
    li r9, 0
    li r1, CODE2
    callr r1
    EXPECT_EQ r9, 0, "the pushed flags run, not the old instruction"
    lw r9, tl_badva(zero)
    li r1, CODE2
    lw r10, 0(r1)
    EXPECT_EQR r9, r10, "an illegal instruction: the flags word itself"

    pop lr
    ret

insn_ret: ret
insn_inc: addi r9, r9, 1
