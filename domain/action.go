package domain

import (
	"encoding/json"
	"time"
)

// didColumns returns the DID columns that moves and did_details_update
// change, by MOR column name.
func didColumns(d DID) map[string]any {
	closed := ""
	if !d.ClosedTill.IsZero() {
		closed = d.ClosedTill.UTC().Format(TimeLayout)
	}
	return map[string]any{
		"status": string(d.Status), "user_id": d.UserID, "device_id": d.DeviceID,
		"dialplan_id": d.DialplanID, "reseller_id": d.ResellerID, "closed_till": closed,
		"provider_id": d.ProviderID, "language": d.Language, "call_limit": d.CallLimit,
		"comment": d.Comment, "reseller_comment": d.ResellerComment, "grace_time": d.GraceTime,
	}
}

// DIDAction records a change of a DID by a caller: Data and Data2 hold the
// changed columns before and after, as JSON objects.
func DIDAction(now time.Time, c Caller, method string, before, after DID) Action {
	b, a := didColumns(before), didColumns(after)
	for k, v := range b {
		if a[k] == v {
			delete(a, k)
			delete(b, k)
		}
	}
	data, _ := json.Marshal(b)
	data2, _ := json.Marshal(a)
	var uid int64 = -1
	if c.User != nil {
		uid = c.User.ID
	}
	return Action{
		Date: now.UTC().Truncate(time.Second), UserID: uid, Action: method,
		TargetType: "did", TargetID: after.ID, Data: string(data), Data2: string(data2),
	}
}

// DIDCreatedAction records did_create: before is {}, after every column.
func DIDCreatedAction(now time.Time, c Caller, d DID) Action {
	a := DIDAction(now, c, "did_create", DID{}, d)
	data2, _ := json.Marshal(allColumns(d))
	a.Data, a.Data2 = "{}", string(data2)
	return a
}

// DIDDeletedAction records did_delete: before every column, after {}.
func DIDDeletedAction(now time.Time, c Caller, d DID) Action {
	a := DIDAction(now, c, "did_delete", d, d)
	data, _ := json.Marshal(allColumns(d))
	a.Data, a.Data2 = string(data), "{}"
	return a
}

// allColumns is didColumns with the number, for a row that appears or goes.
func allColumns(d DID) map[string]any {
	m := didColumns(d)
	m["did"] = d.Number
	return m
}
