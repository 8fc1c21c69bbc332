package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
)

// Injected faults (sandbox mode): rules that make matching API requests
// fail on purpose, the way a MOR server or the network between fails, so
// that an integration can be tested against them. Rules live in memory; a
// reset keeps them, a restart forgets them.

// Paths of the fault endpoints.
const (
	FaultsPath = "/sandbox/faults"
	FaultPath  = "/sandbox/faults/:id"
)

// faultDelayMax caps a rule's delay_ms.
const faultDelayMax = 60_000

// faultBodyMax caps a rule's JSON body.
const faultBodyMax = 64 << 10

// When a rule acts.
const (
	faultBefore = "before" // the method does not run
	faultAfter  = "after"  // the method runs and commits first
)

// FaultRule is one rule as the endpoints show it.
type FaultRule struct {
	ID          string            `json:"id"`
	Method      string            `json:"method"`
	Params      map[string]string `json:"params,omitempty"`
	When        string            `json:"when"`
	Error       string            `json:"error,omitempty"`
	Status      int               `json:"status,omitempty"`
	Drop        bool              `json:"drop,omitempty"`
	DelayMS     int               `json:"delay_ms,omitempty"`
	Times       *int              `json:"times,omitempty"`
	Probability *float64          `json:"probability,omitempty"`
	Seed        *uint64           `json:"seed,omitempty"`
	Fired       int               `json:"fired"`
	// Remaining is how many more times the rule fires (null: until removed).
	Remaining *int `json:"remaining"`
}

// matches says the rule applies to a request for method with params (the
// canonical method name).
func (f *FaultRule) matches(method string, params domain.Params) bool {
	if f.Method != "*" && f.Method != method {
		return false
	}
	for k, v := range f.Params {
		if got, ok := params[k]; !ok || got != v {
			return false
		}
	}
	return f.Remaining == nil || *f.Remaining > 0
}

// faults holds the rules, first added first.
type faults struct {
	mu    sync.Mutex
	rules []*faultEntry
	seq   int
}

// faultEntry is a rule and its own random source (seeded when the rule
// says so, so that a run can be repeated).
type faultEntry struct {
	rule FaultRule
	rng  *rand.Rand
}

// add stores a checked rule and returns it with its id.
func (fs *faults) add(r FaultRule) FaultRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	r.ID = strconv.Itoa(fs.seq)
	if r.Times != nil {
		left := *r.Times
		r.Remaining = &left
	}
	seed := rand.Uint64()
	if r.Seed != nil {
		seed = *r.Seed
	}
	fs.rules = append(fs.rules, &faultEntry{rule: r, rng: rand.New(rand.NewPCG(seed, 0))})
	return r
}

// list returns copies of the rules, first added first.
func (fs *faults) list() []FaultRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]FaultRule, 0, len(fs.rules))
	for _, e := range fs.rules {
		out = append(out, e.rule.copy())
	}
	return out
}

// copy is r with its own Remaining.
func (r FaultRule) copy() FaultRule {
	if r.Remaining != nil {
		left := *r.Remaining
		r.Remaining = &left
	}
	return r
}

// remove deletes the rule with that id; false when there is none.
func (fs *faults) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := len(fs.rules)
	fs.rules = slices.DeleteFunc(fs.rules, func(e *faultEntry) bool { return e.rule.ID == id })
	return len(fs.rules) < n
}

