// One SMTP dialogue over Go's crypto/tls, as a mailer written in Go sends mail: the runtime's protocol, suite and
// group defaults, and its certificate checks (chain and host name) unless told to skip them. It prints the dialogue
// as `C: `/`S: ` lines, after a `RUNTIME: ` line with the Go version, with `TLS: PROTOCOL SUITE` once a handshake
// completes and `TLS-ERROR: ...` when one fails.
//
// Environment: TLSLAB_SERVER, TLSLAB_PORT, TLSLAB_HELO, TLSLAB_FROM, TLSLAB_TO, TLSLAB_SUBJECT, TLSLAB_BODY,
// TLSLAB_TIMEOUT (seconds); TLSLAB_STARTTLS (required, optional, none, implicit); TLSLAB_PROTOCOLS (comma-separated,
// empty for the runtime's defaults); TLSLAB_VERIFY (1: verify the chain and the host name, as crypto/tls does
// unless InsecureSkipVerify is set); TLSLAB_TRUST_PEM (the certificates to trust instead of the system's);
// TLSLAB_VERIFY_HOSTNAME (the name to check instead of the server's).
//
// Exit codes: 0 sent, 2 STARTTLS required but not offered, 3 TLS failed, 4 a command was refused, 5 I/O failure.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

var versions = map[string]uint16{"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}

var names = map[uint16]string{tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1", tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}

type session struct {
	conn    net.Conn
	reader  *bufio.Reader
	timeout time.Duration
}

type tlsFailure struct{ err error }

func (f tlsFailure) Error() string { return f.err.Error() }

func env(name, fallback string) string {
	if value, ok := os.LookupEnv(name); ok {
		return value
	}
	return fallback
}

func (s *session) attach(conn net.Conn) {
	s.conn = conn
	s.reader = bufio.NewReader(conn)
}

func (s *session) send(text, shown string) error {
	fmt.Println("C: " + shown)
	s.conn.SetDeadline(time.Now().Add(s.timeout))
	_, err := s.conn.Write([]byte(text + "\r\n"))
	return err
}

// One whole reply, its lines printed as `S: `.
func (s *session) replies() ([]string, error) {
	var lines []string
	for {
		s.conn.SetDeadline(time.Now().Add(s.timeout))
		line, err := s.reader.ReadString('\n')
		if err != nil && line == "" {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, err
			}
			return nil, errors.New("connection closed by the server")
		}
		line = strings.TrimRight(line, "\r\n")
		fmt.Println("S: " + line)
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			return lines, nil
		}
	}
}

func (s *session) command(text string) ([]string, error) {
	if err := s.send(text, text); err != nil {
		return nil, err
	}
	return s.replies()
}

func last(lines []string) string { return lines[len(lines)-1] }

func (s *session) quit(code int) {
	s.command("QUIT")
	os.Exit(code)
}

func config(server string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: server, InsecureSkipVerify: env("TLSLAB_VERIFY", "") != "1"}
	if name := env("TLSLAB_VERIFY_HOSTNAME", ""); name != "" {
		cfg.ServerName = name
	}
	if pem := env("TLSLAB_TRUST_PEM", ""); pem != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(pem)) {
			return nil, errors.New("TLSLAB_TRUST_PEM holds no certificate")
		}
		cfg.RootCAs = pool
	}
	if list := env("TLSLAB_PROTOCOLS", ""); list != "" {
		for _, name := range strings.Split(list, ",") {
			version, ok := versions[name]
			if !ok {
				return nil, fmt.Errorf("Go has no protocol %q", name)
			}
			if cfg.MinVersion == 0 || version < cfg.MinVersion {
				cfg.MinVersion = version
			}
			if version > cfg.MaxVersion {
				cfg.MaxVersion = version
			}
		}
	}
	return cfg, nil
}

func (s *session) startTLS(server string) error {
	cfg, err := config(server)
	if err != nil {
		return tlsFailure{err}
	}
	conn := tls.Client(s.conn, cfg)
	conn.SetDeadline(time.Now().Add(s.timeout))
	if err := conn.Handshake(); err != nil {
		return tlsFailure{err}
	}
	state := conn.ConnectionState()
	fmt.Printf("TLS: %s %s\n", names[state.Version], tls.CipherSuiteName(state.CipherSuite))
	s.attach(conn)
	return nil
}

func (s *session) dialogue(server, mode string) (int, error) {
	helo := env("TLSLAB_HELO", "go.lab.test")
	if mode == "implicit" {
		if err := s.startTLS(server); err != nil {
			return 0, err
		}
	}
	greeting, err := s.replies()
	if err != nil {
		return 0, err
	}
	if !strings.HasPrefix(last(greeting), "2") {
		s.quit(4)
	}
	ehlo, err := s.command("EHLO " + helo)
	if err != nil {
		return 0, err
	}
	offered := false
	for _, line := range ehlo {
		if len(line) > 4 && strings.HasPrefix(strings.ToUpper(line[4:]), "STARTTLS") {
			offered = true
		}
	}
	if mode != "implicit" && mode != "none" {
		if offered {
			answer, err := s.command("STARTTLS")
			if err != nil {
				return 0, err
			}
			if strings.HasPrefix(answer[0], "220") {
				if err := s.startTLS(server); err != nil {
					return 0, err
				}
				if _, err := s.command("EHLO " + helo); err != nil {
					return 0, err
				}
			} else if mode == "required" {
				s.quit(2)
			}
		} else if mode == "required" {
			fmt.Println("STARTTLS not offered")
			s.quit(2)
		}
	}
	for _, step := range []string{"MAIL FROM:<" + env("TLSLAB_FROM", "") + ">", "RCPT TO:<" + env("TLSLAB_TO", "") + ">", "DATA"} {
		reply, err := s.command(step)
		if err != nil {
			return 0, err
		}
		if code := last(reply); !strings.HasPrefix(code, "2") && !strings.HasPrefix(code, "3") {
			s.quit(4)
		}
	}
	if err := s.send("Subject: "+env("TLSLAB_SUBJECT", "")+"\r\n\r\n"+env("TLSLAB_BODY", "")+"\r\n.", "<message>"); err != nil {
		return 0, err
	}
	accepted, err := s.replies()
	if err != nil {
		return 0, err
	}
	s.command("QUIT")
	if strings.HasPrefix(last(accepted), "2") {
		return 0, nil
	}
	return 4, nil
}

func main() {
	fmt.Printf("RUNTIME: Go %s\n", runtime.Version())
	server := env("TLSLAB_SERVER", "localhost")
	port := env("TLSLAB_PORT", "25")
	seconds, err := strconv.Atoi(env("TLSLAB_TIMEOUT", "30"))
	if err != nil {
		seconds = 30
	}
	s := &session{timeout: time.Duration(seconds) * time.Second}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(server, port), s.timeout)
	if err != nil {
		fmt.Println("IO-ERROR: " + err.Error())
		os.Exit(5)
	}
	fmt.Println("CONNECTED")
	s.attach(conn)
	code, err := s.dialogue(server, env("TLSLAB_STARTTLS", "required"))
	var failure tlsFailure
	switch {
	case errors.As(err, &failure):
		fmt.Println("TLS-ERROR: " + strings.ReplaceAll(failure.Error(), "\n", " "))
		os.Exit(3)
	case errors.Is(err, os.ErrDeadlineExceeded):
		fmt.Println("TIMEOUT: " + err.Error())
		os.Exit(5)
	case err != nil:
		fmt.Println("IO-ERROR: " + err.Error())
		os.Exit(5)
	}
	conn.Close()
	os.Exit(code)
}
