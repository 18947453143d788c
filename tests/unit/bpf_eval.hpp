// A classic-BPF evaluator for seccomp programs, so tests can check what a
// compiled filter returns for a syscall without loading it (the model is
// sandbox2's bpf_evaluator; this one is written for berth's tests).
//
// It accepts exactly the instructions the kernel's seccomp_check_filter()
// accepts (kernel/seccomp.c): 32-bit loads from seccomp_data, immediates,
// the 16-word scratch memory, ALU without MOD, forward jumps, TAX/TXA and
// RET.  Anything else, an out-of-range jump or load, or a program that can
// fall off its end is an error, so a test also catches a malformed program.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>

#include "src/runtime/base/result.hpp"

namespace berth::test {

inline seccomp_data syscall_data(int nr, uint32_t arch, std::initializer_list<uint64_t> args = {}) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = arch;
  size_t i = 0;
  for (uint64_t a : args) d.args[i++] = a;
  return d;
}

namespace bpf_detail {

inline Result<uint32_t> load_word(const seccomp_data& d, uint32_t offset) {
  // The kernel allows aligned 32-bit loads inside seccomp_data only.
  if (offset % 4 != 0 || offset > sizeof(seccomp_data) - 4)
    return fail("bpf: load at offset " + std::to_string(offset) + " outside seccomp_data");
  uint32_t w = 0;
  std::memcpy(&w, reinterpret_cast<const char*>(&d) + offset, sizeof(w));
  return w;
}

// One ALU operation; nullopt for division by a zero X, which ends a classic
// BPF program with 0 (SECCOMP_RET_KILL_THREAD).
inline Result<std::optional<uint32_t>> alu(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case BPF_ADD:
      return std::optional(a + operand);
    case BPF_SUB:
      return std::optional(a - operand);
    case BPF_MUL:
      return std::optional(a * operand);
    case BPF_DIV:
      if (operand == 0) return std::optional<uint32_t>();
      return std::optional(a / operand);
    case BPF_AND:
      return std::optional(a & operand);
    case BPF_OR:
      return std::optional(a | operand);
    case BPF_XOR:
      return std::optional(a ^ operand);
    case BPF_LSH:
    case BPF_RSH:
      if (operand >= 32) return fail("bpf: shift by " + std::to_string(operand));
      return std::optional(op == BPF_LSH ? a << operand : a >> operand);
    case BPF_NEG:
      return std::optional(0u - a);
    default:
      return fail("bpf: unsupported ALU op " + std::to_string(op));
  }
}

inline Result<bool> jump_taken(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case BPF_JEQ:
      return a == operand;
    case BPF_JGT:
      return a > operand;
    case BPF_JGE:
      return a >= operand;
    case BPF_JSET:
      return (a & operand) != 0;
    default:
      return fail("bpf: unsupported jump op " + std::to_string(op));
  }
}

// The registers and scratch memory of one run.
struct Machine {
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};

  Result<uint32_t*> scratch(uint32_t k) {
    if (k >= BPF_MEMWORDS) return fail("bpf: scratch index " + std::to_string(k));
    return &mem[k];
  }

  // LD, LDX, ST, STX and MISC: everything that moves data.
  Result<void> move(const sock_filter& in, const seccomp_data& d) {
    uint32_t* m = nullptr;
    if (in.code == (BPF_LD | BPF_MEM) || in.code == (BPF_LDX | BPF_MEM) || in.code == BPF_ST ||
        in.code == BPF_STX) {
      auto r = scratch(in.k);
      if (!r) return fail(std::move(r).error());
      m = *r;
    }
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS: {
        auto w = load_word(d, in.k);
        if (!w) return fail(std::move(w).error());
        a = *w;
        return {};
      }
      // The kernel rewrites LEN loads into immediates of sizeof(seccomp_data).
      case BPF_LD | BPF_W | BPF_LEN:
        a = sizeof(seccomp_data);
        return {};
      case BPF_LDX | BPF_W | BPF_LEN:
        x = sizeof(seccomp_data);
        return {};
      case BPF_LD | BPF_IMM:
        a = in.k;
        return {};
      case BPF_LDX | BPF_IMM:
        x = in.k;
        return {};
      case BPF_LD | BPF_MEM:
        a = *m;
        return {};
      case BPF_LDX | BPF_MEM:
        x = *m;
        return {};
      case BPF_ST:
        *m = a;
        return {};
      case BPF_STX:
        *m = x;
        return {};
      case BPF_MISC | BPF_TAX:
        x = a;
        return {};
      case BPF_MISC | BPF_TXA:
        a = x;
        return {};
      default:
        return fail("bpf: unsupported instruction " + std::to_string(in.code));
    }
  }
};

}  // namespace bpf_detail

// Runs `prog` on `d`; returns the 32-bit seccomp action value.
inline Result<uint32_t> evaluate(std::span<const sock_filter> prog, const seccomp_data& d) {
  using namespace bpf_detail;
  if (prog.empty() || prog.size() > BPF_MAXINSNS) return fail("bpf: bad program length");
  Machine vm;
  // Jumps are forward only (unsigned offsets), so this loop ends.
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& in = prog[pc];
    const std::string at = "bpf[" + std::to_string(pc) + "]";
    switch (BPF_CLASS(in.code)) {
      case BPF_ALU: {
        if (BPF_OP(in.code) == BPF_DIV && BPF_SRC(in.code) == BPF_K && in.k == 0)
          return fail(at + ": division by constant 0");
        auto r = alu(BPF_OP(in.code), vm.a, BPF_SRC(in.code) == BPF_X ? vm.x : in.k);
        if (!r) return fail(std::move(r).error().context(at));
        if (!*r) return 0u;
        vm.a = **r;
        break;
      }
      case BPF_JMP: {
        size_t offset = in.k;
        if (BPF_OP(in.code) != BPF_JA) {
          auto taken = jump_taken(BPF_OP(in.code), vm.a, BPF_SRC(in.code) == BPF_X ? vm.x : in.k);
          if (!taken) return fail(std::move(taken).error().context(at));
          offset = *taken ? in.jt : in.jf;
        }
        if (offset >= prog.size() - pc - 1) return fail(at + ": jump out of the program");
        pc += offset;
        break;
      }
      case BPF_RET:
        if (in.code == (BPF_RET | BPF_K)) return in.k;
        if (in.code == (BPF_RET | BPF_A)) return vm.a;
        return fail(at + ": unsupported return " + std::to_string(in.code));
      default:
        if (auto r = vm.move(in, d); !r) return fail(std::move(r).error().context(at));
        break;
    }
  }
  return fail("bpf: program falls off its end");
}

}  // namespace berth::test
