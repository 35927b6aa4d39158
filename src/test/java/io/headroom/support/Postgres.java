package io.headroom.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private PostgreSQL 15 on 127.0.0.1 and an ephemeral port (TESTING.md's recipe): {@code initdb}
 * in a test directory as user postgres with trust authentication, {@code pg_ctl start}. The
 * postmaster is pg_ctl's daemon, not a child of the test: it is found by its pid file. {@link
 * #pause()} (SIGSTOP) makes the server that accepts connections and never answers, the case
 * Postfix's pgsql client has no timeout for.
 */
public final class Postgres implements AutoCloseable {
  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final int port;
  private long pid;

  private Postgres(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** initdb in {@code dir} (made mode 755 and owned by postgres) and start. */
  public static Postgres start(Path dir) throws IOException, InterruptedException {
    ServiceFiles.ownedDirectory(dir, "postgres");
    asPostgres(
        List.of(
            BIN.resolve("initdb").toString(),
            "-D",
            data(dir).toString(),
            "-A",
            "trust",
            "-U",
            "postgres"));
    Postgres postgres = new Postgres(dir, Ports.freeTcpPort());
    postgres.launch();
    return postgres;
  }

  public int port() {
    return port;
  }

  /** The postmaster's pid, from its pid file. */
  public long pid() {
    return pid;
  }

  /**
   * Runs SQL as postgres in database postgres, e.g. to create the table a Postfix table queries.
   */
  public String sql(String statement) throws IOException, InterruptedException {
    return Processes.output(
        List.of(
            "psql",
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement),
        COMMAND_TIMEOUT);
  }

  /**
   * A Postfix pgsql table on this server with {@code query} (with {@code %s}), mode 0640 group
   * postfix.
   */
  public Path writePostfixTable(Path file, String query) throws IOException {
    return ServiceFiles.writePostfixTable(
        file,
        String.join(
            "\n",
            "hosts = inet:127.0.0.1:" + port,
            "user = postgres",
            "dbname = postgres",
            "query = " + query,
            ""));
  }

  /** SIGSTOP: the kernel still accepts connections to the port, nobody answers them. */
  public void pause() throws IOException, InterruptedException {
    Processes.signal(pid, "STOP");
  }

  public void resume() throws IOException, InterruptedException {
    Processes.signal(pid, "CONT");
  }

  /** {@code pg_ctl stop -m fast}, after SIGCONT (a stopped postmaster acts on no signal). */
  public void stop() throws IOException, InterruptedException {
    if (pid == 0 || !Processes.running(pid)) {
      return;
    }
    resume();
    asPostgres(
        List.of(
            BIN.resolve("pg_ctl").toString(),
            "-D",
            data(dir).toString(),
            "-m",
            "fast",
            "-w",
            "stop"));
    pid = 0;
  }

  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  @Override
  public void close() throws IOException {
    try {
      stop();
    } catch (IOException e) {
      // pg_ctl failed: end the postmaster anyway, its backends follow it.
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping postgres", e);
    }
  }

  private void launch() throws IOException, InterruptedException {
    String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1";
    asPostgres(
        List.of(
            BIN.resolve("pg_ctl").toString(),
            "-D",
            data(dir).toString(),
            "-o",
            options,
            "-l",
            dir.resolve("postgres.log").toString(),
            "-w",
            "-t",
            "30",
            "start"));
    pid = Long.parseLong(Files.readAllLines(data(dir).resolve("postmaster.pid")).get(0).strip());
  }

  /**
   * As user postgres when the test runs as root (initdb refuses root); as the test's user
   * otherwise.
   */
  private static void asPostgres(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Processes.output(full, COMMAND_TIMEOUT);
  }

  private static Path data(Path dir) {
    return dir.resolve("data");
  }
}
