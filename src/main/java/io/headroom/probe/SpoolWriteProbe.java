package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Units;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes, syncs and deletes a small file in {@code spool_probe_directory}: the checks that free
 * space and inodes cannot see, a file system remounted read-only after an error, lost permissions,
 * a full quota, a dead disk under a healthy-looking mount.
 */
public final class SpoolWriteProbe implements Probe {
  private static final byte[] CONTENT =
      "headroom-milter spool probe\n".getBytes(StandardCharsets.US_ASCII);

  private final Path directory;
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();

  public SpoolWriteProbe(Path directory) {
    this.directory = directory;
    // The pid keeps two daemons (or the status command beside the daemon) from colliding.
    this.prefix = ".headroom-probe-" + ProcessHandle.current().pid() + "-";
  }

  @Override
  public Check check() {
    return Check.SPOOL;
  }

  @Override
  public String name() {
    return "spool";
  }

  /**
   * The directory it writes in. The spool check has no gauge; this says which call is which when a
   * reload moves the probe off a hung mount (the name stays {@code spool}).
   */
  @Override
  public String subject() {
    return directory.toString();
  }

  @Override
  public ProbeResult run() {
    Path file = directory.resolve(prefix + sequence.incrementAndGet());
    long start = System.nanoTime();
    try {
      writeAndSync(file);
      Files.delete(file);
    } catch (IOException e) {
      deleteQuietly(file);
      return ProbeResult.fail(
          this,
          Double.NaN,
          "not writable",
          "writable",
          "not writable",
          "cannot write, sync and delete " + file + ": " + e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String measured = "writable in " + Units.formatSeconds(seconds);
    return ProbeResult.pass(this, seconds, measured, "writable", directory + " " + measured);
  }

  private static void writeAndSync(Path file) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(CONTENT);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      // The data and the metadata must reach the disk, as Postfix's own fsync of a queue file does.
      channel.force(true);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // The failure being reported already says the directory is unusable.
    }
  }
}
