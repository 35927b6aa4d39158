package io.headroom.metrics;

import io.headroom.health.HealthSnapshot;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each request: exactly {@code /metrics} and {@code /health} (any query string ignored),
 * GET or HEAD; every other path 404, every other method 405, a malformed or oversized request 4xx
 * and closed.
 */
@Sharable
final class MetricsRoutes extends SimpleChannelInboundHandler<HttpObject> {
  static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final Logger log = LoggerFactory.getLogger(MetricsRoutes.class);

  private final Function<String, String> scrape;
  private final Supplier<HealthSnapshot> health;

  /**
   * @param scrape the registry's exposition in the given content type ({@link #TEXT} or {@link
   *     #OPENMETRICS})
   */
  MetricsRoutes(Function<String, String> scrape, Supplier<HealthSnapshot> health) {
    this.scrape = scrape;
    this.health = health;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    // A request body (GET has none) is read and dropped; the answer depends on the head alone.
    if (msg instanceof HttpRequest request) {
      if (!ctx.channel().isWritable()) {
        // Pipelined requests from a client that does not read its answers: once they fill the
        // socket and Netty's outbound buffer, no more. Each would otherwise be held in direct
        // memory, which the milter's connections share.
        ctx.close();
        return;
      }
      ctx.writeAndFlush(answer(request));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      log.warn("metrics endpoint: {}", cause.toString());
    }
    ctx.close();
  }

  FullHttpResponse answer(HttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      return closing(status(request.decoderResult().cause()));
    }
    String path;
    try {
      path = new QueryStringDecoder(request.uri()).path();
    } catch (IllegalArgumentException e) {
      return closing(HttpResponseStatus.BAD_REQUEST); // a malformed percent-escape
    }
    if (!path.equals("/metrics") && !path.equals("/health")) {
      return closing(HttpResponseStatus.NOT_FOUND);
    }
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse response = closing(HttpResponseStatus.METHOD_NOT_ALLOWED);
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      return response;
    }
    FullHttpResponse response;
    if (path.equals("/metrics")) {
      String type = contentType(request.headers().get(HttpHeaderNames.ACCEPT));
      response = response(HttpResponseStatus.OK, type, scrape.apply(type));
    } else {
      HealthSnapshot snapshot = health.get();
      response =
          response(
              snapshot.allEnforcedHealthy()
                  ? HttpResponseStatus.OK
                  : HttpResponseStatus.SERVICE_UNAVAILABLE,
              "application/json",
              HealthJson.of(snapshot));
    }
    if (method.equals(HttpMethod.HEAD)) {
      response.content().clear();
    }
    return response;
  }

  /**
   * The rule Prometheus's own exposition code applies: OpenMetrics when the scraper names it at
   * all.
   */
  static String contentType(String accept) {
    return accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
  }

  private static HttpResponseStatus status(Throwable decoderFailure) {
    if (decoderFailure instanceof TooLongHttpHeaderException) {
      return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    if (decoderFailure instanceof TooLongHttpLineException) {
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    return HttpResponseStatus.BAD_REQUEST;
  }

  private static FullHttpResponse closing(HttpResponseStatus status) {
    FullHttpResponse response = response(status, "text/plain; charset=utf-8", status + "\n");
    HttpUtil.setKeepAlive(response, false);
    return response;
  }

  /** Content-Length is the body's, also for HEAD, which then sends no body. */
  private static FullHttpResponse response(HttpResponseStatus status, String type, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return response;
  }
}
