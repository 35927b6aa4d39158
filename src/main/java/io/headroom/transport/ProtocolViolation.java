package io.headroom.transport;

import io.netty.handler.codec.DecoderException;

/**
 * A peer broke the milter protocol; the connection is closed with one log line. A {@link
 * DecoderException} so that Netty passes it through its decoders unwrapped; no stack trace, because
 * the place in our code is not the news, the peer's bytes are.
 */
final class ProtocolViolation extends DecoderException {
  private static final long serialVersionUID = 1L;

  private final ProtocolError error;

  ProtocolViolation(ProtocolError error, String detail) {
    super(detail);
    this.error = error;
  }

  ProtocolError error() {
    return error;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
