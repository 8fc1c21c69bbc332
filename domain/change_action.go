package domain

import (
	"encoding/json"
	"time"
)

// ChangeAction records a change of any row by a caller: targetType names the
// table ("device", "user"), and Data and Data2 hold the changed columns
// before and after as JSON objects (columns equal on both sides are left
// out; a created row has an empty before, a deleted row an empty after).
func ChangeAction(now time.Time, c Caller, method, targetType string, targetID int64, before, after map[string]any) Action {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range before {
		if w, ok := after[k]; !ok || w != v {
			b[k] = v
		}
	}
	for k, v := range after {
		if w, ok := before[k]; !ok || w != v {
			a[k] = v
		}
	}
	data, _ := json.Marshal(b)
	data2, _ := json.Marshal(a)
	return newAction(now, c, method, targetType, targetID, string(data), string(data2))
}

// Columns returns a device's columns by MOR name, for the action log; the
// secret is left out so that the log never holds it.
func (d *Device) Columns() map[string]any {
	return map[string]any{
		"user_id": d.UserID, "name": d.Name, "username": d.Username,
		"extension": d.Extension, "pin": d.PIN, "device_type": d.DeviceType,
		"istrunk": b01(d.IsTrunk), "ani": b01(d.ANI), "description": d.Description,
		"callerid": d.CallerID, "host": d.Host, "ipaddr": d.IPAddr, "port": d.Port,
		"call_limit": d.CallLimit, "language": d.Language, "location_id": d.LocationID,
		"devicegroup_id": d.DevicegroupID, "hidden": b01(d.Hidden),
	}
}

// b01 is MOR's 0/1 for a boolean.
func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}
