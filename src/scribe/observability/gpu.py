"""GPU figures through NVML; without a GPU (or its driver) there are none, and nothing fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GpuSample:
    """One GPU's figures at one moment."""

    index: int
    name: str
    utilization: float
    memory_used: int
    memory_total: int
    temperature: float


class GpuProbe:
    """Reads every GPU's utilisation, memory and temperature; ``available`` is False without
    NVML (no driver, no GPU), in which case :meth:`sample` returns nothing."""

    def __init__(self) -> None:
        self.available = False
        self._nvml = None
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            self.available = pynvml.nvmlDeviceGetCount() > 0
        except Exception as exc:  # NVMLError_LibraryNotFound and friends
            log.debug("no GPU metrics: %s", exc)

    def sample(self) -> list[GpuSample]:
        """The current figures of every GPU."""
        if not self.available or self._nvml is None:
            return []
        nvml = self._nvml
        samples = []
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = nvml.nvmlDeviceGetName(handle)
            rates = nvml.nvmlDeviceGetUtilizationRates(handle)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            temperature = nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)
            samples.append(
                GpuSample(
                    index=index,
                    name=name.decode() if isinstance(name, bytes) else str(name),
                    utilization=rates.gpu / 100.0,
                    memory_used=int(memory.used),
                    memory_total=int(memory.total),
                    temperature=float(temperature),
                )
            )
        return samples

    def families(self) -> list[tuple[str, str, list[str], list[tuple[list[str], float]]]]:
        """The samples as gauge families for :class:`CallbackCollector`."""
        samples = self.sample()
        if not samples:
            return []
        return [
            (
                "scribe_gpu_utilization_ratio",
                "Share of time the GPU was busy over NVML's last sample period.",
                ["gpu"],
                [([str(s.index)], s.utilization) for s in samples],
            ),
            (
                "scribe_gpu_memory_used_bytes",
                "GPU memory in use.",
                ["gpu"],
                [([str(s.index)], float(s.memory_used)) for s in samples],
            ),
            (
                "scribe_gpu_memory_total_bytes",
                "GPU memory in all.",
                ["gpu"],
                [([str(s.index)], float(s.memory_total)) for s in samples],
            ),
            (
                "scribe_gpu_temperature_celsius",
                "GPU core temperature.",
                ["gpu"],
                [([str(s.index)], s.temperature) for s in samples],
            ),
        ]
