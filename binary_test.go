//go:build crash || galera

package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary go-builds the real morlite into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "morlite")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binary is a running morlite.
type binary struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer
}

// startBinary starts `morlite serve` on a loopback port and waits for its
// listening line.
func startBinary(t *testing.T, bin string, args ...string) *binary {
	t.Helper()
	b := &binary{stderr: &bytes.Buffer{}}
	b.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	b.cmd.Stderr = b.stderr
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		_, addr, ok := strings.Cut(strings.TrimSpace(l), "morlite listening on ")
		if !ok || !strings.HasPrefix(addr, "http://127.0.0.1:") {
			b.cmd.Process.Kill()
			b.cmd.Wait()
			t.Fatalf("no listening line: %q\n%s", l, b.stderr)
		}
		b.base = addr
	case <-time.After(30 * time.Second):
		b.cmd.Process.Kill()
		b.cmd.Wait()
		t.Fatalf("the server did not start in 30s\n%s", b.stderr)
	}
	return b
}

// kill ends the server with SIGKILL, as a crash would, and waits for it.
func (b *binary) kill() {
	b.cmd.Process.Kill()
	b.cmd.Wait()
}

// stop ends the server with SIGTERM (or SIGKILL after 15s).
func (b *binary) stop(t *testing.T) {
	b.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		b.cmd.Process.Kill()
		<-done
		t.Errorf("the server did not stop on SIGINT")
	}
}
