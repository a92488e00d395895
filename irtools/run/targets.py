"""Targets of `irtools run`: compile flags, the device to run on, what to profile.

A target is `BACKEND[@DEVICE]`: `llvm-cpu` (runs on local-task),
`llvm-cpu@local-sync`, `vmvx`, `vulkan`, `cuda`, `rocm`. Targets sharing a
backend share one compile.
"""

from __future__ import annotations

from dataclasses import dataclass

from irtools.errors import UsageError

LOCAL_PROFILE = "queue-events,host-execution,executable-metadata"
DEVICE_PROFILE = "queue-events,dispatch-events,executable-metadata"

# backend: (compile flags, default device, devices it can run on, profiling mode)
BACKENDS = {
    "llvm-cpu": (["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
                  "--iree-llvmcpu-target-cpu=host"], "local-task", ("local-task", "local-sync"),
                 LOCAL_PROFILE),
    "vmvx": (["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=vmvx"],
             "local-task", ("local-task", "local-sync"), LOCAL_PROFILE),
    "vulkan": (["--iree-hal-target-device=vulkan"], "vulkan", ("vulkan",), DEVICE_PROFILE),
    "cuda": (["--iree-hal-target-device=cuda", "--iree-cuda-target=sm_80"], "cuda", ("cuda",),
             DEVICE_PROFILE),
    "rocm": (["--iree-hal-target-device=hip", "--iree-rocm-target=gfx942"], "hip", ("hip",),
             DEVICE_PROFILE),
}
ALIASES = {"cpu": "llvm-cpu", "vulkan-spirv": "vulkan", "spirv": "vulkan", "hip": "rocm"}


@dataclass(frozen=True)
class Target:
    name: str
    backend: str
    device: str

    @property
    def compile_flags(self) -> list[str]:
        return list(BACKENDS[self.backend][0])

    @property
    def profiling_mode(self) -> str:
        return BACKENDS[self.backend][3]


def parse_target(text: str) -> Target:
    backend, _, device = text.strip().partition("@")
    backend = ALIASES.get(backend, backend)
    if backend not in BACKENDS:
        raise UsageError(f"unknown target {text!r}",
                         expected="one of " + ", ".join(BACKENDS) + " (optionally @DEVICE)",
                         fix="e.g. --target llvm-cpu --target vmvx --target llvm-cpu@local-sync")
    default, devices = BACKENDS[backend][1], BACKENDS[backend][2]
    device = device or default
    if device not in devices:
        raise UsageError(f"target {backend} cannot run on device {device!r}",
                         expected="one of " + ", ".join(devices))
    name = backend if device == default else f"{backend}@{device}"
    return Target(name, backend, device)
