package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.headroom.config.Config;
import io.headroom.support.ConfigFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeFactoryTest {
  @TempDir Path dir;

  private Config config(String... lines) throws Exception {
    return ConfigFiles.parse(dir, lines);
  }

  /** As the daemon builds them: one search for the lookup tables and policy services first. */
  private static List<Probe> probes(Config c) {
    return ProbeFactory.fromConfig(c, LookupBackends.find(c));
  }

  private static List<String> names(List<Probe> probes) {
    return probes.stream().map(Probe::name).toList();
  }

  @Test
  void everyEnabledCheckGetsItsProbesInCheckOrder() throws Exception {
    Config c = config("disk_paths = /, " + dir, "dns_resolvers = 127.0.0.1:5353");

    List<Probe> probes = probes(c);

    assertEquals(
        List.of(
            "drain",
            "disk_space:/",
            "disk_inodes:/",
            "disk_space:" + dir,
            "disk_inodes:" + dir,
            "memory",
            "cpu",
            "spool",
            "queue",
            "queue:maildrop",
            "queue:incoming",
            "queue:active",
            "queue:deferred",
            "queue:hold",
            "dns",
            "dns_recursion"),
        names(probes));
  }

  @Test
  void checksSetToOffGetNoProbe() throws Exception {
    Config c =
        config(
            "disk_mode = off",
            "cpu_mode = off",
            "dns_mode = off",
            "spool_mode = monitor",
            "drain_mode = off",
            "queue_mode = off",
            "dns_recursion_mode = off");

    assertEquals(List.of("memory", "spool"), names(probes(c)));
  }

  @Test
  void listedLookupTablesAndPolicyServicesGetAProbeEach() throws Exception {
    Config c =
        config(
            "disk_mode = off",
            "memory_mode = off",
            "cpu_mode = off",
            "spool_mode = off",
            "dns_mode = off",
            "drain_mode = off",
            "queue_mode = off",
            "lookup_tables = tcp:127.0.0.1:2525, socketmap:inet:127.0.0.1:2526:virtual",
            "lookup_canary = probe@example.org",
            "policy_services = inet:127.0.0.1:10023");

    List<Probe> probes = probes(c);

    assertEquals(
        List.of(
            "lookup:tcp:127.0.0.1:2525",
            "lookup:socketmap:inet:127.0.0.1:2526:virtual",
            "policy:inet:127.0.0.1:10023"),
        names(probes));
    assertEquals(
        List.of("Lookup table (tcp)", "Lookup table (socketmap)", "Policy service"),
        probes.stream().map(Probe::noun).toList());
  }

  /** The recursion check asks the dns check's resolvers: with DNS off it must ask no one. */
  @Test
  void dnsOffTakesTheRecursionCheckWithIt() throws Exception {
    Config c =
        config(
            "disk_mode = off",
            "memory_mode = off",
            "cpu_mode = off",
            "spool_mode = off",
            "drain_mode = off",
            "queue_mode = off",
            "lookup_tables =",
            "policy_services =",
            "dns_mode = off");

    assertEquals(List.of(), names(probes(c)));
  }
}
