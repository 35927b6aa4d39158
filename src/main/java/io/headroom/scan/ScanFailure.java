package io.headroom.scan;

import java.io.IOException;
import java.util.concurrent.CompletionException;

/** A scanner conversation ended without a verdict, for a reason that names its result word. */
final class ScanFailure extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient ScanResult result;

  ScanFailure(ScanResult result, String detail) {
    super(detail);
    this.result = result;
  }

  ScanResult result() {
    return result;
  }

  /** What a stage failed with, unwrapped from the CompletionException a dependent stage sees. */
  static Throwable causeOf(Throwable stageFailure) {
    return stageFailure instanceof CompletionException && stageFailure.getCause() != null
        ? stageFailure.getCause()
        : stageFailure;
  }
}
