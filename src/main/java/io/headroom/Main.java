package io.headroom;

import io.headroom.config.Config;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import io.headroom.config.ParsedConfig;
import java.io.PrintStream;
import java.util.List;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The command line: run the daemon, validate a file, or print every check once. */
public final class Main {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILING = 1;
  static final int EXIT_USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    // The JDK (its HTTP server) and some libraries log through java.util.logging: one format and
    // level for everything. jmilter has its own hook, set by the milter server (JmilterLog).
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(run(List.of(args), System.out, System.err));
  }

  static int run(List<String> args, PrintStream out, PrintStream err) {
    CommandLine cli;
    try {
      cli = CommandLine.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(CommandLine.USAGE);
      return EXIT_USAGE;
    }
    if (cli.action() == CommandLine.Action.HELP) {
      out.println(CommandLine.USAGE);
      return EXIT_OK;
    }
    ParsedConfig parsed;
    try {
      parsed = cli.config().isPresent() ? ConfigParser.read(cli.config().get()) : ConfigParser.readDefaults();
    } catch (ConfigException e) {
      e.problems().forEach(err::println);
      return EXIT_USAGE;
    }
    Config config = parsed.config();
    return switch (cli.action()) {
      case CHECK_CONFIG -> {
        parsed.warnings().forEach(w -> err.println("warning: " + w));
        out.println(config.describeSource() + ": OK");
        yield EXIT_OK;
      }
      case CONFIG -> ConfigCommand.print(parsed, false, out);
      case CONFIG_CHANGED -> ConfigCommand.print(parsed, true, out);
      case STATUS -> StatusCommand.print(config, out);
      default -> Daemon.run(config);
    };
  }
}
