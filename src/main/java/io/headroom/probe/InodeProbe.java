package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Free inodes on the file system holding one of {@code disk_paths}, against {@code
 * disk_min_free_inodes}. Postfix writes one file per queued message, so a spool can run out of
 * inodes with gigabytes free.
 */
public final class InodeProbe implements Probe {
  private final Path path;
  private final Threshold minFree;
  private final FileStoreSource source;

  public InodeProbe(Path path, Threshold minFree, FileStoreSource source) {
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
    return "disk_inodes:" + path;
  }

  @Override
  public ProbeResult run() {
    // An absolute limit here is a count of inodes, not a size: "need 5000", not "need 4.9k".
    String limit = "need " + (minFree.isRatio() ? minFree.toString() : Long.toString(minFree.amount()));
    FileStoreUsage usage;
    try {
      usage = source.read();
    } catch (IOException e) {
      return ProbeResult.fail(
          this, Double.NaN, "unknown", limit, "Mail spool disk unavailable", path + ": " + e.getMessage());
    }
    Headroom inodes = new Headroom(usage.freeInodes(), usage.totalInodes());
    String detail =
        path + " on " + usage.mount() + ": " + usage.freeInodes() + " of " + usage.totalInodes()
            + " inodes free";
    if (!inodes.known()) {
      // btrfs and some network file systems allocate inodes dynamically and report 0 in total:
      // they cannot run out of inodes apart from running out of space, which DiskSpaceProbe watches.
      return ProbeResult.pass(
          this, Double.NaN, "n/a", limit, detail + " (no fixed inode table, not checked)");
    }
    String measured = inodes.describe(minFree, Long::toString) + " free";
    if (inodes.meets(minFree)) {
      return ProbeResult.pass(this, inodes.ratio(), measured, limit, detail);
    }
    return ProbeResult.fail(
        this, inodes.ratio(), measured, limit,
        "Mail spool disk out of inodes (" + measured + ", " + limit + ")", detail);
  }
}
