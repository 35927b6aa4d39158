package io.headroom.scan;

import io.headroom.config.ScanSettings;
import io.headroom.metrics.Metrics;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a separate JVM with a heap smaller than the message: streams {@code MIB} MiB to clamd in
 * 64 KiB chunks and prints the result word. If anything kept the message (or its chunks) in memory,
 * this JVM would die of OutOfMemoryError instead.
 *
 * <p>Arguments: clamd TCP port, size in MiB, spool directory.
 */
public final class LargeMessageScan {

  private LargeMessageScan() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int mib = Integer.parseInt(args[1]);
    ScanSettings settings =
        Messages.settings(
            Duration.ofSeconds(120), 1L << 30, 1L << 30, Double.NaN, "clamd:tcp:127.0.0.1:" + port);
    Duration step = Duration.ofSeconds(60);
    try (ScanService service = Messages.service(settings, Metrics.NONE, Path.of(args[2]))) {
      MessageScan scan = service.begin("large");
      for (String[] h : Messages.HEADERS) {
        Messages.await(scan.header(h[0], h[1]), step);
      }
      Messages.await(scan.endOfHeaders(), step);
      for (int i = 0; i < mib * 16; i++) {
        Messages.await(scan.body(Messages.textChunk(i)), step);
      }
      ScanOutcome outcome = Messages.await(scan.finish(), Duration.ofSeconds(120));
      System.out.println(
          "size="
              + scan.size()
              + " result="
              + outcome.verdicts().get(0).result().word()
              + " maxHeap="
              + Runtime.getRuntime().maxMemory());
    }
  }
}
