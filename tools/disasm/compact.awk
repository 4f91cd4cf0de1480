#!/usr/bin/awk -f
# Compacts `objdump -d -M intel --no-show-raw-insn` output (see regenerate.sh); any awk will do
# (mawk is enough: hex numbers are parsed by hand).
function hex(s,    i, c, v) {
    v = 0
    s = tolower(s)
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1)) - 1
        v = v * 16 + c
    }
    return v
}
function flush(next_addr) {
    if (have) {
        printf "%d %s\n", next_addr - addr, text
        have = 0
    }
}
/^[0-9a-f]+ <.*>:$/ {
    a = hex($1)
    flush(a)
    name = $2
    sub(/^</, "", name)
    sub(/>:$/, "", name)
    printf "@%s %s\n", $1, name
    next
}
/^ *[0-9a-f]+:\t/ {
    split($0, parts, "\t")
    a = $1
    sub(/:$/, "", a)
    a = hex(a)
    flush(a)
    t = parts[2]
    for (i = 3; i in parts; i++) t = t " " parts[i]
    gsub(/[ \t]+/, " ", t)
    sub(/ $/, "", t)
    # branch targets: "c0100123 <sym+0x12>" -> "0xc0100123"
    if (match(t, /[0-9a-f]+ <[^>]*>$/)) {
        tgt = substr(t, RSTART, RLENGTH)
        sub(/ <.*/, "", tgt)
        t = substr(t, 1, RSTART - 1) "0x" tgt
    }
    addr = a
    text = t
    have = 1
    next
}
END { flush(end + 0) }
