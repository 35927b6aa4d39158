package io.headroom.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A private Postfix instance for end-to-end tests, beside (never instead of) the machine's own.
 *
 * <p>Everything lives under one directory the test owns: {@code etc/} (main.cf, master.cf), {@code
 * queue/}, {@code data/} and the {@code maillog} file, so several instances can run at once. SMTP
 * listens on 127.0.0.1 at an ephemeral port and every mail it accepts is handed to the discard
 * transport: nothing piles up and nothing leaves the machine; or, with {@link
 * Builder#keepDelivered}, mail for {@link #DOMAIN} is delivered into a maildir that {@link
 * #awaitDelivered} reads. {@link #close()} stops the instance and deletes nothing, so a test can
 * still read the maillog; pass a JUnit {@code @TempDir} (with {@code cleanup = ON_SUCCESS} to keep
 * failures for inspection).
 *
 * <p>Needs root, like {@code postfix start} itself. The recipe is the one in TESTING.md.
 */
public final class PostfixInstance implements AutoCloseable {

  public static final String DOMAIN = "example.test";
  public static final String HOSTNAME = "mx." + DOMAIN;

  private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
  private static final Path SYSTEM_MASTER_CF = Path.of("/etc/postfix/master.cf");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration POLL = Duration.ofMillis(50);
  private static final int START_ATTEMPTS = 3;

  /**
   * The maildir, under the instance's directory, that {@link Builder#keepDelivered} delivers to.
   */
  private static final String MAILDIR = "delivered/";

  /** virtual_mailbox_base, under the instance's directory. */
  private static final String MAIL_BASE = "mail";

  /** virtual(8) writes as this user (uid and gid 65534): any above virtual_minimum_uid would do. */
  private static final String MAIL_OWNER = "nobody";

  /**
   * The readiness probe connects from this address, and smtpd_milter_maps turns milters off for it,
   * so the milter under test sees exactly the sessions the test opens.
   */
  private static final InetAddress PROBE_ADDRESS = Ports.address(127, 0, 0, 2);

  /** The directory settings are what make an instance private; a test may not override them. */
  private static final Set<String> OWN_SETTINGS =
      Set.of(
          "queue_directory",
          "data_directory",
          "config_directory",
          "maillog_file",
          "maillog_file_prefixes",
          "smtpd_milter_maps");

  /** A master.cf service line: name, type, private, unpriv, chroot, then the rest. */
  private static final Pattern SERVICE_LINE =
      Pattern.compile("^(\\S+)(\\s+)(\\S+)(\\s+\\S+\\s+\\S+\\s+)(\\S+)(.*)$");

  private final Path directory;
  private final int smtpPort;
  private boolean stopped;

  private PostfixInstance(Path directory, int smtpPort) {
    this.directory = directory;
    this.smtpPort = smtpPort;
  }

  /** Starts building an instance that lives in {@code directory} (created if missing). */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * Sends {@code messages} messages of 512 bytes over {@code sessions} parallel sessions with
   * Postfix's smtp-source: a queue filled fast.
   */
  public void smtpSource(int sessions, int messages) throws IOException, InterruptedException {
    Processes.output(
        List.of(
            "/usr/sbin/smtp-source",
            "-s",
            Integer.toString(sessions),
            "-m",
            Integer.toString(messages),
            "-l",
            "512",
            "-f",
            "a@" + DOMAIN,
            "-t",
            "b@" + DOMAIN,
            "127.0.0.1:" + smtpPort()),
        Duration.ofSeconds(30));
  }

  public int smtpPort() {
    return smtpPort;
  }

  public Path directory() {
    return directory;
  }

  public Path configDirectory() {
    return directory.resolve("etc");
  }

  public Path queueDirectory() {
    return directory.resolve("queue");
  }

  public Path maillogFile() {
    return directory.resolve("maillog");
  }

  /** Where {@link Builder#keepDelivered} puts mail: virtual_mailbox_base. */
  public Path mailDirectory() {
    return directory.resolve(MAIL_BASE);
  }

  /**
   * Waits until {@code count} messages have been delivered (with {@link Builder#keepDelivered}) and
   * returns them, oldest first, each as the recipient's mailbox holds it (LF line ends, Postfix's
   * Return-Path and Delivered-To on top), or fails with the maillog when {@code timeout} passes
   * first.
   */
  public List<String> awaitDelivered(int count, Duration timeout) {
    Path fresh = mailDirectory().resolve(MAILDIR).resolve("new");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> messages = readAll(fresh);
      if (messages.size() >= count) {
        return messages;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            messages.size()
                + " of "
                + count
                + " messages delivered to "
                + fresh
                + " within "
                + timeout
                + "; maillog:\n"
                + maillog());
      }
      sleep(POLL);
    }
  }

  /** The files of a maildir's {@code new/}, by name: Postfix's names begin with the time. */
  private static List<String> readAll(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      List<String> messages = new ArrayList<>();
      for (Path f : files.sorted().toList()) {
        messages.add(Files.readString(f, StandardCharsets.ISO_8859_1));
      }
      return messages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The maillog as written so far (postlogd writes a moment after the event). */
  public String maillog() {
    Path file = maillogFile();
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until a maillog line matches {@code regex} (found anywhere in the line) and returns that
   * line, or fails with the log in the message when {@code timeout} passes first.
   */
  public String awaitLogLine(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = maillog().lines().filter(l -> pattern.matcher(l).find()).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "no maillog line matched /"
                + regex
                + "/ within "
                + timeout
                + "; maillog:\n"
                + maillog());
      }
      sleep(POLL);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try (SmtpClient probe =
          SmtpClient.connect(Ports.LOOPBACK_V4, smtpPort, PROBE_ADDRESS, READY_TIMEOUT)) {
        SmtpClient.Reply banner = probe.greeting();
        probe.quit();
        if (banner.code() == 220) {
          return;
        }
        throw new IllegalStateException("postfix in " + directory + " greeted with: " + banner);
      } catch (UncheckedIOException e) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "postfix in "
                  + directory
                  + " did not answer 220 within "
                  + READY_TIMEOUT
                  + "; maillog:\n"
                  + maillog(),
              e);
        }
        sleep(POLL);
      }
    }
  }

  /** Stops the instance with {@code postfix stop} and waits until its master has exited. */
  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    Optional<ProcessHandle> master = masterProcess();
    CommandResult result = postfix("stop");
    if (result.exitCode() != 0) {
      throw new IllegalStateException("postfix stop failed: " + result.output());
    }
    master.ifPresent(PostfixInstance::awaitExit);
  }

  private Optional<ProcessHandle> masterProcess() {
    Path pidFile = queueDirectory().resolve("pid/master.pid");
    try {
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
      return ProcessHandle.of(pid);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void awaitExit(ProcessHandle process) {
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new IllegalStateException(
          "postfix master " + process.pid() + " still running " + STOP_TIMEOUT + " after stop", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for postfix to stop", e);
    }
  }

  private CommandResult postfix(String command) {
    return run(
        directory.resolve("postfix-" + command + ".out"),
        POSTFIX.toString(),
        "-c",
        configDirectory().toString(),
        command);
  }

  /**
   * Runs a command with its output going to a file: reading a pipe instead could block forever,
   * should a daemon that {@code postfix start} leaves running keep the pipe open.
   */
  private static CommandResult run(Path outputFile, String... command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(outputFile.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
      }
      return new CommandResult(
          process.exitValue(), Files.readString(outputFile, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private record CommandResult(int exitCode, String output) {}

  /** Collects main.cf settings; {@link #start()} writes the files and starts Postfix. */
  public static final class Builder {

    private final Path directory;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private boolean keepDelivered;

    private Builder(Path directory) {
      this.directory = directory.toAbsolutePath();
      // Defaults that keep the instance quiet, local and quick; see the class comment.
      settings.put("compatibility_level", "3.6");
      settings.put("myhostname", HOSTNAME);
      settings.put("mydestination", DOMAIN + ", " + HOSTNAME + ", localhost");
      settings.put("mynetworks", "127.0.0.0/8");
      settings.put("inet_protocols", "ipv4");
      settings.put("inet_interfaces", "127.0.0.1");
      // No reverse lookup of the client: tests never touch the machine's resolver.
      settings.put("smtpd_peername_lookup", "no");
      settings.put("alias_maps", "");
      settings.put("alias_database", "");
      settings.put("local_recipient_maps", "");
      settings.put("local_transport", "discard:");
      settings.put("default_transport", "discard:");
      settings.put("relay_transport", "discard:");
      settings.put("smtpd_milters", "");
      settings.put("milter_default_action", "tempfail");
      settings.put("milter_protocol", "6");
    }

    /** The smtpd_milters value, e.g. {@code inet:127.0.0.1:PORT}; empty for none (the default). */
    public Builder smtpdMilters(String milters) {
      return set("smtpd_milters", milters);
    }

    /**
     * Delivers mail for {@link #DOMAIN} (any local part) into one maildir, with virtual(8), instead
     * of discarding it: a test can then read what a recipient gets with {@link #awaitDelivered},
     * after every milter's changes.
     */
    public Builder keepDelivered() {
      keepDelivered = true;
      // A domain is either local (mydestination) or virtual, never both.
      settings.put("mydestination", HOSTNAME + ", localhost");
      settings.put("virtual_mailbox_domains", DOMAIN);
      settings.put("virtual_transport", "virtual");
      settings.put("virtual_mailbox_base", directory.resolve(MAIL_BASE).toString());
      settings.put("virtual_mailbox_maps", "static:" + MAILDIR);
      settings.put("virtual_uid_maps", "static:65534");
      settings.put("virtual_gid_maps", "static:65534");
      // No limit: virtual(8) refuses to start with one below a test's larger message_size_limit.
      settings.put("virtual_mailbox_limit", "0");
      return this;
    }

    /** Adds or overrides one main.cf setting, e.g. {@code milter_command_timeout = 5s}. */
    public Builder set(String name, String value) {
      if (!name.matches("[a-z0-9_]+") || value.contains("\n")) {
        throw new IllegalArgumentException("not a main.cf setting: " + name + " = " + value);
      }
      if (OWN_SETTINGS.contains(name)) {
        throw new IllegalArgumentException(name + " belongs to the instance and cannot be set");
      }
      settings.put(name, value);
      return this;
    }

    /**
     * Writes the configuration and starts Postfix, then waits until it answers 220. A port taken
     * between choosing and binding it is retried with a new one.
     */
    public PostfixInstance start() {
      prepareDirectories();
      for (int attempt = 1; ; attempt++) {
        PostfixInstance instance = new PostfixInstance(directory, Ports.freeTcpPort());
        writeConfiguration(instance);
        CommandResult result = instance.postfix("start");
        if (result.exitCode() == 0) {
          try {
            instance.awaitReady();
          } catch (RuntimeException e) {
            try {
              instance.close();
            } catch (RuntimeException stopFailure) {
              e.addSuppressed(stopFailure);
            }
            throw e;
          }
          return instance;
        }
        String log = instance.maillog();
        if (attempt == START_ATTEMPTS || !log.contains("Address already in use")) {
          throw new IllegalStateException(
              "postfix start failed in "
                  + directory
                  + ":\n"
                  + result.output()
                  + "\nmaillog:\n"
                  + log);
        }
      }
    }

    private void prepareDirectories() {
      try {
        Path data = directory.resolve("data");
        Path etc = directory.resolve("etc");
        for (Path dir : List.of(directory, etc, directory.resolve("queue"), data)) {
          Files.createDirectories(dir);
          // mktemp and @TempDir make mode 700; postfix must traverse every directory on the path.
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        UserPrincipal postfix =
            data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postfix");
        Files.setOwner(data, postfix);
        if (keepDelivered) {
          ServiceFiles.ownedDirectory(directory.resolve(MAIL_BASE), MAIL_OWNER);
        }
        ServiceFiles.makeTraversable(directory.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare " + directory, e);
      }
    }

    private void writeConfiguration(PostfixInstance instance) {
      Path etc = instance.configDirectory();
      Path probeMap = etc.resolve("probe_milter_map.cidr");
      Map<String, String> all = new LinkedHashMap<>();
      all.put("queue_directory", instance.queueDirectory().toString());
      all.put("data_directory", directory.resolve("data").toString());
      // maillog_file must start with one of these prefixes, or postfix start exits 1 silently.
      all.put("maillog_file", instance.maillogFile().toString());
      all.put("maillog_file_prefixes", directory.toString());
      all.put("smtpd_milter_maps", "cidr:" + probeMap);
      all.putAll(settings);
      String mainCf =
          all.entrySet().stream()
              .map(e -> e.getKey() + " = " + e.getValue())
              .collect(
                  Collectors.joining("\n", "# Written by PostfixInstance for one test.\n", "\n"));
      try {
        Files.writeString(etc.resolve("main.cf"), mainCf, StandardCharsets.UTF_8);
        Files.writeString(
            probeMap, PROBE_ADDRESS.getHostAddress() + "/32 DISABLE\n", StandardCharsets.US_ASCII);
        Files.writeString(
            etc.resolve("master.cf"),
            masterCf(Files.readString(SYSTEM_MASTER_CF, StandardCharsets.UTF_8), instance.smtpPort),
            StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write configuration in " + etc, e);
      }
    }

    /**
     * The system master.cf with {@code smtp inet} listening on 127.0.0.1:port and no service in a
     * chroot: the jail would be our queue directory, which lacks the files Debian copies into
     * /var/spool/postfix for its own instance.
     */
    static String masterCf(String system, int port) {
      List<String> lines = new ArrayList<>();
      boolean listenerFound = false;
      for (String line : system.split("\n", -1)) {
        Matcher m = SERVICE_LINE.matcher(line);
        if (line.isEmpty() || line.startsWith("#") || !m.matches()) {
          lines.add(line);
          continue;
        }
        String name = m.group(1);
        if (name.equals("smtp") && m.group(3).equals("inet")) {
          name = Ports.LOOPBACK_V4.getHostAddress() + ":" + port;
          listenerFound = true;
        }
        lines.add(name + m.group(2) + m.group(3) + m.group(4) + "n" + m.group(6));
      }
      if (!listenerFound) {
        throw new IllegalStateException(SYSTEM_MASTER_CF + " has no 'smtp inet' service");
      }
      return String.join("\n", lines);
    }
  }
}
