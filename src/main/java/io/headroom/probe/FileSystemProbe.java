package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Threshold;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

/**
 * Free space or free inodes on the file system holding one of {@code disk_paths}, against {@code
 * disk_min_free} or {@code disk_min_free_inodes}. Inodes matter on their own: Postfix writes one
 * file per queued message, so a spool can run out of inodes with gigabytes free.
 */
public final class FileSystemProbe implements Probe {

  /** What is measured, and the words for it. */
  enum Resource {
    SPACE(
        "disk_space",
        Measure.DISK_FREE_RATIO,
        "nearly full",
        "bytes usable",
        "file system reports no size",
        FileStoreUsage::usableBytes,
        FileStoreUsage::totalBytes,
        Units::formatSize),
    // btrfs and some network file systems allocate inodes dynamically and report 0 in total: they
    // cannot run out of inodes apart from running out of space, which SPACE watches.
    INODES(
        "disk_inodes",
        Measure.DISK_FREE_INODES_RATIO,
        "out of inodes",
        "inodes free",
        "no fixed inode table, not checked",
        FileStoreUsage::freeInodes,
        FileStoreUsage::totalInodes,
        Long::toString);

    private final String prefix;
    private final Measure measure;
    private final String shortage;
    private final String unit;
    private final String unknown;
    private final ToLongFunction<FileStoreUsage> free;
    private final ToLongFunction<FileStoreUsage> total;
    private final LongFunction<String> amount;

    Resource(
        String prefix,
        Measure measure,
        String shortage,
        String unit,
        String unknown,
        ToLongFunction<FileStoreUsage> free,
        ToLongFunction<FileStoreUsage> total,
        LongFunction<String> amount) {
      this.prefix = prefix;
      this.measure = measure;
      this.shortage = shortage;
      this.unit = unit;
      this.unknown = unknown;
      this.free = free;
      this.total = total;
      this.amount = amount;
    }
  }

  private final Resource resource;
  private final Path path;
  private final Threshold minFree;
  private final FileStoreSource source;

  private FileSystemProbe(Resource resource, Path path, Threshold minFree, FileStoreSource source) {
    this.resource = resource;
    this.path = path;
    this.minFree = minFree;
    this.source = source;
  }

  public static FileSystemProbe space(Path path, Threshold minFree, FileStoreSource source) {
    return new FileSystemProbe(Resource.SPACE, path, minFree, source);
  }

  public static FileSystemProbe inodes(Path path, Threshold minFree, FileStoreSource source) {
    return new FileSystemProbe(Resource.INODES, path, minFree, source);
  }

  @Override
  public Check check() {
    return Check.DISK;
  }

  @Override
  public String name() {
    return resource.prefix + ":" + path;
  }

  @Override
  public Measure measure() {
    return resource.measure;
  }

  @Override
  public String subject() {
    return path.toString();
  }

  @Override
  public ProbeResult run() {
    // An absolute limit is written in the resource's unit: "need 2G", or a count "need 5000".
    String limit =
        "need "
            + (minFree.isRatio() ? minFree.toString() : resource.amount.apply(minFree.amount()));
    FileStoreUsage usage;
    try {
      usage = source.read();
    } catch (IOException e) {
      return ProbeResult.fail(
          this, Double.NaN, "unknown", limit, "unavailable", path + ": " + e.getMessage());
    }
    ProbeResult result = compare(usage, limit);
    // The space read also serves the room check at MAIL (SpoolRoom), which must do no I/O itself.
    return resource == Resource.SPACE ? result.with(usage) : result;
  }

  private ProbeResult compare(FileStoreUsage usage, String limit) {
    Headroom headroom =
        new Headroom(resource.free.applyAsLong(usage), resource.total.applyAsLong(usage));
    String detail =
        path
            + " on "
            + usage.mount()
            + ": "
            + headroom.free()
            + " of "
            + headroom.total()
            + " "
            + resource.unit;
    if (!headroom.known()) {
      return ProbeResult.pass(
          this, Double.NaN, "n/a", limit, detail + " (" + resource.unknown + ")");
    }
    String measured = headroom.describe(minFree, resource.amount) + " free";
    if (headroom.meets(minFree)) {
      return ProbeResult.pass(this, headroom.ratio(), measured, limit, detail);
    }
    return ProbeResult.fail(
        this, headroom.ratio(), measured, limit, resource.shortage, detail, measured, limit);
  }
}
