package io.headroom.config;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The sockets the daemon listens on.
 *
 * @param listen the milter socket
 * @param metricsListen the HTTP {@code /metrics} and {@code /health} endpoint, empty when off
 */
public record Listeners(ListenAddress listen, Optional<InetSocketAddress> metricsListen) {

  static Listeners load(Settings s) {
    return new Listeners(
        s.value("listen", "inet:127.0.0.1:8899", ListenAddress::parse),
        s.value(
            "metrics_listen",
            "127.0.0.1:9899",
            v ->
                v.equals("off")
                    ? Optional.<InetSocketAddress>empty()
                    : Optional.of(HostPort.parseListen(v))));
  }
}
