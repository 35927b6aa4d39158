package io.headroom.ops;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;

/**
 * The encoder logback.xml names for stdout: the {@link LogFormat} of this process (or the one set
 * with {@code <format>}), JSON through logback's own {@link JsonEncoder}.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
  private LogFormat format;
  private LineLayout lines;
  private Encoder<ILoggingEvent> json;

  /** For logback.xml and tests: plain, journal or json instead of the environment's choice. */
  public void setFormat(String name) {
    this.format = name.isEmpty() ? null : LogFormat.named(name);
  }

  @Override
  public void start() {
    if (format == null) {
      try {
        format = LogFormat.fromEnvironment();
      } catch (IllegalArgumentException e) {
        // Logback prints its errors at start; the daemon still logs, in the plain format.
        addError(LogFormat.FORMAT_ENV + ": " + e.getMessage() + "; using plain");
        format = LogFormat.PLAIN;
      }
    }
    if (format == LogFormat.JSON) {
      JsonEncoder encoder = new JsonEncoder();
      encoder.setContext(getContext());
      // Enough to find and read an event; the context, sequence number and raw arguments only
      // repeat what is there or mean nothing outside this process.
      encoder.setWithContext(false);
      encoder.setWithSequenceNumber(false);
      encoder.setWithNanoseconds(false);
      encoder.setWithMessage(false);
      encoder.setWithArguments(false);
      encoder.setWithFormattedMessage(true);
      encoder.start();
      json = encoder;
    } else {
      lines = new LineLayout(format == LogFormat.JOURNAL, ZoneId.systemDefault());
    }
    super.start();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return json != null ? json.encode(event) : lines.format(event).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