// clear deletes every rule.
func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// fire returns the first rule that matches the request and fires (its
// probability drawn from its own source), counting the firing; nil when
// none does.
func (fs *faults) fire(method string, params domain.Params) *FaultRule {
	if fs == nil {
		return nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, e := range fs.rules {
		r := &e.rule
		if !r.matches(method, params) {
			continue
		}
		if r.Probability != nil && e.rng.Float64() >= *r.Probability {
			continue
		}
		r.Fired++
		if r.Remaining != nil {
			*r.Remaining--
		}
		fired := r.copy()
		return &fired
	}
	return nil
}

// faultInput is a rule as a client sends it.
type faultInput struct {
	Method      *string           `json:"method"`
	Params      map[string]string `json:"params"`
	When        *string           `json:"when"`
	Error       *string           `json:"error"`
	Status      *int              `json:"status"`
	Drop        *bool             `json:"drop"`
	DelayMS     *int              `json:"delay_ms"`
	Times       *int              `json:"times"`
	Probability *float64          `json:"probability"`
	Seed        *uint64           `json:"seed"`
}

// parseFaultRule reads and checks a rule; the error text names the field.
func (s *Sandbox) parseFaultRule(body io.Reader) (FaultRule, error) {
	data, err := io.ReadAll(io.LimitReader(body, faultBodyMax+1))
	if err != nil || len(data) > faultBodyMax {
		return FaultRule{}, errors.New("the body must be a JSON rule of at most 64 KiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in faultInput
	if err := dec.Decode(&in); err != nil {
		return FaultRule{}, jsonFieldError(err)
	}
	if dec.More() {
		return FaultRule{}, errors.New("the body must hold one JSON object")
	}
	return s.checkFaultRule(in)
}

// jsonFieldError turns a JSON decoding error into a text naming the field.
func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Errorf("%s: must be %s, not a JSON %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s (fields: method, params, when, error, status, drop, delay_ms, times, probability, seed)",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errors.New("the body must be a JSON object, such as {\"method\": \"did_device_assign\", \"error\": \"Incorrect hash\"}")
}

// jsonKind names a Go kind as JSON does.
func jsonKind(kind string) string {
	switch kind {
	case "string", "ptr":
		return "a string"
	case "map":
		return "an object of string values"
	case "bool":
		return "true or false"
	case "float64":
		return "a number"
	}
	return "a whole number"
}

// checkFaultRule checks each field of a decoded rule.
func (s *Sandbox) checkFaultRule(in faultInput) (FaultRule, error) {
	r := FaultRule{When: faultBefore, Params: in.Params}
	if in.Method == nil || *in.Method == "" {
		return r, errors.New(`method: required: an API method name, or "*" for every request`)
	}
	r.Method = api.Canonical(*in.Method)
	if !s.api.Serves(r.Method) && r.Method != "*" {
		return r, fmt.Errorf("method: there is no API method %q", *in.Method)
	}
	if in.When != nil {
		if *in.When != faultBefore && *in.When != faultAfter {
			return r, errors.New(`when: must be "before" or "after"`)
		}
		r.When = *in.When
	}
	if err := checkFaultAction(&r, in); err != nil {
		return r, err
	}
	if in.Times != nil && *in.Times < 1 {
		return r, errors.New("times: must be 1 or more (leave it out for a rule that stays until removed)")
	}
	if p := in.Probability; p != nil && !(*p >= 0 && *p <= 1) {
		return r, errors.New("probability: must be a number from 0 to 1")
	}
	if in.Seed != nil && in.Probability == nil {
		return r, errors.New("seed: only with probability")
	}
	r.Times, r.Probability, r.Seed = in.Times, in.Probability, in.Seed
	return r, nil
}

// checkFaultAction checks the action: exactly one of error, status and
// drop, and delay_ms alone or with any of them.
func checkFaultAction(r *FaultRule, in faultInput) error {
	actions := 0
	if in.Error != nil {
		if strings.TrimSpace(*in.Error) == "" || len(*in.Error) > 1024 {
			return errors.New("error: must be the text to answer, 1 to 1024 bytes")
		}
		r.Error, actions = *in.Error, actions+1
	}
	if in.Status != nil {
		if *in.Status != 500 && *in.Status != 502 && *in.Status != 503 {
			return errors.New("status: must be 500, 502 or 503")
		}
		r.Status, actions = *in.Status, actions+1
	}
	if in.Drop != nil {
		if !*in.Drop {
			return errors.New("drop: must be true (leave it out otherwise)")
		}
		r.Drop, actions = true, actions+1
	}
	if in.DelayMS != nil {
		if *in.DelayMS < 0 || *in.DelayMS > faultDelayMax {
			return fmt.Errorf("delay_ms: must be 0 to %d", faultDelayMax)
		}
		r.DelayMS = *in.DelayMS
	}
	switch {
	case actions > 1:
		return errors.New("error, status, drop: give only one of them")
	case actions == 0 && in.DelayMS == nil:
		return errors.New("error, status, drop, delay_ms: give one of error, status or drop, or a delay_ms")
	}
	return nil
}

// handleFaultAdd is POST /sandbox/faults.
func (s *Sandbox) handleFaultAdd(c echo.Context) error {
	r, err := s.parseFaultRule(c.Request().Body)
	if err != nil {
		return jsonError(c, http.StatusBadRequest, err.Error())
	}
	return writeJSON(c, http.StatusCreated, s.faults.add(r))
}

// handleFaultList is GET /sandbox/faults.
func (s *Sandbox) handleFaultList(c echo.Context) error {
	return writeJSON(c, http.StatusOK, s.faults.list())
}

// handleFaultDelete is DELETE /sandbox/faults/{id}.
func (s *Sandbox) handleFaultDelete(c echo.Context) error {
	if !s.faults.remove(c.Param("id")) {
		return jsonError(c, http.StatusNotFound, "there is no fault rule with id "+strconv.Quote(c.Param("id")))
	}
	return c.NoContent(http.StatusNoContent)
}

// handleFaultClear is DELETE /sandbox/faults.
func (s *Sandbox) handleFaultClear(c echo.Context) error {
	s.faults.clear()
	return c.NoContent(http.StatusNoContent)
}

// sleepFor waits ms milliseconds, or less when the client goes away.
func sleepFor(c echo.Context, ms int) {
	if ms <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.Request().Context().Done():
	}
}
