package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.software.os.FileSystem;

/** Builds the probes a configuration enables, in check order. */
public final class ProbeFactory {
  private ProbeFactory() {}

  /** Every probe whose check is not {@code off}; the OSHI ones share one {@link SystemInfo}. */
  public static List<Probe> fromConfig(Config config) {
    SystemInfo system = new SystemInfo();
    List<Probe> probes = new ArrayList<>();
    if (config.mode(Check.DISK) != Mode.OFF) {
      FileSystem fileSystem = system.getOperatingSystem().getFileSystem();
      for (Path path : config.disk().paths()) {
        probes.add(
            new DiskSpaceProbe(path, config.disk().minFree(), new OshiFileStore(fileSystem, path)));
        probes.add(
            new InodeProbe(path, config.disk().minFreeInodes(), new OshiFileStore(fileSystem, path)));
      }
    }
    if (config.mode(Check.MEMORY) != Mode.OFF) {
      GlobalMemory memory = system.getHardware().getMemory();
      probes.add(new MemoryProbe(config.memoryMinAvailable(), memory::getAvailable, memory::getTotal));
    }
    if (config.mode(Check.CPU) != Mode.OFF) {
      CentralProcessor cpu = system.getHardware().getProcessor();
      probes.add(
          new CpuProbe(
              config.cpuMaxLoadPerCore(),
              () -> cpu.getSystemLoadAverage(1)[0],
              cpu::getLogicalProcessorCount));
    }
    if (config.mode(Check.SPOOL) != Mode.OFF) {
      probes.add(new SpoolWriteProbe(config.spoolProbeDirectory()));
    }
    if (config.mode(Check.DNS) != Mode.OFF) {
      probes.add(new DnsProbe(config.dns()));
    }
    return List.copyOf(probes);
  }
}
