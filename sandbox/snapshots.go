package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/fixtures"
	"morlite/store"
)

// Named snapshots (sandbox mode): the world saved under a name and brought
// back at will. A snapshot is the world as "morlite export" writes it,
// kept in the database (so it survives a restart, on any engine); a
// restore parses it as a fixture file and loads it the way a reset does:
// in one transaction, under the gate, so that no request sees half of it.

// Paths of the snapshot endpoints and the journal page's panel.
const (
	SnapshotsPath    = "/sandbox/snapshots"
	SnapshotPath     = "/sandbox/snapshots/:name"
	RestorePath      = "/sandbox/snapshots/:name/restore"
	SnapshotPagePath = "/billing/sandbox/snapshots"
)

// snapshotName is what a snapshot may be called.
var snapshotName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// textBadSnapshotName is the 400 for any other name.
const textBadSnapshotName = "name: 1 to 64 letters, digits, - or _"

// SnapshotInfo is a snapshot as the endpoints show it.
type SnapshotInfo struct {
	Name   string `json:"name"`
	Time   string `json:"time"`
	Status string `json:"status,omitempty"`
	store.SnapshotCounts
}

func infoOf(snap store.Snapshot) SnapshotInfo {
	return SnapshotInfo{Name: snap.Name, Time: snap.Time.UTC().Format(journalTimeFormat), SnapshotCounts: snap.Counts}
}

// countsOf counts a world's rows.
func countsOf(w *domain.World) store.SnapshotCounts {
	return store.SnapshotCounts{Users: len(w.Users), Devices: len(w.Devices), Dialplans: len(w.Dialplans),
		DIDs: len(w.DIDs), Providers: len(w.Providers), Actions: len(w.Actions)}
}

// snapshotFailure is a snapshot operation's refusal: the status and the
// text of its JSON answer (or the page's flash).
type snapshotFailure struct {
	status int
	text   string
}

func (f *snapshotFailure) Error() string { return f.text }

// failure turns a store error into a refusal; anything else is logged and
// answered as a 500 without its cause.
func (s *Sandbox) snapshotFailure(what, name string, err error) *snapshotFailure {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &snapshotFailure{http.StatusNotFound, "there is no snapshot named " + name}
	case errors.Is(err, store.ErrSnapshotExists):
		return &snapshotFailure{http.StatusConflict, "a snapshot named " + name + " exists: delete it first or choose another name"}
	}
	s.log.Error("sandbox snapshot", "op", what, "name", name, "err", err)
	return &snapshotFailure{http.StatusInternalServerError, "Snapshot " + what + " failed (see the server log)"}
}

// takeSnapshot saves the current world (one consistent read) as name.
func (s *Sandbox) takeSnapshot(ctx context.Context, name string) (store.Snapshot, *snapshotFailure) {
	if !snapshotName.MatchString(name) {
		return store.Snapshot{}, &snapshotFailure{http.StatusBadRequest, textBadSnapshotName}
	}
	w, err := s.store.Export(ctx)
	if err != nil {
		return store.Snapshot{}, s.snapshotFailure("take", name, err)
	}
	body, err := fixtures.Export(w)
	if err != nil {
		return store.Snapshot{}, s.snapshotFailure("take", name, err)
	}
	snap := store.Snapshot{Name: name, Time: time.Now(), Counts: countsOf(w), Body: body}
	if err := s.store.SaveSnapshot(context.WithoutCancel(ctx), snap); err != nil {
		return store.Snapshot{}, s.snapshotFailure("take", name, err)
	}
	s.log.Info("sandbox snapshot taken", "name", name)
	return snap, nil
}

// restoreSnapshot loads the snapshot name in place of the world, under the
// gate as a reset does; the database keeps recording the source it had
// (so --sandbox auto sees the same database after a restart).
func (s *Sandbox) restoreSnapshot(ctx context.Context, name string) (store.Snapshot, *snapshotFailure) {
	if !snapshotName.MatchString(name) {
		return store.Snapshot{}, &snapshotFailure{http.StatusNotFound, "there is no snapshot named " + name}
	}
	snap, err := s.store.SnapshotByName(ctx, name)
	if err != nil {
		return store.Snapshot{}, s.snapshotFailure("restore", name, err)
	}
	w, err := fixtures.Parse("snapshot "+name, snap.Body, time.Now())
	if err == nil {
		w.Source, err = s.store.Source(ctx)
	}
	if err == nil {
		err = s.loadAlone(context.WithoutCancel(ctx), w)
	}
	if err != nil {
		return store.Snapshot{}, s.snapshotFailure("restore", name, err)
	}
	s.log.Info("sandbox snapshot restored", "name", name)
	return *snap, nil
}

