package io.headroom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact WARN line in each log format, and how the format is chosen. */
class LogEncoderTest {
  private static final long AT = 1_780_000_000_123L; // 2026-05-28T20:26:40.123Z

  private final LoggerContext context = new LoggerContext();
  private final Logger logger = context.getLogger("io.headroom.milter.GateHandler");

  private String encode(String format, LoggingEvent event) {
    LogEncoder encoder = new LogEncoder();
    encoder.setContext(context);
    encoder.setFormat(format);
    encoder.start();
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  private LoggingEvent warn(Throwable thrown) {
    LoggingEvent event =
        new LoggingEvent(
            Logger.FQCN,
            logger,
            Level.WARN,
            "session 1a2b3c4d queue 4XyZ1: deferred client {} at rcpt by check disk",
            thrown,
            new Object[] {"mx.example[192.0.2.1]"});
    event.setTimeStamp(AT);
    event.setThreadName("milter-1");
    event.setMDCPropertyMap(Map.of());
    return event;
  }

  @Test
  void plainLineHasTimeLevelLoggerAndMessage() {
    String line = encode("plain", warn(null));
    String time =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .format(java.time.Instant.ofEpochMilli(AT).atZone(java.time.ZoneId.systemDefault()));
    assertEquals(
        time
            + " WARN  GateHandler: session 1a2b3c4d queue 4XyZ1: deferred client mx.example[192.0.2.1] at rcpt by check disk\n",
        line);
  }

  @Test
  void journalLineHasThePriorityPrefixAndNoTimestamp() {
    assertEquals(
        "<4>GateHandler: session 1a2b3c4d queue 4XyZ1: deferred client mx.example[192.0.2.1] at rcpt by check disk\n",
        encode("journal", warn(null)));
  }

  @Test
  void journalFoldsAStackTraceIntoOneEntry() {
    IllegalStateException thrown =
        new IllegalStateException("boom", new java.io.IOException("disk"));
    thrown.setStackTrace(
        new StackTraceElement[] {new StackTraceElement("io.headroom.A", "run", "A.java", 7)});
    thrown
        .getCause()
        .setStackTrace(
            new StackTraceElement[] {new StackTraceElement("io.headroom.B", "io", "B.java", 9)});
    String line = encode("journal", warn(thrown));
    assertEquals(
        "<4>GateHandler: session 1a2b3c4d queue 4XyZ1: deferred client mx.example[192.0.2.1] at rcpt by check disk"
            + " | java.lang.IllegalStateException: boom | at io.headroom.A.run(A.java:7)"
            + " | Caused by: java.io.IOException: disk | at io.headroom.B.io(B.java:9)\n",
        line);
  }

  @Test
  void plainKeepsTheStackTraceOnItsOwnLines() {
    IllegalStateException thrown = new IllegalStateException("boom");
    thrown.setStackTrace(
        new StackTraceElement[] {new StackTraceElement("io.headroom.A", "run", "A.java", 7)});
    String[] lines = encode("plain", warn(thrown)).split("\n");
    assertEquals(3, lines.length);
    assertEquals("java.lang.IllegalStateException: boom", lines[1]);
    assertEquals("\tat io.headroom.A.run(A.java:7)", lines[2]);
  }

  @Test
  void priorityFollowsSyslogLevels() {
    assertEquals(3, LineLayout.priority(Level.ERROR));
    assertEquals(4, LineLayout.priority(Level.WARN));
    assertEquals(6, LineLayout.priority(Level.INFO));
    assertEquals(7, LineLayout.priority(Level.DEBUG));
    assertEquals(7, LineLayout.priority(Level.TRACE));
  }

  @Test
  void jsonLineCarriesLevelLoggerAndMessage() {
    assertEquals(
        "{\"timestamp\":1780000000123,\"level\":\"WARN\",\"threadName\":\"milter-1\","
            + "\"loggerName\":\"io.headroom.milter.GateHandler\",\"mdc\": {},"
            + "\"formattedMessage\":\"session 1a2b3c4d queue 4XyZ1: deferred client mx.example[192.0.2.1] at rcpt by check disk\","
            + "\"throwable\":null}\n",
        encode("json", warn(null)));
  }

  @Test
  void journalOnlyWhenStdoutIsTheJournalStream(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("out"));
    Optional<String> identity = LogFormat.identity(file);
    Map<String, String> env = Map.of("JOURNAL_STREAM", identity.orElseThrow());
    assertEquals(LogFormat.JOURNAL, LogFormat.choose(env, identity));
    // Inherited by a child whose output went elsewhere: that child writes plain lines.
    assertEquals(LogFormat.PLAIN, LogFormat.choose(env, Optional.of("8:1234")));
    assertEquals(LogFormat.PLAIN, LogFormat.choose(Map.of(), identity));
  }

  @Test
  void theEnvironmentSwitchWins() {
    assertEquals(
        LogFormat.JSON, LogFormat.choose(Map.of("HEADROOM_LOG_FORMAT", "json"), Optional.empty()));
    assertEquals(
        LogFormat.JSON,
        LogFormat.choose(
            Map.of("HEADROOM_LOG_FORMAT", "json", "JOURNAL_STREAM", "1:2"), Optional.of("1:2")));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> LogFormat.choose(Map.of("HEADROOM_LOG_FORMAT", "xml"), Optional.empty()));
    assertEquals("log format \"xml\" is not plain, journal or json", bad.getMessage());
  }
}
