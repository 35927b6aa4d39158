package io.headroom.support;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private clamd for tests: its own signature database (only EICAR, by MD5, so no freshclam and no
 * network), its own config, TCP on 127.0.0.1 and a Unix socket, both in a test directory. Start it
 * once per test class: loading takes seconds.
 */
public final class Clamd extends ServerProcess {

  /** The 68-byte EICAR test string. */
  public static final String EICAR =
      "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

  /** sigtool names an MD5 signature after the file, and clamd adds .UNOFFICIAL to local ones. */
  public static final String SIGNATURE = "Eicar-Test-Signature.UNOFFICIAL";

  /**
   * A header of raw 8-bit text (Latin-1, not UTF-8), as old mailers still send: its bytes are what
   * the second test signature matches, so a scan that altered them finds nothing.
   */
  public static final byte[] RAW_8BIT_HEADER_TEXT =
      "caf\u00e9 headroom-8bit-marker".getBytes(StandardCharsets.ISO_8859_1);

  /** The signature of {@link #RAW_8BIT_HEADER_TEXT}, an extended (.ndb) one for any file type. */
  public static final String RAW_8BIT_SIGNATURE = "Raw-8bit-Header-Test.UNOFFICIAL";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final Path config;
  private final int tcpPort;

  private Clamd(Path dir, Path config, int tcpPort) {
    super("clamd", Duration.ofSeconds(10));
    this.dir = dir;
    this.config = config;
    this.tcpPort = tcpPort;
  }

  /** Starts clamd with a stream limit well above the test messages. */
  public static Clamd start(Path dir) throws IOException, InterruptedException {
    return start(dir, "200M");
  }

  /**
   * @param streamMaxLength clamd's StreamMaxLength, e.g. {@code 1M}
   */
  public static Clamd start(Path dir, String streamMaxLength)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path eicar = dir.resolve("Eicar-Test-Signature");
    Files.write(eicar, EICAR.getBytes(US_ASCII));
    Path db = dir.resolve("db");
    Files.createDirectories(db);
    String hdb =
        Processes.output(List.of("sigtool", "--md5", eicar.toString()), Duration.ofSeconds(30));
    Files.writeString(db.resolve("test.hdb"), hdb);
    Files.writeString(
        db.resolve("test.ndb"),
        "Raw-8bit-Header-Test:0:*:" + HexFormat.of().formatHex(RAW_8BIT_HEADER_TEXT) + "\n");
    int port = Ports.freeTcpPort();
    Path config = dir.resolve("clamd.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "DatabaseDirectory " + db,
            "TCPSocket " + port,
            "TCPAddr 127.0.0.1",
            "LocalSocket " + dir.resolve("clamd.sock"),
            "Foreground yes",
            // Without LogFile clamd logs nowhere useful; the file is read when start fails.
            "LogFile " + dir.resolve("clamd.log"),
            "PidFile " + dir.resolve("clamd.pid"),
            "TemporaryDirectory " + dir,
            "StreamMaxLength " + streamMaxLength,
            "MaxScanSize 400M",
            "MaxFileSize 400M",
            // Self checks reload the database and would make test timings wander.
            "SelfCheck 0",
            ""));
    Clamd clamd = new Clamd(dir, config, port);
    clamd.launch();
    return clamd;
  }

  public int tcpPort() {
    return tcpPort;
  }

  public Path socketPath() {
    return dir.resolve("clamd.sock");
  }

  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder("clamd", "--foreground", "--config-file=" + config)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("clamd.out").toFile())
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("clamd exited with " + process.exitValue() + ": " + log());
      }
      if (pongs()) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    throw new IOException("clamd did not answer PING within " + START_TIMEOUT + ": " + log());
  }

  private boolean pongs() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", tcpPort), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("zPING\0".getBytes(US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(5);
      return new String(reply, US_ASCII).equals("PONG\0");
    } catch (IOException e) {
      return false;
    }
  }

  private String log() throws IOException {
    Path out = dir.resolve("clamd.out");
    return Files.exists(out) ? Processes.tail(Files.readString(out), 2000) : "";
  }
}
