package io.headroom.config;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A Postfix policy service, {@code inet:host:port} or {@code unix:path}, as in {@code
 * check_policy_service}.
 *
 * @param spec the endpoint as written, for the log and the probe's name
 * @param address an unresolved {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}
 */
public record PolicyService(String spec, SocketAddress address) {

  /** Postfix's client takes local: as another name for unix: (auto_clnt's "local" transport). */
  private static final List<String> UNIX_TRANSPORTS = List.of("unix:", "local:");

  /** The {@code unix:} or {@code local:} that {@code spec} begins with, if any. */
  static Optional<String> unixTransport(String spec) {
    return UNIX_TRANSPORTS.stream().filter(spec::startsWith).findFirst();
  }

  /**
   * @param queueDirectory Postfix's queue_directory: smtpd runs chrooted or chdir'ed there, so a
   *     relative {@code unix:private/policy} is relative to it
   * @throws IllegalArgumentException when {@code spec} is neither form
   */
  public static PolicyService parse(String spec, Path queueDirectory) {
    if (spec.startsWith("inet:")) {
      return new PolicyService(spec, HostPort.parse(spec.substring("inet:".length()), -1));
    }
    Optional<String> unix = unixTransport(spec);
    if (unix.isPresent() && spec.length() > unix.get().length()) {
      Path path = queueDirectory.resolve(spec.substring(unix.get().length()));
      return new PolicyService(spec, UnixDomainSocketAddress.of(path));
    }
    throw new IllegalArgumentException(
        '"' + spec + "\" is not a policy service (inet:host:port, unix:path or local:path)");
  }

  /**
   * Why the daemon cannot connect to this Unix socket, with the fix; empty for a TCP service, or a
   * socket it may connect to (or that is missing: then the service is down, which the probe
   * reports). Postfix's {@code private/} directory is mode 0700, for Postfix's own processes.
   *
   * @param writable whether the daemon may write to a path (connecting to a socket needs that)
   * @param searchable whether the daemon may search a directory
   */
  public Optional<String> accessProblem(Predicate<Path> writable, Predicate<Path> searchable) {
    if (!(address instanceof UnixDomainSocketAddress unix)) {
      return Optional.empty();
    }
    Path socket = unix.getPath();
    Path directory = socket.getParent();
    boolean blocked =
        directory != null && Files.isDirectory(directory) && !searchable.test(directory)
            || Files.exists(socket) && !writable.test(socket);
    if (!blocked) {
      return Optional.empty();
    }
    return Optional.of(
        "cannot connect to "
            + socket
            + " ("
            + spec
            + "): the socket or its directory is closed to"
            + " headroom-milter (Postfix's private/ is mode 0700); let the policy service listen on inet:127.0.0.1:PORT"
            + " or on a socket in a directory of its own with group postfix and mode 0660");
  }
}
