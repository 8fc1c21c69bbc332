package api

import (
	"strconv"
	"strings"

	"morlite/domain"
	"morlite/store"
)

// standaloneDecl is the declaration user_register answers a success with,
// as MOR does.
const standaloneDecl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`

// handleUsersGet is users_get: the hash (u + p) was checked by the
// pipeline; then the password against the stored hash.
func (s *API) handleUsersGet(r *request) (*node, error) {
	ok := store.PasswordMatches(r.caller.User, r.params.Get("p"))
	if err := domain.CheckUsersList(r.caller, ok); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(r.ctx, r.caller)
	if err != nil {
		return nil, err
	}
	list := tree("users")
	for _, u := range users {
		list.add(tree("user", el("id", itoa(u.ID)), el("username", u.Username),
			el("first_name", u.FirstName), el("last_name", u.LastName), el("balance", money(u.Balance)),
			el("blocked", bit(u.Blocked)), el("owner_id", itoa(u.OwnerID)),
			el("usertype", string(u.UserType)), el("hidden", bit(u.Hidden))))
	}
	return tree("page", tree("status", list)), nil
}

// handleUserDetailsGet is user_details_get (alias user_details): MOR's
// "Personal details" page.
func (s *API) handleUserDetailsGet(r *request) (*node, error) {
	u, err := s.store.UserDetails(r.ctx, r.caller, r.params)
	if err != nil {
		return nil, err
	}
	details := tree("details", s.mainDetail(r, u), s.otherDetails(u))
	if a := u.Address; a != nil {
		details.add(tree("registration", el("reg_address", a.Address), el("reg_postcode", a.Postcode),
			el("reg_city", a.City), el("reg_country", a.County), el("reg_state", a.State),
			el("reg_direction", a.Email), el("reg_phone", a.Phone), el("reg_mobile", a.MobPhone),
			el("reg_fax", a.Fax), el("reg_email", a.Email)))
	}
	return tree("page", el("pagename", "Personal details"), el("language", "en"),
		el("userid", itoa(u.ID)), details), nil
}

// mainDetail is the money part of user_details_get.
func (s *API) mainDetail(r *request, u *domain.User) *node {
	account := "Prepaid"
	if u.Postpaid {
		account = "Postpaid"
	}
	credit := "Unlimited"
	if u.Credit != -1 {
		credit = money(u.Credit)
	}
	n := tree("main_detail", el("account", account), el("balance", money(u.Balance)+" USD"),
		el("balance_number", shortDecimal(u.Balance)), el("balance_currency", "USD"),
		el("credit", credit))
	if (r.caller.Is(domain.Admin) || r.caller.Is(domain.Reseller)) && u.UserType == domain.PlainUser {
		n.add(el("hide_non_answered_calls", bit(u.HideNonAnsweredCalls)))
	}
	return n
}

// otherDetails is the identity part of user_details_get.
func (s *API) otherDetails(u *domain.User) *node {
	date := u.AgreementDate
	if date == "" {
		date = s.store.Now().UTC().Format("2006-01-02")
	}
	n := tree("other_details", el("username", u.Username), el("first_name", u.FirstName),
		el("surname", u.LastName), el("personalid", u.Clientid),
		el("agreement_number", u.AgreementNumber), el("agreement_date", date))
	if u.TaxationCountry != "" {
		n.add(el("taxation_country", u.TaxationCountry))
	}
	return n.add(el("vat_reg_number", u.VatNumber), el("vat_percent", shortDecimal(u.VatPercent)))
}

// handleUserRegister is user_register: no `u`; `id` (the owner's
// uniquehash) may come as the path segment.
func (s *API) handleUserRegister(r *request) (*node, error) {
	u, d, err := s.store.RegisterUser(r.ctx, r.params)
	if err != nil {
		return nil, err
	}
	r.decl = standaloneDecl
	return tree("page", tree("status", el("success", domain.RegistrationMessage)),
		tree("user_device_settings", el("user_id", itoa(u.ID)), el("device_type", d.DeviceType),
			el("device_id", itoa(d.ID)), el("username", d.Username), el("password", d.Secret),
			el("pin", d.PIN), el("server_ip", r.settings.AsteriskServerIP))), nil
}

// money writes an amount with MOR's 4 decimals.
func money(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// shortDecimal writes v in its shortest decimal form with at least one
// decimal: 44.0, 60.25.
func shortDecimal(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
