package server

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"

	"morlite/domain"
)

// TestAnswerForUnreachableDatabase: a database that cannot be reached, or a
// Galera node that is not yet part of its cluster, is answered "Server
// busy" (503), whichever read or write met it; other faults stay "Internal
// error", and MOR's own answers keep their text.
func TestAnswerForUnreachableDatabase(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.OpError{Op: "connect", Err: syscall.ECONNREFUSED}}
	notReady := &mysql.MySQLError{Number: 1047, SQLState: [5]byte{'0', '8', 'S', '0', '1'}, Message: "WSREP has not yet prepared node for application use"}
	tests := []struct {
		name string
		err  error
		want *domain.Error
	}{
		{"ConnectionRefused", fmt.Errorf("caller: %w", refused), domain.ErrBusy},
		{"InvalidConnection", mysql.ErrInvalidConn, domain.ErrBusy},
		{"WsrepNotReady", fmt.Errorf("settings: %w", notReady), domain.ErrBusy},
		{"OtherFault", errors.New("disk full"), domain.ErrInternal},
		{"OtherServerError", &mysql.MySQLError{Number: 1146, Message: "Table 'morlite.dids' doesn't exist"}, domain.ErrInternal},
		{"MORAnswer", domain.ErrDIDNotFound, domain.ErrDIDNotFound},
		{"FailedWriteKeepsItsText", fmt.Errorf("%w: %w", domain.ErrDeviceNotAssigned, &mysql.MySQLError{Number: 1213}), domain.ErrDeviceNotAssigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := answerFor(tt.err); got != tt.want {
				t.Fatalf("answerFor(%v) = %q, want %q", tt.err, got.Message, tt.want.Message)
			}
			if got := httpStatus[answerFor(tt.err).Code]; tt.want == domain.ErrBusy && got != 503 {
				t.Fatalf("status %d, want 503", got)
			}
		})
	}
}
