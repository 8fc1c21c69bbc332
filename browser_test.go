package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserPath finds Debian's chromium (or another Chromium-based browser).
// Without one the browser test is skipped, unless MORLITE_BROWSER_TEST=1
// or CI (both set by .ci/run, which installs chromium) makes a missing
// browser a failure.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MORLITE_BROWSER_TEST") == "1" || os.Getenv("CI") != "" {
		t.Fatal("no Chromium found: install Debian's chromium (apt-get install chromium)")
	}
	t.Skip("no Chromium found (apt-get install chromium); .ci/run installs it and requires this test")
	return ""
}

// newBrowser starts a headless Chromium and returns its context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestBrowserDIDEdit drives the demo in a real browser as MOR's docs do
// ("Now we can view these changes in GUI through DID edit"): log in, see the
// seed's DID reserved, run the seed's API request, reload, see it active on
// bob's trunk SIP/101 with the action in its log, and take a screenshot.
func TestBrowserDIDEdit(t *testing.T) {
	ctx := newBrowser(t)
	base, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "demo.db"))
	t.Cleanup(func() { stop() })

	edit := base + "/billing/dids/edit/1"
	err := chromedp.Do(ctx,
		chromedp.Navigate(edit),
		chromedp.WaitVisible(chromedp.ID("login_username")),
		chromedp.SendKeys(chromedp.ID("login_username"), "admin"),
		chromedp.SendKeys(chromedp.ID("login_psw"), "admin1"),
		chromedp.Click(chromedp.ID("login_button")),
		// The login page has no logout form: wait for the page after it.
		chromedp.WaitVisible(chromedp.CSS("form.logout")),
		chromedp.WaitVisible(chromedp.ID("did-status")),
	)
	if err != nil {
		t.Fatalf("log in and open the DID edit page: %v", err)
	}
	if url := browse(t, ctx, chromedp.Location()); url != edit {
		t.Errorf("after login the browser is at %s, want %s", url, edit)
	}
	if status := browse(t, ctx, chromedp.Text(chromedp.ID("did-status"))); strings.TrimSpace(status) != "Reserved" {
		t.Fatalf("before the API request the DID is %q, want Reserved", status)
	}

	if got := postText(t, base+seedQuery); !strings.Contains(got, "<success>Device assigned to DID</success>") {
		t.Fatalf("the seed's request answered %s", got)
	}

	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("did-status"))); err != nil {
		t.Fatalf("reload the DID edit page: %v", err)
	}
	if status := browse(t, ctx, chromedp.Text(chromedp.ID("did-status"))); strings.TrimSpace(status) != "Active" {
		t.Errorf("after the API request the DID is %q, want Active", status)
	}
	if device := browse(t, ctx, chromedp.Text(chromedp.ID("did-device"))); !strings.Contains(device, "SIP/101") {
		t.Errorf("device %q, want SIP/101", device)
	}
	if actions := browse(t, ctx, chromedp.Text(chromedp.ID("did-actions"))); !strings.Contains(actions, "did_trunk_device_assign") {
		t.Errorf("the action log does not show did_trunk_device_assign:\n%s", actions)
	}
	shot := browse(t, ctx, chromedp.FullScreenshot(100))
	checkScreenshot(t, shot)
}

// browse runs one browser action that returns a value.
func browse[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkScreenshot writes the screenshot to a temp file and checks it is a
// non-empty PNG. MORLITE_SCREENSHOT=path keeps a copy (the README's picture
// under docs/ is made that way).
func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "did-edit.png")
	if err := os.WriteFile(path, shot, 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("the screenshot is %dx%d", b.Dx(), b.Dy())
	}
	if keep := os.Getenv("MORLITE_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserDialplanCreate makes a dial plan through its page in a real
// browser: the New Dial Plan form, its type select and device select, the
// CSRF token it carries, and the list it lands on with MOR's status text.
func TestBrowserDialplanCreate(t *testing.T) {
	ctx := newBrowser(t)
	base, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "demo.db"))
	t.Cleanup(func() { stop() })

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/billing/dialplans/new"),
		chromedp.WaitVisible(chromedp.ID("login_username")),
		chromedp.SendKeys(chromedp.ID("login_username"), "admin"),
		chromedp.SendKeys(chromedp.ID("login_psw"), "admin1"),
		chromedp.Click(chromedp.ID("login_button")),
		chromedp.WaitVisible(chromedp.ID("dp-form")),
		chromedp.SendKeys(chromedp.ID("dp-name"), "Browser plan"),
		chromedp.SetValue(chromedp.ID("dp-type"), "quickforwarddids"),
		chromedp.SetValue(chromedp.ID("dp-device"), "2"),
		chromedp.Click(chromedp.ID("dp-save")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
	)
	if err != nil {
		t.Fatalf("create a dial plan through its page: %v", err)
	}
	if flash := browse(t, ctx, chromedp.Text(chromedp.CSS("p.flash.ok"))); strings.TrimSpace(flash) != "Dial Plan successfully created" {
		t.Fatalf("flash %q", flash)
	}
	row := browse(t, ctx, chromedp.Text(chromedp.ID("dp-quickforwarddids")))
	if !strings.Contains(row, "Browser plan") || !strings.Contains(row, "SIP/") || !strings.Contains(row, "Assign DID") {
		t.Errorf("the Quickforward section after the create:\n%s", row)
	}
}
