package io.headroom.metrics;

import io.headroom.health.CheckState;
import io.headroom.health.HealthSnapshot;
import java.util.Locale;

/** The snapshot as the JSON {@code /health} serves; small enough not to need a JSON library. */
final class HealthJson {
  private HealthJson() {}

  static String of(HealthSnapshot snap) {
    StringBuilder out = new StringBuilder(256);
    out.append("{\"status\":\"").append(snap.allEnforcedHealthy() ? "ok" : "deferring").append('"');
    out.append(",\"taken\":\"").append(snap.taken()).append('"');
    out.append(",\"checks\":[");
    for (int i = 0; i < snap.states().size(); i++) {
      CheckState s = snap.states().get(i);
      out.append(i == 0 ? "" : ",").append('{');
      field(out, "check", s.check().label()).append(',');
      field(out, "probe", s.probe()).append(',');
      out.append("\"healthy\":").append(s.healthy()).append(',');
      field(out, "mode", s.mode().name().toLowerCase(Locale.ROOT)).append(',');
      field(out, "measured", s.latest().measured()).append(',');
      field(out, "limit", s.latest().limit()).append(',');
      field(out, "since", s.since().toString());
      if (!s.healthy()) {
        out.append(',');
        field(out, "reason", s.cause().reason());
      }
      out.append('}');
    }
    return out.append("]}\n").toString();
  }

  private static StringBuilder field(StringBuilder out, String name, String value) {
    out.append('"').append(name).append("\":\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}
