package domain

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// CheckDIDInvariants checks every DID of w against the DID model: the
// columns each status allows, a device DID's user being the device's user,
// unique all-digit numbers, and references to rows that exist (a
// reseller_id naming a reseller). It also checks that the last action log
// row of each DID agrees with the row: every change is logged in its own
// transaction, so a half-applied change shows here. It returns one error per
// broken rule, nil when all hold.
func CheckDIDInvariants(w *World) []error {
	ix := indexWorld(w)
	var errs []error
	seen := map[string]int64{}
	for i := range w.DIDs {
		d := &w.DIDs[i]
		fail := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("DID %d (%s, %s): %s", d.ID, d.Number, d.Status, fmt.Sprintf(format, a...)))
		}
		if other, dup := seen[d.Number]; dup {
			fail("number also used by DID %d", other)
		}
		seen[d.Number] = d.ID
		if len(d.Number) > 50 || !IsDigits(d.Number) {
			fail("number is not 1 to 50 digits")
		}
		for _, msg := range statusProblems(d) {
			fail("%s", msg)
		}
		for _, msg := range ix.referenceProblems(d) {
			fail("%s", msg)
		}
		if msg := ix.lastActionProblem(d); msg != "" {
			fail("%s", msg)
		}
	}
	return errs
}

// statusProblems lists the columns that do not fit the DID's status (the
// DID model table and its bullets).
func statusProblems(d *DID) []string {
	var out []string
	want := func(ok bool, msg string) {
		if !ok {
			out = append(out, msg)
		}
	}
	switch d.Status {
	case StatusFree:
		want(d.UserID == 0 && d.DeviceID == 0 && d.DialplanID == 0, "a free DID has user_id, device_id and dialplan_id 0")
	case StatusReserved:
		want(d.UserID != 0, "a reserved DID names the user it is reserved for")
		want(d.DeviceID == 0 && d.DialplanID == 0, "a reserved DID has device_id and dialplan_id 0")
	case StatusActive:
		// device_id 0 and no dial plan is what device_delete leaves behind.
		want(d.DeviceID == 0 || d.DialplanID == 0, "an active DID is on a device or on a dial plan, not both")
	case StatusClosed:
		want(d.UserID != 0, "a closed DID keeps its user")
		want(d.DialplanID == 0, "a closed DID has no dial plan")
		want(!d.ClosedTill.IsZero(), "a closed DID has closed_till")
	case StatusTerminated:
		want(d.UserID == 0 && d.DeviceID == 0 && d.ResellerID == 0, "a terminated DID has user_id, device_id and reseller_id 0")
	default:
		out = append(out, "unknown status")
	}
	return out
}

// worldIndex finds a world's rows by id.
type worldIndex struct {
	users     map[int64]*User
	devices   map[int64]*Device
	dialplans map[int64]bool
	providers map[int64]bool
	lastMove  map[int64]*Action // each DID's last logged change
}

func indexWorld(w *World) worldIndex {
	ix := worldIndex{users: map[int64]*User{}, devices: map[int64]*Device{},
		dialplans: map[int64]bool{}, providers: map[int64]bool{}, lastMove: map[int64]*Action{}}
	for i := range w.Users {
		ix.users[w.Users[i].ID] = &w.Users[i]
	}
	for i := range w.Devices {
		ix.devices[w.Devices[i].ID] = &w.Devices[i]
	}
	for _, dp := range w.Dialplans {
		ix.dialplans[dp.ID] = true
	}
	for _, p := range w.Providers {
		ix.providers[p.ID] = true
	}
	for i := range w.Actions {
		a := &w.Actions[i]
		if a.TargetType == "did" && (ix.lastMove[a.TargetID] == nil || a.ID > ix.lastMove[a.TargetID].ID) {
			ix.lastMove[a.TargetID] = a
		}
	}
	return ix
}

