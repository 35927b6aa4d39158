package io.headroom.config;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * A Postfix policy service, {@code inet:host:port} or {@code unix:path}, as in {@code
 * check_policy_service}.
 *
 * @param spec the endpoint as written, for the log and the probe's name
 * @param address an unresolved {@link InetSocketAddress} or a {@link UnixDomainSocketAddress}
 */
public record PolicyService(String spec, SocketAddress address) {

  /**
   * @param queueDirectory Postfix's queue_directory: smtpd runs chrooted or chdir'ed there, so a
   *     relative {@code unix:private/policy} is relative to it
   * @throws IllegalArgumentException when {@code spec} is neither form
   */
  public static PolicyService parse(String spec, Path queueDirectory) {
    if (spec.startsWith("inet:")) {
      return new PolicyService(spec, HostPort.parse(spec.substring("inet:".length()), -1));
    }
    if (spec.startsWith("unix:") && spec.length() > "unix:".length()) {
      Path path = queueDirectory.resolve(spec.substring("unix:".length()));
      return new PolicyService(spec, UnixDomainSocketAddress.of(path));
    }
    throw new IllegalArgumentException('"' + spec + "\" is not a policy service (inet:host:port or unix:path)");
  }
}
