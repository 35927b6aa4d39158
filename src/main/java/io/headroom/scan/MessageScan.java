package io.headroom.scan;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.headroom.config.ScanSettings;
import io.headroom.config.ScannerEndpoint.Kind;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scan of one message, fed by the milter as Postfix hands it over. No method blocks. Small
 * pieces (header lines, the blank line, short bodies) are gathered into one batch of up to {@link
 * #BATCH_BYTES} and handed to the scanners together, so a typical message costs each scanner a few
 * steps rather than one per header. A feeding method's stage completes when the bytes are batched,
 * or, when they fill the batch, once every scanner has taken them (or no longer needs them); the
 * milter reads on from Postfix only then, so a session holds at most a batch and one chunk in
 * memory (plus what Postfix had already sent). {@link #finish()} completes with the verdict, at the
 * latest when the deadline ({@link ScanSettings#deadlineFor(long)}, counted from {@link
 * ScanService#begin(String)}) passes.
 *
 * <p>Calls are expected in milter order from one session at a time: headers, end of headers, body
 * chunks, then {@link #finish()} or {@link #abort()}.
 */
public final class MessageScan {

  private static final byte[] CRLF = {'\r', '\n'};

  /** Postfix's largest body chunk (MILTER_CHUNK_SIZE): batching never holds more than one does. */
  static final int BATCH_BYTES = 65_535;

  private final ScanSettings settings;
  private final List<Lane> lanes;
  private final ScheduledExecutorService timer;
  private final long startNanos;
  private final AtomicLong size = new AtomicLong();
  private final CompletableFuture<Void> allVerdicts;
  private volatile boolean oversize;
  private volatile ScheduledFuture<?> deadline;
  private volatile Duration expiredAt;

  /** Bytes not yet handed to the scanners; touched only by the session's calls, in milter order. */
  private final ByteArrayOutputStream batch = new ByteArrayOutputStream();

  MessageScan(
      ScanSettings settings, List<Lane> lanes, ScheduledExecutorService timer, long startNanos) {
    this.settings = settings;
    this.lanes = List.copyOf(lanes);
    this.timer = timer;
    this.startNanos = startNanos;
    this.allVerdicts =
        CompletableFuture.allOf(
            this.lanes.stream().map(Lane::verdict).toArray(CompletableFuture[]::new));
  }

  /** Starts the deadline clock. */
  void start() {
    allVerdicts.whenComplete((ignored, e) -> cancelDeadline());
    armDeadline();
  }

  /**
   * One header as Postfix passes it to milters (name, and value without the leading space after the
   * colon). It reaches the scanners as {@code Name: value} with CRLF line ends, folded lines kept.
   */
  public CompletionStage<Void> header(String name, String value) {
    return feed(headerLine(name, value));
  }

  /** The blank line between the header and the body. */
  public CompletionStage<Void> endOfHeaders() {
    return feed(CRLF);
  }

  /**
   * A piece of the body, as Postfix sends it (CRLF line ends, dot-unstuffed). An array that fills
   * the batch is not copied; the caller must not change it until the stage completes.
   */
  public CompletionStage<Void> body(byte[] chunk) {
    return feed(chunk);
  }

  /**
   * Ends the message; completes with the verdict, or with a {@link ScanResult#TIMEOUT} (or {@link
   * ScanResult#UNREACHABLE}) outcome as soon as the deadline passes. Cancelled if {@link #abort()}
   * ran.
   */
  public CompletionStage<ScanOutcome> finish() {
    byte[] last = batched();
    lanes.forEach(lane -> lane.finish(last));
    return allVerdicts.thenApply(ignored -> outcome());
  }

  /** Ends the scan without a verdict and releases sockets and spooled data at once. */
  public void abort() {
    lanes.forEach(Lane::abort);
    cancelDeadline();
  }

  /** Bytes of the message seen so far (header lines as rebuilt, blank line, body). */
  public long size() {
    return size.get();
  }

  static byte[] headerLine(String name, String value) {
    // Postfix passes folded header values with bare LF between the lines; the message on the wire
    // and in the queue has CRLF, and that is what the scanners should see.
    String normalized = value.replace("\r\n", "\n").replace("\n", "\r\n");
    // One character per byte Postfix sent (see transport.HeaderBytes): these are those bytes.
    return (name + ": " + normalized + "\r\n").getBytes(ISO_8859_1);
  }

  private CompletionStage<Void> feed(byte[] bytes) {
    long total = size.addAndGet(bytes.length);
    if (total > settings.maxSize() && !oversize) {
      oversize = true;
      lanes.forEach(lane -> lane.skip("scan_max_size", settings.maxSize()));
    }
    if (total > settings.spamdMaxSize()) {
      lanes.stream()
          .filter(lane -> lane.kind() == Kind.SPAMD)
          .forEach(lane -> lane.skip("spamd_max_size", settings.spamdMaxSize()));
    }
    if (bytes.length == 0 || allVerdicts.isDone()) {
      return CompletableFuture.completedFuture(null);
    }
    if (batch.size() + bytes.length < BATCH_BYTES) {
      batch.writeBytes(bytes);
      return CompletableFuture.completedFuture(null);
    }
    // Lanes run their steps in order: the batch reaches the scanners before these bytes.
    handOver(batched());
    return handOver(bytes);
  }

  private byte[] batched() {
    byte[] bytes = batch.toByteArray();
    batch.reset();
    return bytes;
  }

  private CompletableFuture<Void> handOver(byte[] bytes) {
    if (bytes.length == 0) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(
        lanes.stream().map(lane -> lane.write(bytes)).toArray(CompletableFuture[]::new));
  }

  private ScanOutcome outcome() {
    List<ScannerVerdict> verdicts = lanes.stream().map(lane -> lane.verdict().join()).toList();
    return oversize
        ? ScanOutcome.oversize(verdicts, settings, size.get())
        : ScanOutcome.decide(verdicts, settings, expiredAt != null ? expiredAt : currentDeadline());
  }

  private Duration currentDeadline() {
    return settings.deadlineFor(size.get());
  }

  /**
   * Schedules the deadline for the size seen so far. When it fires and the message has grown (with
   * scan_timeout_per_mib), it schedules itself again for the later deadline.
   */
  private void armDeadline() {
    if (allVerdicts.isDone()) {
      return;
    }
    Duration allowed = currentDeadline();
    long delay = startNanos + allowed.toNanos() - System.nanoTime();
    if (delay <= 0) {
      expiredAt = allowed;
      lanes.forEach(lane -> lane.expire(allowed));
      return;
    }
    deadline = timer.schedule(this::armDeadline, delay, TimeUnit.NANOSECONDS);
  }

  private void cancelDeadline() {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
  }
}
