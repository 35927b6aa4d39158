package io.headroom.scan;

import java.io.IOException;

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
}
