"""A small seccomp filter for sandboxed commands: no new UNIX-domain sockets.

Mounts make the file system read-only, but connecting to a UNIX socket is not a
write: a command could reach `/run/docker.sock`, the system D-Bus or a user's
agent through a read-only path and ask a privileged daemon to act for it. Abstract
sockets are also reachable whenever the network namespace is shared. Denying
`socket(AF_UNIX, ...)` closes all of these at once; `socketpair` (which pipes
between a program's own processes use) stays allowed.

The filter is classic BPF built here by hand (a dozen instructions), because it is
small enough to read and it avoids a native dependency. bubblewrap loads it with
`--seccomp FD` after setting no_new_privs. Syscalls from any other ABI (32-bit
x86, x32) are refused outright: their socket calls cannot be inspected the same way.
"""

import errno
import platform
import struct
from dataclasses import dataclass

# BPF instruction classes and fields (linux/filter.h, linux/bpf_common.h).
_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

# Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6].
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LOW = 16  # little-endian: the low 32 bits of args[0] come first

_AF_UNIX = 1
_X32_SYSCALL_BIT = 0x40000000


@dataclass(frozen=True, slots=True)
class _Arch:
    audit_arch: int
    nr_socket: int
    has_x32: bool


_ARCHES: dict[str, _Arch] = {
    "x86_64": _Arch(audit_arch=0xC000003E, nr_socket=41, has_x32=True),
    "aarch64": _Arch(audit_arch=0xC00000B7, nr_socket=198, has_x32=False),
}


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def deny_unix_sockets_filter(machine: str | None = None) -> bytes | None:
    """The compiled filter for this machine, or None when its ABI is not known here."""
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    deny = _RET_ERRNO | errno.EPERM
    # Each entry: (code, jump-if-true label, jump-if-false label, k); labels resolve below.
    program: list[tuple[int, str | None, str | None, int]] = [
        (_LD_W_ABS, None, None, _OFF_ARCH),
        (_JEQ_K, None, "deny", arch.audit_arch),
        (_LD_W_ABS, None, None, _OFF_NR),
    ]
    if arch.has_x32:
        program.append((_JGE_K, "deny", None, _X32_SYSCALL_BIT))
    program += [
        (_JEQ_K, None, "allow", arch.nr_socket),
        (_LD_W_ABS, None, None, _OFF_ARG0_LOW),
        (_JEQ_K, "deny", "allow", _AF_UNIX),
    ]
    allow_at = len(program)
    labels = {"allow": allow_at, "deny": allow_at + 1}
    out = bytearray()
    for index, (code, jt, jf, k) in enumerate(program):
        true_off = labels[jt] - index - 1 if jt else 0
        false_off = labels[jf] - index - 1 if jf else 0
        out += _insn(code, true_off, false_off, k)
    out += _insn(_RET_K, 0, 0, _RET_ALLOW)
    out += _insn(_RET_K, 0, 0, deny)
    return bytes(out)