// referenceProblems lists references to rows that do not exist, and a
// device DID whose user is not the device's.
func (ix worldIndex) referenceProblems(d *DID) []string {
	var out []string
	if _, ok := ix.users[d.UserID]; d.UserID != 0 && !ok {
		out = append(out, fmt.Sprintf("user_id %d names no user", d.UserID))
	}
	if r, ok := ix.users[d.ResellerID]; d.ResellerID != 0 && (!ok || r.UserType != Reseller) {
		out = append(out, fmt.Sprintf("reseller_id %d names no reseller", d.ResellerID))
	}
	if d.DialplanID != 0 && !ix.dialplans[d.DialplanID] {
		out = append(out, fmt.Sprintf("dialplan_id %d names no dial plan", d.DialplanID))
	}
	if d.ProviderID != 0 && !ix.providers[d.ProviderID] {
		out = append(out, fmt.Sprintf("provider_id %d names no provider", d.ProviderID))
	}
	if d.DeviceID != 0 {
		dev, ok := ix.devices[d.DeviceID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("device_id %d names no device", d.DeviceID))
		case dev.UserID != d.UserID:
			out = append(out, fmt.Sprintf("user_id %d is not device %d's user %d", d.UserID, dev.ID, dev.UserID))
		}
	}
	return out
}

// lastActionProblem compares the moved columns the DID's last action log
// row wrote (data2) with the row as it is.
func (ix worldIndex) lastActionProblem(d *DID) string {
	a := ix.lastMove[d.ID]
	if a == nil {
		return ""
	}
	var after map[string]any
	dec := json.NewDecoder(strings.NewReader(a.Data2))
	dec.UseNumber()
	if dec.Decode(&after) != nil {
		return ""
	}
	now := didColumns(*d)
	for k, v := range after {
		cur, moved := now[k]
		if moved && fmt.Sprint(v) != columnText(cur) {
			return fmt.Sprintf("action %d (%s) left %s = %v, the row has %v", a.ID, a.Action, k, v, cur)
		}
	}
	return ""
}

// columnText formats a column as fmt prints its JSON-decoded value.
func columnText(v any) string {
	if n, ok := v.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}

// CheckDIDChanges checks what may change between two states of one
// database (the DID model's rules): a DID's number never changes;
// only did_details_update edits provider_id, language, call_limit, comment,
// reseller_comment, grace_time and call_count; only did_close and
// did_subscription_stop write closed_till. The methods that ran are read
// from after's action log rows newer than before's.
func CheckDIDChanges(before, after *World) []error {
	var lastID int64
	for _, a := range before.Actions {
		lastID = max(lastID, a.ID)
	}
	ran := map[int64]map[string]bool{}
	for _, a := range after.Actions {
		if a.ID > lastID && a.TargetType == "did" {
			if ran[a.TargetID] == nil {
				ran[a.TargetID] = map[string]bool{}
			}
			ran[a.TargetID][a.Action] = true
		}
	}
	old := map[int64]DID{}
	for _, d := range before.DIDs {
		old[d.ID] = d
	}
	var errs []error
	for _, d := range after.DIDs {
		b, ok := old[d.ID]
		if !ok {
			continue
		}
		for _, msg := range changeProblems(b, d, ran[d.ID]) {
			errs = append(errs, fmt.Errorf("DID %d (%s): %s", d.ID, d.Number, msg))
		}
	}
	return errs
}

// changeProblems lists the columns that changed without a method allowed
// to change them having run on the DID.
func changeProblems(b, a DID, ran map[string]bool) []string {
	var out []string
	if a.Number != b.Number {
		out = append(out, "its number changed")
	}
	details := DID{ProviderID: a.ProviderID, Language: a.Language, CallLimit: a.CallLimit, Comment: a.Comment,
		ResellerComment: a.ResellerComment, GraceTime: a.GraceTime, CallCount: a.CallCount}
	was := DID{ProviderID: b.ProviderID, Language: b.Language, CallLimit: b.CallLimit, Comment: b.Comment,
		ResellerComment: b.ResellerComment, GraceTime: b.GraceTime, CallCount: b.CallCount}
	if details != was && !ran["did_details_update"] {
		out = append(out, fmt.Sprintf("details changed from %+v to %+v without did_details_update", was, details))
	}
	if !a.ClosedTill.Equal(b.ClosedTill) && !ran["did_close"] && !ran["did_subscription_stop"] {
		out = append(out, "closed_till changed without did_close or did_subscription_stop")
	}
	if a != b && len(ran) == 0 {
		out = append(out, "it changed and no action log row says so")
	}
	return out
}
