package server

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"morlite/api"
)

// shownPage is what oldText answers for a success page that carries no
// text (device_details_get, devices_get, users_get, user_details_get).
const shownPage = "(page)"

// oldPage is any of MOR's page layouts, parsed with fixed paths.
type oldPage struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Error   string `xml:"error"`
	Status  struct {
		Text    string `xml:",chardata"`
		Success string `xml:"success"`
		Error   string `xml:"error"`
		Status  string `xml:"status"` // did_delete's nested success
	} `xml:"status"`
}

// oldText returns an answer's text in whichever envelope it came: the bare
// <error>, /page/error, /page/status/error, /page/status/success or the old
// /page/status text; shownPage for a page of data.
func oldText(t *testing.T, body string) string {
	t.Helper()
	if !strings.HasPrefix(body, "<?xml ") {
		t.Fatalf("answer does not start with an XML declaration: %q", body)
	}
	var p oldPage
	if err := xml.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("answer is not well-formed: %v\n%s", err, body)
	}
	switch {
	case p.XMLName.Local == "error":
		return p.Text
	case p.Error != "":
		return p.Error
	case p.Status.Error != "":
		return p.Status.Error
	case p.Status.Success != "":
		return p.Status.Success
	case p.Status.Status != "":
		return p.Status.Status
	case strings.TrimSpace(p.Status.Text) != "":
		return strings.TrimSpace(p.Status.Text)
	}
	return shownPage
}

// errBody is the exact answer of an error text in an envelope.
func errBody(env api.Envelope, text string) string {
	switch env {
	case api.EnvPage:
		return api.XMLDecl + "\n<page>\n  <error>" + text + "</error>\n</page>\n"
	case api.EnvBare:
		return api.XMLDecl + "\n<error>" + text + "</error>\n"
	}
	return api.XMLDecl + "\n<page>\n  <status>\n    <error>" + text + "</error>\n  </status>\n</page>\n"
}

// worldRows dumps users, devices, DIDs, dial plans and the action log, to
// prove that an error answer changed nothing.
func (e *env) worldRows() string {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%+v|%+v|%+v|%+v|%+v", w.Users, w.Devices, w.DIDs, w.Dialplans, w.Actions)
}

// runEnvScenarios runs each scenario on a fresh world and checks its text;
// an error must be exactly the method's envelope and change nothing.
func runEnvScenarios(t *testing.T, method string, env api.Envelope, tests []scenario) {
	t.Helper()
	runTable(t, method, env, tests, nil)
}

// runTable runs each scenario of method on a fresh world (the demo unless
// it names a fixture) and checks the answer's text; an error answer must be
// exactly the method's envelope kind and leave every table as it was; a
// success is handed to onSuccess, when given, with the action rows before.
func runTable(t *testing.T, method string, kind api.Envelope, tests []scenario, onSuccess func(t *testing.T, e *env, got string, actionsBefore int)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture := tt.fixture
			if fixture == "" {
				fixture = demoYAML
			}
			e := newEnv(t, fixture)
			before, actionsBefore := e.worldRows(), len(e.actions())
			rec := e.post(method, sign(method, tt.u, tt.params...))
			body := rec.Body.String()
			got := oldText(t, body)
			if rec.Code != 200 || got != tt.want {
				t.Fatalf("answer = HTTP %d %q, want %q\n%s", rec.Code, got, tt.want, body)
			}
			if successTexts[got] {
				if onSuccess != nil {
					onSuccess(t, e, got, actionsBefore)
				}
				return
			}
			if body != errBody(kind, tt.want) {
				t.Fatalf("error envelope:\n%s\nwant\n%s", body, errBody(kind, tt.want))
			}
			if after := e.worldRows(); after != before {
				t.Fatalf("error %q changed the world:\nbefore %s\nafter  %s", got, before, after)
			}
		})
	}
}

// failWrites makes every insert into table fail, as a broken disk would.
func (e *env) failWrites(table string) {
	e.t.Helper()
	e.exec("CREATE TRIGGER fail_" + table + " BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
}
