package io.headroom.scan;

import io.headroom.config.ScannerEndpoint.Kind;
import java.time.Duration;

/**
 * One scanner kind's answer for one message.
 *
 * @param scanner which kind of scanner answered (one verdict per kind, whatever the number of
 *     backends)
 * @param result the result word
 * @param signature the malware name clamd reported, {@code ""} otherwise
 * @param score spamd's score, NaN if spamd did not answer
 * @param threshold spamd's own required score, NaN if spamd did not answer
 * @param took from the start of the scan to this verdict
 * @param detail for the log: backend address, the reply or the exception; never message content
 */
public record ScannerVerdict(
    Kind scanner,
    ScanResult result,
    String signature,
    double score,
    double threshold,
    Duration took,
    String detail) {

  static ScannerVerdict of(Kind scanner, ScanResult result, Duration took, String detail) {
    return new ScannerVerdict(scanner, result, "", Double.NaN, Double.NaN, took, detail);
  }

  ScannerVerdict withTook(Duration newTook) {
    return new ScannerVerdict(scanner, result, signature, score, threshold, newTook, detail);
  }
}
