package api

import (
	"morlite/domain"
)

// handleDeviceCreate is device_create: MOR's old layout, which clients read
// field by field at /page/status, /page/id, /page/username, /page/password.
func (s *API) handleDeviceCreate(r *request) (*node, error) {
	d, err := s.store.CreateDevice(r.ctx, r.caller, r.params)
	if err != nil {
		return nil, err
	}
	return tree("page", el("status", "Device created"), el("id", itoa(d.ID)),
		el("username", d.Username), el("password", d.Secret)), nil
}

// handleDeviceUpdate is device_update.
func (s *API) handleDeviceUpdate(r *request) (*node, error) {
	if err := s.store.UpdateDevice(r.ctx, r.caller, r.params); err != nil {
		return nil, err
	}
	return successPage(domain.DeviceUpdateMessage), nil
}

// handleDeviceDetailsGet is device_details_get: a flat <page> of the
// device's columns.
func (s *API) handleDeviceDetailsGet(r *request) (*node, error) {
	d, err := s.store.DeviceDetails(r.ctx, r.caller, r.params)
	if err != nil {
		return nil, err
	}
	return tree("page",
		el("id", itoa(d.ID)), el("name", d.Name), el("username", d.Username),
		el("secret", d.Secret), el("extension", d.Extension), el("device_type", d.DeviceType),
		el("user_id", itoa(d.UserID)), el("istrunk", bit(d.IsTrunk)), el("ani", bit(d.ANI)),
		el("pin", d.PIN), el("description", d.Description), el("callerid", d.CallerID),
		el("host", d.Host), el("ipaddr", d.IPAddr), el("port", itoa(d.Port)),
		el("call_limit", itoa(d.CallLimit)), el("language", d.Language),
		el("location_id", itoa(d.LocationID)), el("primary_did_id", itoa(d.PrimaryDIDID)),
		el("hidden", bit(d.Hidden))), nil
}

// handleDevicesGet is devices_get (alias device_list); gzip-compressed when
// the client accepts it.
func (s *API) handleDevicesGet(r *request) (*node, error) {
	r.gzip = r.acceptGzip
	u, devices, err := s.store.ListDevices(r.ctx, r.caller, r.params)
	if err != nil {
		return nil, err
	}
	list := tree("devices")
	for _, d := range devices {
		group := ""
		if d.DevicegroupID != 0 {
			group = itoa(d.DevicegroupID)
		}
		primary := "no"
		if d.ID == u.PrimaryDeviceID {
			primary = "yes"
		}
		list.add(tree("device", el("device_id", itoa(d.ID)), el("device_type", d.DeviceType),
			el("devicegroup_id", group), el("primary_device", primary), el("username", d.Username),
			el("secret", d.Secret), el("ipaddr", d.IPAddr), el("port", itoa(d.Port)),
			el("callerid", d.CallerID)))
	}
	return tree("page", list), nil
}

// handleDeviceDelete is device_delete (alias device_destroy).
func (s *API) handleDeviceDelete(r *request) (*node, error) {
	if err := s.store.DeleteDevice(r.ctx, r.caller, r.params); err != nil {
		return nil, err
	}
	return tree("page", el("status", "Device was deleted")), nil
}

// bit writes a boolean as MOR's 0/1.
func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
