; smc.s: code that changes after it ran, the binary translator's hardest
; case (docs/bt.md).  Natively every store takes effect at the next fetch;
; under --mode bt the monitor must notice each write to code it translated
; and translate afresh, so that the output is the same in both modes:
;
;   1. a store rewrites the next instruction of its own block
;   2. a store rewrites the first instruction of a function that ran before,
;      a whole word and then one byte of its immediate
;   3. a new program is copied into a page that held another, and run
;   4. with paging on, one virtual page is mapped in turn to two frames
;      holding two programs (same pc, other code: the cache key must hold
;      the physical page too), and back
;   5. data sharing a page with code is written often: no translation may
;      be lost for it, and nothing may change
;   6. a user program rewrites code the kernel ran (a frame mapped twice),
;      so the write comes from native user mode, not from translated code
;
;   bin/vasm -I tests/guests tests/vmm/bt/smc.s -o smc.img
;   bin/vmm --mode bt --stats smc.img    (the same output as --mode native)

.include "testlib.inc"

.equ BUF, TL_FRAMES              ; a page programs are loaded into
.equ FRAME_A, TL_FRAMES + 0x1000 ; two frames holding two programs
.equ FRAME_B, TL_FRAMES + 0x2000
.equ VPAGE, TL_USER + 0x10000    ; the virtual page mapped to either
.equ FRAME_C, TL_FRAMES + 0x3000 ; kernel code the user may write ...
.equ UALIAS, TL_USER + 0x20000   ; ... through this user mapping
.equ USTACK, TL_FRAMES + 0x4000  ; the user's stack page

test_main:
    push lr

    ; 1. the next instruction of the running block (twice: the second time
    ; the block is translated already)
    call same_block
    EXPECT_EQ r9, 2, "store rewrites the next instruction of its own block"
    call same_block
    EXPECT_EQ r9, 2, "the same, translated already"

    ; 2. a function that ran before
    call f_value
    EXPECT_EQ r9, 1, "function before the rewrite"
    lw r1, insn_li3(zero)
    sw r1, f_value(zero)
    call f_value
    EXPECT_EQ r9, 3, "function after a word store to its code"
    li r1, 4
    sb r1, f_value(zero)         ; the low byte of its immediate
    call f_value
    EXPECT_EQ r9, 4, "function after a byte store to its code"

    ; 3. a new program in a page that held another
    la r1, prog_a
    la r2, prog_a_end
    li r3, BUF
    call copy
    li r1, BUF
    callr r1
    EXPECT_EQ r9, 0xa, "program A in the buffer page"
    la r1, prog_b
    la r2, prog_b_end
    li r3, BUF
    call copy
    li r1, BUF
    callr r1
    EXPECT_EQ r9, 0xb, "program B loaded over it"
    la r1, prog_a
    la r2, prog_a_end
    li r3, BUF
    call copy
    li r1, BUF
    callr r1
    EXPECT_EQ r9, 0xa, "program A again"

    ; 4. one virtual page, two frames
    call tl_paging_on
    la r1, prog_a
    la r2, prog_a_end
    li r3, FRAME_A
    call copy
    la r1, prog_b
    la r2, prog_b_end
    li r3, FRAME_B
    call copy
    li r1, VPAGE
    li r2, FRAME_A
    li r3, PTE_W
    call tl_map
    li r1, VPAGE
    callr r1
    EXPECT_EQ r9, 0xa, "virtual page on frame A"
    li r1, VPAGE
    li r2, FRAME_B
    li r3, PTE_W
    call tl_map
    li r1, VPAGE
    callr r1
    EXPECT_EQ r9, 0xb, "the same virtual page on frame B"
    li r1, VPAGE
    li r2, FRAME_A
    li r3, PTE_W
    call tl_map
    li r1, VPAGE
    callr r1
    EXPECT_EQ r9, 0xa, "and on frame A again"

    ; 5. data beside code, written often
    li r9, 50
1:  call count
    addi r9, r9, -1
    cmpi r9, 0
    bne 1b
    lw r9, counter(zero)
    EXPECT_EQ r9, 50, "a counter beside code, written 50 times"
    call f_value
    EXPECT_EQ r9, 4, "the code beside it is unchanged"

    ; 6. a user program rewrites kernel code through a second mapping
    la r1, prog_a
    la r2, prog_a_end
    li r3, FRAME_C
    call copy
    li r1, FRAME_C
    callr r1
    EXPECT_EQ r9, 0xa, "kernel runs the code in frame C"
    la r1, upage
    mov r2, r1
    li r3, PTE_U
    call tl_map
    li r1, USTACK
    li r2, USTACK
    li r3, PTE_U | PTE_W
    call tl_map
    li r1, UALIAS
    li r2, FRAME_C
    li r3, PTE_U | PTE_W
    call tl_map
    lw r4, insn_li12(zero)
    li r5, UALIAS
    la r1, u_poke
    li r2, USTACK + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_SYSCALL, "user stores into frame C"
    li r1, FRAME_C
    callr r1
    EXPECT_EQ r9, 12, "kernel runs what the user wrote"

    pop lr
    ret

; Put "li r9, 1" back at 1f, then overwrite it with "li r9, 2" and fall
; into it: both stores hit the block that is running.
same_block:
    lw r1, insn_li1(zero)
    sw r1, 1f(zero)
    lw r1, insn_li2(zero)
    sw r1, 1f(zero)
1:  addi r9, zero, 1
    ret

f_value:
    addi r9, zero, 1
    ret

; copy: words from r1 up to r2, to r3.
copy:
    lw r4, 0(r1)
    sw r4, 0(r3)
    addi r1, r1, 4
    addi r3, r3, 4
    cmp r1, r2
    bltu copy
    ret

count:
    lw r1, counter(zero)
    addi r1, r1, 1
    sw r1, counter(zero)
    ret
counter: .word 0

; Instruction words to store, and two programs to load (position-
; independent: no absolute addresses).
insn_li1: addi r9, zero, 1
insn_li2: addi r9, zero, 2
insn_li3: addi r9, zero, 3
insn_li12: addi r9, zero, 12
prog_a:
    addi r9, zero, 0xa
    ret
prog_a_end:
prog_b:
    addi r9, zero, 5
    addi r9, r9, 6
    ret
prog_b_end:

; User code, in a page of its own: store r4 at r5, then a system call.
    .align PAGE_SIZE
upage:
u_poke:
    sw r4, 0(r5)
    syscall
    .align PAGE_SIZE
