package domain

import (
	"strconv"
	"strings"
)

// ParseID reads an id parameter: 1 to 18 ASCII digits, leading zeros
// allowed, no sign or spaces. Anything else names no row.
func ParseID(s string) (int64, bool) {
	if len(s) > 18 || !IsDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseDIDNumber trims surrounding ASCII spaces from a DID number and accepts
// it when it is then 1 to 50 ASCII digits.
func ParseDIDNumber(s string) (string, bool) {
	s = strings.Trim(s, " ")
	if len(s) > 50 || !IsDigits(s) {
		return "", false
	}
	return s, true
}
