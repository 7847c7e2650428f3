# guest: kern
# input: x
# args: --checkpoint-interval 40 --checkpoints 4
# Going back: reverse-stepi, reverse-continue, the history.
reverse-stepi
stepi 10
reverse-stepi 3
p $tick
reverse-stepi 100
info history
break on_timer
continue
p $tick
continue
p $tick
continue
p $tick
info history
reverse-continue
p $tick
reverse-continue
p $tick
reverse-continue
p $tick
reverse-continue
p $tick
continue
p $tick
delete
continue
info history
reverse-stepi
x/i $pc
reverse-stepi 50
p $tick
watch sum
reverse-continue
p $tick
reverse-continue
p $tick
continue
p $tick
info history
