# guest: kern
# status: 1
# Bad input: a one-line error each, and vdb goes on.
bogus
s
st
info
info bogus
catch
catch bogus
catch trap bogus
x/q 0x1000
x/0x 0x1000
x/g 0x1000
x 0x00400000
x 0x80000000
xp 0x100000
xh 0xfffffffc
x/2i 0xffffc
p
p/q 1
p 1 +
p (1
p 1 2
p $nosuch
p nosuch
p 1/0
p 0x
p 'ab'
p $9
break nosuch
watch 0x1002
delete 7
delete x
until
stepi 0
disassemble nosuch
disassemble 0x1000,0x1000
disassemble 0x80000000
translate
trace sideways
vm 2
vm
dot
dot bogus f
dot pt /nonexistent/dir/f.dot
source /nonexistent
help bogus
info registers r99
undisplay 4
reverse-stepi x
quit nosuch
p 42
