package io.headroom.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private slapd (OpenLDAP 2.5) on 127.0.0.1 and an ephemeral port, from a {@code slapd.conf} in a
 * test directory, with a small test directory under {@value #SUFFIX} loaded by {@code slapadd}
 * before start: one person per address given. {@code -d 0} keeps it in the foreground, a child the
 * test can stop and start again on the same port.
 */
public final class Slapd extends ServerProcess {
  public static final String SUFFIX = "dc=example,dc=org";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final int port;

  private Slapd(Path dir, int port) {
    super("slapd", Duration.ofSeconds(10));
    this.dir = dir;
    this.port = port;
  }

  /** Starts slapd with a person entry for each of {@code mails}. */
  public static Slapd start(Path dir, List<String> mails) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("db"));
    Files.writeString(
        config(dir),
        String.join(
            "\n",
            "include /etc/ldap/schema/core.schema",
            "include /etc/ldap/schema/cosine.schema",
            "include /etc/ldap/schema/inetorgperson.schema",
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            "pidfile " + dir.resolve("slapd.pid"),
            "database mdb",
            "suffix \"" + SUFFIX + "\"",
            "rootdn \"cn=admin," + SUFFIX + "\"",
            "rootpw secret",
            "directory " + dir.resolve("db"),
            ""));
    Path ldif = Files.writeString(dir.resolve("directory.ldif"), ldif(mails));
    Processes.output(
        List.of("slapadd", "-f", config(dir).toString(), "-l", ldif.toString()),
        Duration.ofSeconds(30));
    Slapd slapd = new Slapd(dir, Ports.freeTcpPort());
    slapd.launch();
    return slapd;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "ldap://127.0.0.1:" + port;
  }

  /**
   * A Postfix ldap table on this server that maps an address to itself (TESTING.md's recipe), mode
   * 0640 group postfix.
   */
  public Path writePostfixTable(Path file) throws IOException {
    return ServiceFiles.writePostfixTable(
        file,
        String.join(
            "\n",
            "server_host = " + url(),
            "search_base = " + SUFFIX,
            "query_filter = (mail=%s)",
            "result_attribute = mail",
            "bind = no",
            "timeout = 2",
            ""));
  }

  /** Starts a stopped slapd again on the same port, with the same directory. */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder("slapd", "-f", config(dir).toString(), "-h", url() + "/", "-d", "0")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("slapd.out").toFile()))
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("slapd exited with " + process.exitValue() + ": " + log());
      }
      if (answers()) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    Processes.terminate(process, Duration.ofSeconds(5));
    throw new IOException("slapd did not answer within " + START_TIMEOUT + ": " + log());
  }

  /** Ready when a base search of the suffix answers, as TESTING.md says. */
  private boolean answers() throws InterruptedException {
    try {
      Processes.output(
          List.of(
              "ldapsearch", "-x", "-H", url(), "-b", SUFFIX, "-s", "base", "-o", "nettimeout=2"),
          Duration.ofSeconds(5));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path config(Path dir) {
    return dir.resolve("slapd.conf");
  }

  private static String ldif(List<String> mails) {
    StringBuilder ldif =
        new StringBuilder(
            String.join(
                "\n",
                "dn: " + SUFFIX,
                "objectClass: dcObject",
                "objectClass: organization",
                "dc: example",
                "o: Example",
                ""));
    for (String mail : mails) {
      String uid = mail.substring(0, mail.indexOf('@'));
      ldif.append(
          String.join(
              "\n",
              "",
              "dn: uid=" + uid + "," + SUFFIX,
              "objectClass: inetOrgPerson",
              "uid: " + uid,
              "cn: " + uid,
              "sn: Test",
              "mail: " + mail,
              ""));
    }
    return ldif.toString();
  }

  private String log() throws IOException {
    Path out = dir.resolve("slapd.out");
    return Files.exists(out) ? Processes.tail(Files.readString(out), 2000) : "";
  }
}
