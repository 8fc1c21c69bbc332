package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/store"
)

// The DID pages: the list (dids_get's filters, paged) and the edit page of
// one DID with its action log and the moves its status allows. Both read
// through dids_get's scope, so a viewer sees exactly what the API would
// list for him; the moves run the API methods' store code (did_moves.go).

const (
	// DIDListPath is the DID list.
	DIDListPath = "/billing/dids/list"
	// DIDEditPath plus a DID's id is its edit page.
	DIDEditPath = "/billing/dids/edit/"
	// DIDPageSize is how many DIDs one list page shows.
	DIDPageSize = 50
	// maxDIDPage keeps (page-1)*DIDPageSize far from overflowing.
	maxDIDPage = 1_000_000_000_000
)

// didFilterNames are the list's filters: dids_get's own parameter names.
var didFilterNames = []string{"search_did_number", "search_status", "search_user", "search_device",
	"search_dialplan", "search_provider", "search_language", "search_did_owner", "search_hide_terminated_dids"}

// didRow is one DID as the list and the edit page print it.
type didRow struct {
	ID                      int64
	Number                  string
	Status, StatusWord      string
	Provider, Reseller      string
	Owner, Device, DialPlan string
	DeviceID                int64
	Language, CallLimit     string
	Comment                 string
}

// didListPage is the list page's data.
type didListPage struct {
	F          map[string]string // the filters as sent, to refill the form
	Statuses   []domain.Status
	Rows       []didRow
	SeesAll    bool
	Error      string // dids_get's error text, shown instead of rows
	Page       int64
	Prev, Next string // addresses of the neighbour pages, "" when none
}

// handleDIDList is the DID list: dids_get's filters for the viewer, one page.
func (s *Pages) handleDIDList(c echo.Context) error {
	wu := ViewerOf(c)
	data := didListPage{F: map[string]string{}, Page: listPage(c.QueryParam("page")),
		Statuses: []domain.Status{domain.StatusFree, domain.StatusReserved, domain.StatusActive, domain.StatusClosed, domain.StatusTerminated}}
	p := domain.Params{}
	for _, n := range didFilterNames {
		if v := c.QueryParam(n); v != "" {
			p[n], data.F[n] = v, v
		}
	}
	search, err := domain.NewDIDSearch(wu.caller, p)
	data.SeesAll = search.SeesAll()
	var rows []domain.DIDListing
	if err == nil {
		search.Offset, search.Limit = (data.Page-1)*DIDPageSize, DIDPageSize+1
		rows, err = s.store.SearchDIDs(c.Request().Context(), search)
	}
	if err != nil {
		text, ok := s.shownText(c, err)
		if !ok {
			return s.PageFault(c, err)
		}
		data.Error = text
	}
	if len(rows) > DIDPageSize {
		rows, data.Next = rows[:DIDPageSize], pageQuery(data.F, data.Page+1)
	}
	if data.Page > 1 {
		data.Prev = pageQuery(data.F, data.Page-1)
	}
	for _, l := range rows {
		data.Rows = append(data.Rows, newDIDRow(wu.caller, l))
	}
	return s.Page(c, http.StatusOK, "dids_list", "DIDs", "dids", data)
}

// listPage reads the page number: 1 unless it is digits from 1 on.
func listPage(raw string) int64 {
	n, ok := domain.ParseID(raw)
	if !ok || n < 1 {
		return 1
	}
	return min(n, maxDIDPage)
}

// pageQuery is the address of a list page with the same filters.
func pageQuery(f map[string]string, page int64) string {
	v := url.Values{}
	for k, x := range f {
		v.Set(k, x)
	}
	v.Set("page", strconv.FormatInt(page, 10))
	return DIDListPath + "?" + v.Encode()
}

// newDIDRow prints a DID with dids_get's rules for who sees which name: the
// provider and reseller for the admin and accountants only, the reseller
// comment as the comment for a reseller. The owner is left empty when the
// DID has no user.
func newDIDRow(c domain.Caller, l domain.DIDListing) didRow {
	d := l.DID
	r := didRow{ID: d.ID, Number: d.Number, Status: string(d.Status), StatusWord: api.StatusWord(d.Status),
		Device: l.DeviceLabel, DeviceID: d.DeviceID, DialPlan: l.DialPlan, Language: d.Language,
		CallLimit: "Unlimited", Comment: d.Comment}
	if (domain.DIDSearch{Caller: c}).SeesAll() {
		r.Provider, r.Reseller = l.ProviderName, l.ResellerName
	}
	if d.UserID != 0 {
		r.Owner = l.OwnerName
	}
	if d.CallLimit != 0 {
		r.CallLimit = itoa(d.CallLimit)
	}
	if c.Is(domain.Reseller) {
		r.Comment = d.ResellerComment
	}
	return r
}

// shownText returns the MOR text of a domain error for a page to show (a
// wrapped cause is logged); ok is false for a fault or a shed request,
// which the caller answers with PageFault.
func (s *Pages) shownText(c echo.Context, err error) (string, bool) {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code == domain.CodeInternal || de.Code == domain.CodeBusy {
		return "", false // PageFault(c, err) answers: logged, or 503 when busy
	}
	if error(de) != err {
		s.log.Error("page move failed", "path", c.Request().URL.Path, "answer", de.Message, "err", err)
	}
	return de.Message, true
}

// viewerDID loads the DID the path's id names as the viewer may see it.
// Outside his scope or unknown is a 404 page, as is a malformed id; an
// accountant without DID rights gets dids_get's text. When the DID is nil
// the error page has been written and answered is the handler's result.
func (s *Pages) viewerDID(c echo.Context) (det *store.DIDDetail, answered error) {
	search, err := domain.NewDIDSearch(ViewerOf(c).caller, domain.Params{})
	if err != nil {
		text, _ := s.shownText(c, err)
		return nil, s.PageError(c, http.StatusForbidden, text, nil)
	}
	id, ok := domain.ParseID(c.Param("id"))
	if !ok {
		return nil, s.PageError(c, http.StatusNotFound, TextNoSuchDID, nil)
	}
	det, err = s.store.DIDDetailByID(c.Request().Context(), search, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.PageError(c, http.StatusNotFound, TextNoSuchDID, nil)
	}
	if err != nil {
		return nil, s.PageFault(c, err)
	}
	return det, nil
}

// TextNoSuchDID is the 404 page's text: the same for an unknown DID and
// another reseller's, so neither is revealed.
const TextNoSuchDID = "DID was not found"
