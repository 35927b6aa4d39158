package io.headroom.support;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private spamd for tests on 127.0.0.1. {@code --local} keeps it from network tests, so scores
 * come from local rules only. Start it once per test class: it takes seconds to compile its rules.
 */
public final class Spamd extends ServerProcess {

  /** The GTUBE line: any SpamAssassin scores a message containing it at 1000 or more. */
  public static final String GTUBE =
      "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;

  /** SIGTERM goes to the parent, which ends its children too. */
  private Spamd(Path dir, int port) {
    super("spamd", Duration.ofSeconds(15));
    this.dir = dir;
    this.port = port;
  }

  public static Spamd start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Spamd spamd = new Spamd(dir, Ports.freeTcpPort());
    spamd.launch();
    return spamd;
  }

  public int port() {
    return port;
  }

  private void launch() throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "spamd",
                "--local",
                "--listen=127.0.0.1:" + port,
                "--max-children=2",
                "--syslog=stderr",
                "--pidfile=" + dir.resolve("spamd.pid")));
    // spamd refuses to run its children as root; -u only works when started as root.
    if ("root".equals(System.getProperty("user.name"))) {
      command.addAll(List.of("-u", "nobody"));
    }
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("spamd.out").toFile())
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("spamd exited with " + process.exitValue() + ": " + log());
      }
      if (pongs()) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    Processes.terminate(process, Duration.ofSeconds(5));
    throw new IOException("spamd did not answer PING within " + START_TIMEOUT + ": " + log());
  }

  private boolean pongs() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("PING SPAMC/1.5\r\n\r\n".getBytes(US_ASCII));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(64), US_ASCII).startsWith("SPAMD/1.5 0 PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private String log() throws IOException {
    Path out = dir.resolve("spamd.out");
    return Files.exists(out) ? Processes.tail(Files.readString(out), 2000) : "";
  }
}
