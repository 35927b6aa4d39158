package io.headroom.ops;

import io.headroom.health.HealthSnapshot;
import io.headroom.metrics.MetricsHttpServer;
import io.headroom.metrics.MicrometerMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URL;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import oshi.SystemInfo;
import oshi.software.os.OSFileStore;

/**
 * What the daemon's libraries do at run time, in one short JVM that {@link SandboxSyscallsIT} runs
 * under strace: OSHI's memory, load and file-store reads, the spool write probe, Netty's epoll
 * listeners (unix socket with mode and group, and TCP), the metrics endpoint (gzip), dnsjava over
 * UDP and TCP, sd_notify over a unix datagram socket, and taking back a signal ignored at start.
 * Loopback only; DNS goes to a port where nothing listens.
 *
 * <p>Arguments: a scratch directory and a closed loopback port.
 */
final class SandboxWorkload {

  private SandboxWorkload() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int closedPort = Integer.parseInt(args[1]);
    readResources(dir);
    writeProbeFile(dir);
    serveAndConnect(dir);
    queryDns(closedPort);
    notifySystemd(dir);
    System.out.println("workload done");
  }

  private static void readResources(Path dir) {
    SystemInfo info = new SystemInfo();
    long available = info.getHardware().getMemory().getAvailable();
    double load = info.getHardware().getProcessor().getSystemLoadAverage(1)[0];
    int cores = info.getHardware().getProcessor().getLogicalProcessorCount();
    long inodes = -1;
    for (OSFileStore store : info.getOperatingSystem().getFileSystem().getFileStores()) {
      if (store.updateAttributes() && dir.startsWith(store.getMount())) {
        inodes = store.getFreeInodes();
      }
    }
    System.out.println(
        "memory " + available + " load " + load + " cores " + cores + " inodes " + inodes);
  }

  private static void writeProbeFile(Path dir) throws IOException {
    Path probe = dir.resolve(".headroom-probe");
    try (FileChannel channel =
        FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {1}));
      channel.force(true);
    }
    Files.delete(probe);
  }

  private static void serveAndConnect(Path dir) throws Exception {
    EventLoopGroup group = new EpollEventLoopGroup(1);
    MetricsHttpServer http =
        MetricsHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new MicrometerMetrics(
                () -> HealthSnapshot.EMPTY,
                new MicrometerMetrics.Labels("9.9-test", List.of(), List.of())),
            () -> HealthSnapshot.EMPTY);
    try {
      Path socket = dir.resolve("milter.sock");
      Channel unix =
          bind(
              group,
              EpollServerDomainSocketChannel.class,
              new DomainSocketAddress(socket.toString()));
      Channel tcp =
          bind(group, EpollServerSocketChannel.class, new InetSocketAddress("127.0.0.1", 0));
      // listen_socket_mode and listen_socket_group: chmod, and chown to a group we belong to.
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
      PosixFileAttributeView view =
          Files.getFileAttributeView(socket, PosixFileAttributeView.class);
      GroupPrincipal ownGroup = view.readAttributes().group();
      view.setGroup(ownGroup);
      try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        client.connect(UnixDomainSocketAddress.of(socket));
      }
      try (SocketChannel client = SocketChannel.open(tcp.localAddress())) {
        client.finishConnect();
      }
      URL url = new URL("http://127.0.0.1:" + http.address().getPort() + "/metrics");
      HttpURLConnection connection = (HttpURLConnection) url.openConnection();
      connection.setRequestProperty("Accept-Encoding", "gzip");
      try (InputStream in = connection.getInputStream()) {
        System.out.println("http " + connection.getResponseCode() + " " + in.readAllBytes().length);
      }
      unix.close().sync();
      tcp.close().sync();
    } finally {
      http.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static Channel bind(
      EventLoopGroup group, Class<? extends ServerChannel> type, SocketAddress address)
      throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(type)
        .childHandler(new ChannelInboundHandlerAdapter())
        .bind(address)
        .sync()
        .channel();
  }

  private static void notifySystemd(Path dir) throws Exception {
    try (NotifySocket systemd = NotifySocket.bind(dir.resolve("notify").toString())) {
      new SystemdNotifier(Optional.of(systemd.name()), Optional.empty()).ready("workload");
      System.out.println("notify " + systemd.receive(Duration.ofSeconds(5)).replace('\n', ' '));
    }
    // As under nohup: SIGHUP ignored, which Signals takes back through libc (JNA).
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sun.misc.SignalHandler.SIG_IGN);
    System.out.println("signal " + Signals.handle("HUP", () -> {}));
  }

  private static void queryDns(int closedPort) throws IOException {
    Message query = Message.newQuery(Record.newRecord(Name.root, Type.NS, DClass.IN));
    for (boolean tcp : new boolean[] {false, true}) {
      SimpleResolver resolver = new SimpleResolver("127.0.0.1");
      resolver.setPort(closedPort);
      resolver.setTCP(tcp);
      resolver.setTimeout(Duration.ofMillis(500));
      try {
        resolver.send(query);
      } catch (IOException expected) {
        System.out.println(
            "dns " + (tcp ? "tcp" : "udp") + " " + expected.getClass().getSimpleName());
      }
    }
  }
}
