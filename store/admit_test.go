package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"morlite/domain"
)

// TestScanLane: while the scan lane is full, a scan waits at most its
// bound and is refused ErrBusy, while an exact-number lookup is answered
// at once; a scan past its deadline is interrupted as ErrBusy.
func TestScanLane(t *testing.T) {
	st, path := openLoaded(t, WithScanLimits(LaneLimits{Slots: 1, Wait: 50 * time.Millisecond, Timeout: time.Minute, Queue: 4}))
	ctx := context.Background()
	admin := domain.Caller{User: &domain.User{ID: 0, UserType: domain.Admin}}
	like, exact := "3706%1", "37060000001"
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &like}); err != nil {
		t.Fatalf("a scan with the lane free: %v", err)
	}
	_, release, err := st.scans.admit(ctx) // the lane's one slot, held
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &like}); !errors.Is(err, domain.ErrBusy) {
		t.Errorf("a scan with the lane full: %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("refused after %v, before its wait", waited)
	}
	for _, search := range []domain.DIDSearch{{Caller: admin, Number: &exact}} {
		if got, err := st.SearchDIDs(ctx, search); err != nil || len(got) != 1 {
			t.Errorf("an exact lookup with the lane full: %v, %v", got, err)
		}
	}
	release()
	if st.ScansShed() != 1 {
		t.Errorf("ScansShed = %d, want 1", st.ScansShed())
	}

	// A scan that outlives its deadline is interrupted. 200,000 extra DIDs
	// make a LIKE scan take far longer than a millisecond.
	rawExec(t, path, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO dids (did, status, reseller_id, provider_id, language) SELECT 5500000000 + i, 'free', 0, 1, 'en' FROM n`)
	st.scans.limits.Timeout = time.Millisecond
	slow := "%9%9%9%9%x"
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &slow}); !errors.Is(err, domain.ErrBusy) {
		t.Errorf("a scan past its deadline: %v, want ErrBusy", err)
	}
}
