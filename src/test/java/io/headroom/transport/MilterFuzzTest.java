package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.headroom.config.ConfigParser;
import io.headroom.config.SessionLimits;
import io.headroom.health.HealthSnapshot;
import io.headroom.milter.MilterHandlers;
import io.headroom.support.RecordingMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.nightcode.milter.MilterHandler;
import org.slf4j.LoggerFactory;

/**
 * Issue 5, point 4: arbitrary bytes through the whole milter pipeline (framing, jmilter's packet
 * decoder, {@link ProtocolState}, jmilter's command engine, the gate handler) and through the busy
 * pipeline. Seeds in src/test/resources/io/headroom/transport/MilterFuzzTestInputs/ are the bytes
 * real Postfix sessions sent (recorded by PostfixSessionRecordingIT).
 *
 * <p>Properties: no exception escapes the pipeline; whatever {@link ProtocolState} admits, jmilter
 * and the handler process without giving up (no rejected_by_engine, no internal_error); a
 * connection never buffers more than one bounded packet; every reply is a whole milter packet.
 */
class MilterFuzzTest {
  private static final SessionLimits LIMITS =
      new SessionLimits(10, Duration.ofMinutes(10), Duration.ofSeconds(1), 0660, "");
  private static final MilterHandler HANDLER =
      MilterHandlers.forConfig(
          ConfigParser.defaults(),
          java.util.Set.of(),
          () -> HealthSnapshot.EMPTY,
          io.headroom.metrics.Metrics.NONE,
          java.util.Optional.empty(),
          new MemoryBudget(1 << 30));
  private static final Set<String> PEER_ERRORS =
      Set.of(
          "packet_too_long",
          "empty_packet",
          "unknown_command",
          "out_of_order",
          "missing_nul",
          "malformed",
          "idle_timeout",
          "macros_too_large");

  private static Level saved;

  /**
   * Hundreds of thousands of closed connections a run: their one line each is not the point here.
   */
  @BeforeAll
  static void quiet() {
    Logger milter = (Logger) LoggerFactory.getLogger("io.headroom.transport");
    saved = milter.getLevel();
    milter.setLevel(Level.ERROR);
  }

  @AfterAll
  static void restore() {
    ((Logger) LoggerFactory.getLogger("io.headroom.transport")).setLevel(saved);
  }

  /** What CI fuzzes for (JAZZER_FUZZ=1); without it, only the seeds and saved findings run. */
  @FuzzTest(maxDuration = "30s")
  void pipeline(byte[] input) {
    check(input);
  }

  /** The longer run, on demand: see README, "Fuzzing". */
  @EnabledIfEnvironmentVariable(named = "HEADROOM_FUZZ_LONG", matches = "1")
  @FuzzTest(maxDuration = "1h")
  void pipelineLong(byte[] input) {
    check(input);
  }

  private static void check(byte[] input) {
    RecordingMetrics metrics = new RecordingMetrics();
    EmbeddedChannel session = channel(ch -> MilterServer.configure(ch, HANDLER, LIMITS, metrics));
    feed(session, input);
    for (String reason : metrics.protocolErrors()) {
      assertTrue(
          PEER_ERRORS.contains(reason), "the peer's bytes reached a failure of ours: " + reason);
    }
    assertTrue(
        metrics.protocolErrors().size() <= 1,
        "one count per connection: " + metrics.protocolErrors());
    session.finishAndReleaseAll();

    EmbeddedChannel busy = channel(ch -> MilterServer.configureBusy(ch, LIMITS));
    feed(busy, input);
    busy.finishAndReleaseAll();
  }

  private interface Init {
    void init(Channel ch);
  }

  private static EmbeddedChannel channel(Init init) {
    return new EmbeddedChannel(
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            init.init(ch);
          }
        });
  }

  /** Writes the input in pieces of varying size, as a socket delivers it, checking after each. */
  private static void feed(EmbeddedChannel ch, byte[] input) {
    int chunk = 1 + (input.length % 7) * 997;
    for (int off = 0; off < input.length && ch.isOpen(); off += chunk) {
      ch.writeInbound(Unpooled.wrappedBuffer(input, off, Math.min(chunk, input.length - off)));
      ch.checkException();
      PacketFrameDecoder decoder = ch.pipeline().get(PacketFrameDecoder.class);
      if (decoder != null) {
        assertTrue(
            decoder.pending() <= PacketFrameDecoder.MAX_PACKET + 4,
            "buffered " + decoder.pending());
      }
      drainReplies(ch);
    }
  }

  private static void drainReplies(EmbeddedChannel ch) {
    for (Object out = ch.readOutbound(); out != null; out = ch.readOutbound()) {
      ByteBuf reply = (ByteBuf) out;
      try {
        int length = reply.readInt();
        assertTrue(
            length >= 1 && length <= PacketFrameDecoder.MAX_PACKET, "reply length " + length);
        assertEquals(length, reply.readableBytes(), "one whole packet per write");
      } finally {
        reply.release();
      }
    }
  }
}
