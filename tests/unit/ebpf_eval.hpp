// A small eBPF interpreter for BPF_PROG_TYPE_CGROUP_DEVICE programs, so
// tests can ask what a generated device program decides without loading it
// (bpf_eval.hpp is its classic-BPF sibling for seccomp).
//
// It covers the subset the device program generator emits, and a little
// more: 64- and 32-bit ALU (MOV AND OR XOR ADD SUB LSH RSH) with immediate
// or register operands, JA, the conditional jumps JEQ JNE JGT JGE JLT JLE
// JSET, word/half/byte loads from the context (r1 at entry), and EXIT.
// Like the kernel's verifier (check_cfg, check_ctx_access, check_return_code)
// it rejects, before running, a jump out of range or backwards, an
// instruction no path reaches, a program that can fall off its end, and at
// run time a read of an uninitialized register, a load outside
// bpf_cgroup_dev_ctx or through anything but the context pointer, and an
// exit with r0 other than 0 or 1.  Anything else is an error too.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/runtime/base/result.hpp"

namespace berth::test {

inline bpf_cgroup_dev_ctx device_ctx(uint32_t type, uint32_t access, uint32_t major,
                                     uint32_t minor) {
  bpf_cgroup_dev_ctx c{};
  c.access_type = type | (access << 16);
  c.major = major;
  c.minor = minor;
  return c;
}

namespace ebpf_detail {

inline bool is_jump_class(uint8_t code) {
  return BPF_CLASS(code) == BPF_JMP;
}

// Structural checks, before any run: every jump lands inside the program
// and forward, every instruction is reachable, no path falls off the end.
inline Result<void> check_cfg(std::span<const bpf_insn> prog) {
  const size_t n = prog.size();
  if (n == 0) return fail("ebpf: empty program");
  std::vector<bool> seen(n, false);
  std::vector<size_t> work = {0};
  seen[0] = true;
  auto visit = [&](size_t from, int64_t to) -> Result<void> {
    if (to <= static_cast<int64_t>(from))
      return fail("ebpf: insn " + std::to_string(from) + ": backward or self jump");
    if (to >= static_cast<int64_t>(n))
      return fail("ebpf: insn " + std::to_string(from) + ": jump or fall-through past the end");
    if (!seen[static_cast<size_t>(to)]) {
      seen[static_cast<size_t>(to)] = true;
      work.push_back(static_cast<size_t>(to));
    }
    return {};
  };
  while (!work.empty()) {
    size_t pc = work.back();
    work.pop_back();
    const bpf_insn& i = prog[pc];
    const int64_t next = static_cast<int64_t>(pc) + 1;
    if (is_jump_class(i.code)) {
      uint8_t op = BPF_OP(i.code);
      if (op == BPF_EXIT) continue;
      BERTH_TRY(visit(pc, next + i.off));
      if (op != BPF_JA) BERTH_TRY(visit(pc, next));
    } else {
      BERTH_TRY(visit(pc, next));
    }
  }
  for (size_t pc = 0; pc < n; ++pc)
    if (!seen[pc]) return fail("ebpf: insn " + std::to_string(pc) + " unreachable");
  return {};
}

struct Reg {
  enum Kind { kUninit, kScalar, kCtx } kind = kUninit;
  uint64_t value = 0;  // scalar value, or offset into the context
};

inline Result<uint64_t> scalar(const Reg& r, size_t pc, int reg) {
  if (r.kind == Reg::kScalar) return r.value;
  return fail("ebpf: insn " + std::to_string(pc) + ": r" + std::to_string(reg) +
              (r.kind == Reg::kUninit ? " is uninitialized" : " is a pointer"));
}

inline Result<uint64_t> alu(uint8_t op, uint64_t a, uint64_t b, bool is64, size_t pc) {
  const unsigned width = is64 ? 64 : 32;
  uint64_t r = 0;
  switch (op) {
    case BPF_MOV:
      r = b;
      break;
    case BPF_AND:
      r = a & b;
      break;
    case BPF_OR:
      r = a | b;
      break;
    case BPF_XOR:
      r = a ^ b;
      break;
    case BPF_ADD:
      r = a + b;
      break;
    case BPF_SUB:
      r = a - b;
      break;
    case BPF_LSH:
    case BPF_RSH:
      if (b >= width)
        return fail("ebpf: insn " + std::to_string(pc) + ": shift by " + std::to_string(b));
      if (!is64) a &= 0xffffffffULL;
      r = op == BPF_LSH ? a << b : a >> b;
      break;
    default:
      return fail("ebpf: insn " + std::to_string(pc) + ": unsupported ALU op " +
                  std::to_string(op));
  }
  return is64 ? r : (r & 0xffffffffULL);
}

inline Result<bool> taken(uint8_t op, uint64_t a, uint64_t b, size_t pc) {
  switch (op) {
    case BPF_JEQ:
      return a == b;
    case BPF_JNE:
      return a != b;
    case BPF_JGT:
      return a > b;
    case BPF_JGE:
      return a >= b;
    case BPF_JLT:
      return a < b;
    case BPF_JLE:
      return a <= b;
    case BPF_JSET:
      return (a & b) != 0;
    default:
      return fail("ebpf: insn " + std::to_string(pc) + ": unsupported jump op " +
                  std::to_string(op));
  }
}

inline Result<void> load(Reg& dst, const Reg& src, const bpf_insn& i, const bpf_cgroup_dev_ctx& ctx,
                         size_t pc) {
  if (BPF_MODE(i.code) != BPF_MEM || src.kind != Reg::kCtx)
    return fail("ebpf: insn " + std::to_string(pc) + ": load not from the context");
  const int64_t size = BPF_SIZE(i.code) == BPF_W   ? 4
                       : BPF_SIZE(i.code) == BPF_H ? 2
                       : BPF_SIZE(i.code) == BPF_B ? 1
                                                   : 0;
  const int64_t off = static_cast<int64_t>(src.value) + i.off;
  if (size == 0 || off < 0 || off % size != 0 ||
      off + size > static_cast<int64_t>(sizeof(bpf_cgroup_dev_ctx)))
    return fail("ebpf: insn " + std::to_string(pc) + ": bad context load at " +
                std::to_string(off));
  uint32_t w = 0;
  std::memcpy(&w, reinterpret_cast<const char*>(&ctx) + off, static_cast<size_t>(size));
  dst = {Reg::kScalar, w};  // little-endian: the low bytes land in place
  return {};
}

}  // namespace ebpf_detail

// Runs a device program on `ctx`; returns r0 (0 deny, 1 allow) or why the
// program is invalid.
inline Result<uint64_t> run_device_program(std::span<const bpf_insn> prog,
                                           const bpf_cgroup_dev_ctx& ctx) {
  using namespace ebpf_detail;
  BERTH_TRY(check_cfg(prog));
  Reg regs[MAX_BPF_REG];
  regs[BPF_REG_1] = {Reg::kCtx, 0};
  for (size_t pc = 0, steps = 0; pc < prog.size(); ++steps) {
    if (steps > 1000000) return fail("ebpf: too many steps");
    const bpf_insn& i = prog[pc];
    const uint8_t cls = BPF_CLASS(i.code);
    if (i.dst_reg >= BPF_REG_10 || i.src_reg >= BPF_REG_10)
      return fail("ebpf: insn " + std::to_string(pc) + ": register out of range");
    Reg& dst = regs[i.dst_reg];
    const Reg& src = regs[i.src_reg];
    const bool use_reg = BPF_SRC(i.code) == BPF_X;
    // Immediates are sign-extended to 64 bits, as the kernel does.
    const uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    if (cls == BPF_LDX) {
      BERTH_TRY(load(dst, src, i, ctx, pc));
      ++pc;
    } else if (cls == BPF_ALU64 || cls == BPF_ALU) {
      const uint8_t op = BPF_OP(i.code);
      if (op == BPF_MOV && use_reg && src.kind == Reg::kCtx && cls == BPF_ALU64) {
        dst = src;  // pointer copy
        ++pc;
        continue;
      }
      uint64_t b = imm;
      if (use_reg) {
        auto v = scalar(src, pc, i.src_reg);
        if (!v) return fail(std::move(v).error());
        b = *v;
      }
      uint64_t a = 0;
      if (op != BPF_MOV) {
        auto v = scalar(dst, pc, i.dst_reg);
        if (!v) return fail(std::move(v).error());
        a = *v;
      }
      auto r = alu(op, a, b, cls == BPF_ALU64, pc);
      if (!r) return fail(std::move(r).error());
      dst = {Reg::kScalar, *r};
      ++pc;
    } else if (cls == BPF_JMP) {
      const uint8_t op = BPF_OP(i.code);
      if (op == BPF_EXIT) {
        auto r0 = scalar(regs[BPF_REG_0], pc, 0);
        if (!r0) return fail(std::move(r0).error());
        if (*r0 > 1) return fail("ebpf: exit with r0 = " + std::to_string(*r0));
        return *r0;
      }
      if (op == BPF_JA) {
        pc = pc + 1 + static_cast<size_t>(static_cast<int64_t>(i.off));
        continue;
      }
      auto a = scalar(dst, pc, i.dst_reg);
      if (!a) return fail(std::move(a).error());
      uint64_t b = imm;
      if (use_reg) {
        auto v = scalar(src, pc, i.src_reg);
        if (!v) return fail(std::move(v).error());
        b = *v;
      }
      auto t = taken(op, *a, b, pc);
      if (!t) return fail(std::move(t).error());
      pc = pc + 1 + (*t ? static_cast<size_t>(static_cast<int64_t>(i.off)) : 0);
    } else {
      return fail("ebpf: insn " + std::to_string(pc) + ": unsupported class " +
                  std::to_string(cls));
    }
  }
  return fail("ebpf: fell off the end");
}

}  // namespace berth::test
