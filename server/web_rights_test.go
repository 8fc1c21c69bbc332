package server

import (
	"net/http"
	"net/url"
	"testing"

	"morlite/domain"
	"morlite/web"
)

// TestPagesNeedAccountantRights: each page asks an accountant the right
// its API counterpart asks, and refuses with a 403 page carrying that
// method's text.
func TestPagesNeedAccountantRights(t *testing.T) {
	e := newEnv(t, demoYAML)
	pages := []struct {
		path, right, refusal string
	}{
		{"/billing/devices/edit/4", domain.RightDeviceManage, "You are not authorized to view this page"},
		{"/billing/users/list", domain.RightUserManage, "Access Denied"},
		{web.DIDListPath, domain.RightManageDIDs, "You are not authorized to manage DIDs"},
		{web.DIDEditPath + "2", domain.RightManageDIDs, "You are not authorized to manage DIDs"},
	}
	// The demo's accountants' rights, as demo.yaml gives them.
	rights := map[string]map[string]int{
		"createonly": {},
		"norights":   {domain.RightDeviceManage: 2, domain.RightUserManage: 2},
		"readonly":   {domain.RightDeviceManage: 1, domain.RightUserManage: 1, domain.RightManageDIDs: 1},
		"devonly":    {domain.RightDeviceManage: 2},
	}
	for acc, has := range rights {
		w := e.browser()
		w.Login(acc, accountantLogins[acc])
		for _, p := range pages {
			t.Run(acc+p.path, func(t *testing.T) {
				a := w.Get(p.path)
				if has[p.right] >= 1 {
					if a.Status != http.StatusOK {
						t.Fatalf("HTTP %d, want 200: %s", a.Status, a.Body)
					}
					return
				}
				wantPage(t, a, http.StatusForbidden, "<title>"+p.refusal+" · morlite</title>")
				wantNot(t, a, "SIP/202", "carol", "37060000001")
			})
		}
	}
	// A DID move is refused too.
	w := e.browser()
	w.Login("createonly", accountantLogins["createonly"])
	a := w.Post(web.DIDEditPath+"2/terminate", url.Values{})
	wantPage(t, a, http.StatusForbidden, "You are not authorized to manage DIDs")
}
