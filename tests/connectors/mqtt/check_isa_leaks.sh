#!/usr/bin/env bash
# check_isa_leaks.sh BINARY...: fails if AVX2 code of the JSON mapper's haswell kernel can run
# outside that kernel.
#
# The binaries target baseline x86-64; only json_kernel_haswell.cc is compiled for AVX2 (and BMI1,
# LZCNT, PCLMULQDQ), and it is entered only once the CPU has been checked. Its inline functions
# must therefore never stand in for the baseline copies other files use (see that file). This
# disassembles each binary and finds every function holding an instruction beyond baseline x86-64
# (a VEX or EVEX one, or a ymm/zmm register, or BMI, LZCNT, POPCNT, PCLMULQDQ, SSSE3 and SSE4
# instructions; not TZCNT, whose encoding is the "rep bsf" compilers emit for baseline x86-64). Each
# must be part of a dispatched kernel: its name involves mw::connectors::mqtt::kernel_haswell or one
# of simdjson's own kernels (simdjson::haswell, icelake, westmere, which simdjson enters only on a
# CPU that has them), or is the historian's SSE 4.2 CRC-32C (storage/codec/crc32c.cc, entered only
# once the CPU has been checked), so that only code holding those kernels' types can call it; or every
# reference to it comes from such functions (directly, or through functions that only they call).
# Anything else is reported. (The sanitizer and libFuzzer runtimes are left to the compiler.)
set -euo pipefail
if (($# == 0)); then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi
status=0
for binary in "$@"; do
  if ! out=$(objdump -d --no-show-raw-insn -C "$binary" | awk '
    function base(name) {
      sub(/\+0x[0-9a-f]+$/, "", name)
      sub(/ \[clone [^]]*\]$/, "", name)
      return name
    }
    BEGIN {
      # Beyond baseline x86-64 (SSE2) without a "v" prefix: BMI1/2, LZCNT, POPCNT, PCLMULQDQ, MOVBE,
      # SSSE3, SSE4.1 and SSE4.2 (the families above complete the list).
      n = split("andn bextr blsi blsmsk blsr lzcnt popcnt pclmulqdq pdep pext shlx shrx sarx rorx " \
                "mulx movbe crc32 pshufb palignr pmaddubsw pmulhrsw ptest pmulld pmuldq pcmpeqq pcmpgtq " \
                "packusdw extractps insertps mpsadbw phminposuw movntdqa pblendw pblendvb blendps " \
                "blendpd blendvps blendvpd dpps dppd roundss roundsd roundps roundpd pextrb pextrd " \
                "pextrq pinsrb pinsrd pinsrq pminsb pminsd pminuw pminud pmaxsb pmaxsd pmaxuw pmaxud", list, " ")
      for (i = 1; i <= n; ++i) beyond[list[i]] = 1
    }
    function allowed(name) {
      return index(name, "mqtt::kernel_haswell::") > 0 || index(name, "simdjson::haswell::") > 0 ||
             index(name, "simdjson::icelake::") > 0 || index(name, "simdjson::westmere::") > 0 ||
             index(name, "storage::codec::(anonymous namespace)::UpdateSse42(") > 0
    }
    function ours(name) { return index(name, "mqtt::kernel_haswell::") > 0 }
    # 1 when `name` is a kernel function, or is referred to (by code) only from such functions.
    function kernel_only(name, depth,    i, result) {
      if (allowed(name)) return 1
      # The runtimes of the sanitizers and of libFuzzer come with the compiler.
      if (name ~ /^(__sanitizer_|__asan_|__ubsan_|__lsan_|__interceptor_|fuzzer::)/) return 1
      if (name in memo) return memo[name]
      if (!(name in nrefs) || depth > 20) return 0
      memo[name] = 0  # a cycle does not prove anything
      result = 1
      for (i = 1; i <= nrefs[name] && result; ++i) result = kernel_only(refs[name, i], depth + 1)
      memo[name] = result
      return result
    }
    /^[0-9a-f]+ <.*>:$/ {
      fn = $0
      sub(/^[0-9a-f]+ </, "", fn)
      sub(/>:$/, "", fn)
      fn = base(fn)
      next
    }
    fn != "" {
      n = split($0, field, "\t")
      if (n < 2) next
      insn = field[n]
      mnemonic = insn
      sub(/ .*/, "", mnemonic)
      if (mnemonic ~ /^v/ || insn ~ /%[yz]mm/ || mnemonic in beyond ||
          mnemonic ~ /^(phadd|phsub|pabs|psign|pmovsx|pmovzx|pcmpestr|pcmpistr)/) {
        if (!(fn in flagged)) flagged[fn] = insn
      }
      if (match(insn, / [0-9a-f]+ <.*>$/)) {
        target = substr(insn, RSTART, RLENGTH)
        sub(/^ [0-9a-f]+ </, "", target)
        sub(/>$/, "", target)
        target = base(target)
        # Each caller once, in an array rather than one growing string: a function called from
        # thousands of places (operator delete) made the appends quadratic.
        if (target != fn && !((target, fn) in seen)) {
          seen[target, fn] = 1
          refs[target, ++nrefs[target]] = fn
        }
      }
    }
    END {
      # A flagged function outside those names is fine if only kernel code refers to it, directly or
      # through functions that only kernel code refers to (e.g. a shared simdjson inline function
      # that only the haswell kernel calls, through another one).
      bad = 0
      for (f in flagged) {
        if (kernel_only(f, 0)) continue
        print "  " f ": " flagged[f]
        bad = 1
      }
      haswell = 0
      for (f in flagged) if (ours(f)) haswell++
      if (haswell == 0) {
        print "  no code of the haswell kernel at all: not the binary to check, or the kernel is not built in"
        bad = 1
      }
      exit bad
    }'); then
    echo "$binary: FAILED: instructions beyond baseline x86-64 outside the haswell JSON kernel:"
    echo "$out"
    status=1
  else
    echo "$binary: instructions beyond baseline x86-64 only in the haswell JSON kernel"
  fi
done
exit $status
