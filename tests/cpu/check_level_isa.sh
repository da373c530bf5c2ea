#!/usr/bin/env bash
# Machine-code check of runtime CPU dispatch (docs/cpu-dispatch.md): in a linked program, AVX-512
# appears only in functions of the x86-64-v4 level and AVX/AVX2 only in the v3 and v4 levels, so the
# v2 and v3 paths cannot reach an instruction their CPUs lack. Every level's function carries its
# level in its name (loftq_x86_64_vN.<mangled name>), which is how the check attributes code.
# Also checks that each level really holds its instructions, so the check cannot pass vacuously.
# Usage: check_level_isa.sh PROGRAM [OBJDUMP]
set -euo pipefail
program=$1
objdump=${2:-objdump}
"$objdump" -d --no-show-raw-insn "$program" | awk '
    # AVX-512: zmm and mask registers, the upper 16 xmm/ymm registers, and EVEX-only instructions.
    function avx512(line) {
        return line ~ /%zmm|%k[0-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])[^0-9]|\{evex\}/ ||
               line ~ /\tv(pternlog|permt2|permi2|align[dq]|pro[lr]|pmov[a-z]*[bwdq]2m|pmovm2|rndscale|range|scalef|fixupimm|getexp|getmant|rcp14|rsqrt14|cvtt?p[sd]2u|cvtu|cvtt?[sp][sd]2qq|cvtqq|pabsq|pm(ax|in)[su]q|psraq|psravq|pmullq|(broadcast|extract|insert)[fi](32|64)x|compress|expand|conflict|plzcnt[dq]|pmov(s|us)?(db|dw|qb|qw|qd|wb) |dbpsadbw|pmultishift|perm[bw]|pshufbitqmb|popcnt[bwdq]|dpbusd|dpwssd)/
    }
    /^[0-9a-f]+ <.*>:$/ { fn = $2; level = fn ~ /^<loftq_x86_64_v4\./ ? 4 : fn ~ /^<loftq_x86_64_v3\./ ? 3 : fn ~ /^<loftq_x86_64_v2\./ ? 2 : 0; next }
    !/^ +[0-9a-f]+:\t/ { next }
    {
        n = split($0, parts, "\t"); insn = parts[n]
        if (avx512($0)) {
            seen512[level]++
            if (level != 4 && bad++ < 20) print "AVX-512 outside the v4 level in " fn ": " insn
        } else if (insn ~ /^v/ && insn !~ /^ver[rw]/) {
            seenAvx[level]++
            if (level < 3 && bad++ < 20) print "AVX outside the v3 and v4 levels in " fn ": " insn
        }
    }
    END {
        printf "AVX-512 instructions: v4 %d, v3 %d, v2 %d, generic %d\n", seen512[4], seen512[3], seen512[2], seen512[0]
        printf "AVX instructions:     v4 %d, v3 %d, v2 %d, generic %d\n", seenAvx[4], seenAvx[3], seenAvx[2], seenAvx[0]
        if (seen512[4] == 0 || seenAvx[3] == 0) { print "no level functions found: is this a dispatching, unstripped build?"; exit 1 }
        exit bad > 0
    }'
