import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One SMTP dialogue over JSSE, as a Java application (JavaMail with mail.smtp.starttls.*) sends mail: the JDK's
 * protocol defaults and security properties, its cipher suite order, and a PKIX trust manager. It prints the dialogue
 * as `C: `/`S: ` lines, after a `RUNTIME: ` line with the Java version, with `TLS: PROTOCOL SUITE` once a handshake
 * completes and `TLS-ERROR: ...` when one fails.
 *
 * Environment: TLSLAB_SERVER, TLSLAB_PORT, TLSLAB_HELO, TLSLAB_FROM, TLSLAB_TO, TLSLAB_SUBJECT, TLSLAB_BODY,
 * TLSLAB_TIMEOUT (seconds); TLSLAB_STARTTLS (required, optional, none, implicit); TLSLAB_PROTOCOLS (comma-separated,
 * empty for the JDK's defaults); TLSLAB_VERIFY (1: verify the chain, as JavaMail does unless told to trust all);
 * TLSLAB_TRUST_PEM (the certificates to trust instead of the system bundle); TLSLAB_VERIFY_HOSTNAME (check the
 * certificate against this name).
 *
 * Exit codes: 0 sent, 2 STARTTLS required but not offered, 3 TLS failed, 4 a command was refused, 5 I/O failure.
 */
public final class SmtpClient {
  private static final String SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
  private static InputStream in;
  private static OutputStream out;

  public static void main(String[] args) {
    System.out.println("RUNTIME: Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")");
    String server = env("TLSLAB_SERVER", "localhost");
    int port = Integer.parseInt(env("TLSLAB_PORT", "25"));
    int timeout = Integer.parseInt(env("TLSLAB_TIMEOUT", "30")) * 1000;
    String mode = env("TLSLAB_STARTTLS", "required");
    String protocols = env("TLSLAB_PROTOCOLS", "");
    if (!protocols.isEmpty()) allowProtocols(protocols.split(","));
    Socket socket;
    try {
      socket = new Socket();
      socket.connect(new InetSocketAddress(server, port), timeout);
      socket.setSoTimeout(timeout);
      System.out.println("CONNECTED");
      attach(socket);
    } catch (IOException e) {
      System.out.println("IO-ERROR: " + e);
      System.exit(5);
      return;
    }
    try {
      if (mode.equals("implicit")) socket = startTls(socket, server, port, protocols);
      if (!reply().startsWith("2")) quit(4);
      List<String> ehlo = command("EHLO " + env("TLSLAB_HELO", "java.lab.test"));
      boolean offered = ehlo.stream().anyMatch((line) -> line.length() > 4 && line.substring(4).toUpperCase().startsWith("STARTTLS"));
      if (!mode.equals("implicit") && !mode.equals("none")) {
        if (offered) {
          String answer = command("STARTTLS").get(0);
          if (answer.startsWith("220")) {
            socket = startTls(socket, server, port, protocols);
            command("EHLO " + env("TLSLAB_HELO", "java.lab.test"));
          } else if (mode.equals("required")) quit(2);
        } else if (mode.equals("required")) {
          System.out.println("STARTTLS not offered");
          quit(2);
        }
      }
      for (String step : new String[] {"MAIL FROM:<" + env("TLSLAB_FROM", "") + ">", "RCPT TO:<" + env("TLSLAB_TO", "") + ">", "DATA"}) {
        String code = last(command(step));
        if (!code.startsWith("2") && !code.startsWith("3")) quit(4);
      }
      send("Subject: " + env("TLSLAB_SUBJECT", "") + "\r\n\r\n" + env("TLSLAB_BODY", "") + "\r\n.", "<message>");
      String accepted = last(replies());
      command("QUIT");
      socket.close();
      System.exit(accepted.startsWith("2") ? 0 : 4);
    } catch (TlsFailure e) {
      System.out.println("TLS-ERROR: " + describe(e.getCause()));
      System.exit(3);
    } catch (IOException e) {
      System.out.println((e instanceof SocketTimeoutException ? "TIMEOUT: " : "IO-ERROR: ") + e);
      System.exit(5);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null ? fallback : value;
  }

  /** Lets the JDK use protocols its security properties disable by default, when the sender is to offer them. */
  private static void allowProtocols(String[] wanted) {
    String disabled = Security.getProperty("jdk.tls.disabledAlgorithms");
    if (disabled == null) return;
    List<String> kept = new ArrayList<>();
    for (String entry : disabled.split(",")) {
      String name = entry.trim();
      if (!name.isEmpty() && Arrays.stream(wanted).noneMatch(name::equals)) kept.add(name);
    }
    Security.setProperty("jdk.tls.disabledAlgorithms", String.join(", ", kept));
  }

  private static final class TlsFailure extends IOException {
    TlsFailure(Throwable cause) {
      super(cause);
    }
  }

  private static SSLSocket startTls(Socket plain, String server, int port, String protocols) throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers(), null);
      String name = env("TLSLAB_VERIFY_HOSTNAME", "");
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, name.isEmpty() ? server : name, port, true);
      if (!protocols.isEmpty()) socket.setEnabledProtocols(protocols.split(","));
      if (!name.isEmpty()) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
      }
      socket.startHandshake();
      System.out.println("TLS: " + socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite());
      attach(socket);
      return socket;
    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
      throw new TlsFailure(e);
    }
  }

  private static TrustManager[] trustManagers() throws IOException, java.security.GeneralSecurityException {
    if (!env("TLSLAB_VERIFY", "").equals("1")) return new TrustManager[] {new TrustAll()};
    String pem = env("TLSLAB_TRUST_PEM", "");
    byte[] certificates = pem.isEmpty() ? Files.readAllBytes(Path.of(SYSTEM_BUNDLE)) : pem.getBytes(StandardCharsets.US_ASCII);
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int index = 0;
    for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(certificates))) {
      store.setCertificateEntry("trusted-" + index++, certificate);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers();
  }

  /** What JavaMail does with mail.smtp.ssl.trust set to "*". */
  private static final class TrustAll implements X509TrustManager {
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder(error.toString());
    for (Throwable cause = error.getCause(); cause != null && cause != error; cause = cause.getCause()) {
      if (!text.toString().contains(String.valueOf(cause.getMessage()))) text.append(" | caused by ").append(cause);
      if (cause.getCause() == cause) break;
    }
    return text.toString().replace('\n', ' ');
  }

  private static void attach(Socket socket) throws IOException {
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  private static void send(String text, String shown) throws IOException {
    System.out.println("C: " + shown);
    out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static List<String> command(String text) throws IOException {
    send(text, text);
    return replies();
  }

  /** One whole reply, its lines printed as `S: `. */
  private static List<String> replies() throws IOException {
    List<String> lines = new ArrayList<>();
    for (;;) {
      String line = readLine();
      if (line == null) throw new IOException("connection closed by the server");
      System.out.println("S: " + line);
      lines.add(line);
      if (line.length() < 4 || line.charAt(3) != '-') return lines;
    }
  }

  private static String reply() throws IOException {
    return last(replies());
  }

  private static String last(List<String> lines) {
    return lines.get(lines.size() - 1);
  }

  private static String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      if (c != '\r') line.write(c);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  private static void quit(int code) throws IOException {
    try {
      command("QUIT");
    } catch (IOException e) {
      // The server may have gone already; the exit code tells what happened.
    }
    System.exit(code);
  }
}