// handleSnapshotTake is POST /sandbox/snapshots {"name": NAME}.
func (s *Sandbox) handleSnapshotTake(c echo.Context) error {
	var in struct {
		Name *string `json:"name"`
	}
	data, err := io.ReadAll(io.LimitReader(c.Request().Body, 4096))
	if err != nil || json.Unmarshal(data, &in) != nil || in.Name == nil {
		return jsonError(c, http.StatusBadRequest, `the body must be {"name": NAME}; `+textBadSnapshotName)
	}
	snap, fail := s.takeSnapshot(c.Request().Context(), *in.Name)
	if fail != nil {
		return jsonError(c, fail.status, fail.text)
	}
	return writeJSON(c, http.StatusCreated, infoOf(snap))
}

// handleSnapshotList is GET /sandbox/snapshots.
func (s *Sandbox) handleSnapshotList(c echo.Context) error {
	snaps, err := s.store.Snapshots(c.Request().Context())
	if err != nil {
		fail := s.snapshotFailure("list", "", err)
		return jsonError(c, fail.status, fail.text)
	}
	out := make([]SnapshotInfo, 0, len(snaps))
	for _, snap := range snaps {
		out = append(out, infoOf(snap))
	}
	return writeJSON(c, http.StatusOK, out)
}

// handleSnapshotRestore is POST /sandbox/snapshots/{name}/restore.
func (s *Sandbox) handleSnapshotRestore(c echo.Context) error {
	snap, fail := s.restoreSnapshot(c.Request().Context(), c.Param("name"))
	if fail != nil {
		return jsonError(c, fail.status, fail.text)
	}
	info := infoOf(snap)
	info.Status = "restored"
	return writeJSON(c, http.StatusOK, info)
}

// handleSnapshotDelete is DELETE /sandbox/snapshots/{name}.
func (s *Sandbox) handleSnapshotDelete(c echo.Context) error {
	name := c.Param("name")
	err := store.ErrNotFound
	if snapshotName.MatchString(name) {
		err = s.store.DeleteSnapshot(context.WithoutCancel(c.Request().Context()), name)
	}
	if err != nil {
		fail := s.snapshotFailure("delete", name, err)
		return jsonError(c, fail.status, fail.text)
	}
	return c.NoContent(http.StatusNoContent)
}

// handleSnapshotPage is the journal page's panel: take (name) or restore
// (name and restore=1).
func (s *Sandbox) handleSnapshotPage(c echo.Context) error {
	name := c.FormValue("name")
	ctx := c.Request().Context()
	if c.FormValue("restore") != "" {
		snap, fail := s.restoreSnapshot(ctx, name)
		if fail != nil {
			return s.pages.FlashAndRedirect(c, JournalPagePath, fail.text, false)
		}
		return s.pages.FlashAndRedirect(c, JournalPagePath, "Snapshot "+name+" restored ("+countsText(snap.Counts)+")", true)
	}
	snap, fail := s.takeSnapshot(ctx, name)
	if fail != nil {
		return s.pages.FlashAndRedirect(c, JournalPagePath, fail.text, false)
	}
	return s.pages.FlashAndRedirect(c, JournalPagePath, "Snapshot "+name+" taken ("+countsText(snap.Counts)+")", true)
}

// countsText is a snapshot's main counts for a flash.
func countsText(n store.SnapshotCounts) string {
	return strconv.Itoa(n.Users) + " users, " + strconv.Itoa(n.Devices) + " devices, " + strconv.Itoa(n.DIDs) + " DIDs"
}

// snapshotPanel lists the snapshots for the journal page, newest first;
// nil when they cannot be read (logged).
func (s *Sandbox) snapshotPanel(ctx context.Context) []SnapshotInfo {
	snaps, err := s.store.Snapshots(ctx)
	if err != nil {
		s.log.Error("sandbox snapshots", "err", err)
		return nil
	}
	out := make([]SnapshotInfo, 0, len(snaps))
	for i := len(snaps) - 1; i >= 0; i-- {
		out = append(out, infoOf(snaps[i]))
	}
	return out
}
