package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import java.io.IOException;
import java.nio.file.Path;

/** Free space on the file system holding one of {@code disk_paths}, against {@code disk_min_free}. */
public final class DiskSpaceProbe implements Probe {
  private final Path path;
  private final Threshold minFree;
  private final FileStoreSource source;

  public DiskSpaceProbe(Path path, Threshold minFree, FileStoreSource source) {
    this.path = path;
    this.minFree = minFree;
    this.source = source;
  }

  @Override
  public Check check() {
    return Check.DISK;
  }

  @Override
  public String name() {
    return "disk_space:" + path;
  }

  @Override
  public ProbeResult run() {
    String limit = "need " + minFree;
    FileStoreUsage usage;
    try {
      usage = source.read();
    } catch (IOException e) {
      return ProbeResult.fail(
          this, Double.NaN, "unknown", limit, "Mail spool disk unavailable", path + ": " + e.getMessage());
    }
    Headroom space = new Headroom(usage.usableBytes(), usage.totalBytes());
    String detail =
        path + " on " + usage.mount() + ": " + usage.usableBytes() + " of " + usage.totalBytes()
            + " bytes usable";
    if (!space.known()) {
      return ProbeResult.pass(this, Double.NaN, "n/a", limit, detail + " (file system reports no size)");
    }
    String measured = space.describe(minFree, Headroom::size) + " free";
    if (space.meets(minFree)) {
      return ProbeResult.pass(this, space.ratio(), measured, limit, detail);
    }
    return ProbeResult.fail(
        this, space.ratio(), measured, limit,
        "Mail spool disk nearly full (" + measured + ", " + limit + ")", detail);
  }
}
