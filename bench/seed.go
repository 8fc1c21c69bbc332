package bench

import (
	"fmt"

	"morlite/domain"
)

// benchSecret is the admin's key in a bench world.
const benchSecret = "bench-secret"

// World builds a bench world: the admin, one plain user with one trunk
// device per client, and n DIDs (generated while they are inserted), DID i
// reserved for user i mod clients.
func World(n, clients int) *domain.World {
	settings := map[string]string{}
	for _, spec := range domain.SettingSpecs {
		settings[spec.Name] = spec.Default
	}
	settings["allow_api"] = "1"
	settings["api_secret_key"] = benchSecret
	w := &domain.World{Settings: settings}
	w.Users = append(w.Users, domain.User{ID: 0, Username: "admin", UserType: domain.Admin, Postpaid: true, Credit: -1})
	for c := 0; c < clients; c++ {
		id := int64(c + 1)
		w.Users = append(w.Users, domain.User{ID: id, Username: fmt.Sprintf("user%d", id), UserType: domain.PlainUser,
			Postpaid: true, Credit: -1, PrimaryDeviceID: id})
		w.Devices = append(w.Devices, domain.Device{ID: id, UserID: id, Name: fmt.Sprint(1000 + id),
			Username: fmt.Sprint(1000 + id), Extension: fmt.Sprint(1000 + id), DeviceType: "SIP",
			IsTrunk: true, Host: "dynamic", Language: "en", LocationID: 1})
	}
	w.MoreDIDs = func(yield func(domain.DID) bool) {
		for i := 0; i < n; i++ {
			d := domain.DID{ID: int64(i + 1), Number: didNumber(i), Status: domain.StatusReserved,
				UserID: int64(i%clients + 1), Language: "en"}
			if !yield(d) {
				return
			}
		}
	}
	return w
}

// didNumber is the bench's i-th DID number.
func didNumber(i int) string { return fmt.Sprintf("3706%07d", i) }
