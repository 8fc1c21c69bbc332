package domain

import (
	"crypto/rand"
	"math/big"
	"strconv"
)

// secretAlphabet is what generated device secrets are made of.
const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewSecret returns a random 12-character device secret from a
// cryptographic source.
func NewSecret() string { return randomText(12, secretAlphabet) }

// NewUniquehash returns a random 10-character user uniquehash.
func NewUniquehash() string { return randomText(10, "abcdefghijklmnopqrstuvwxyz0123456789") }

// NewPIN returns a random 6-digit PIN (100000-999999) from a cryptographic
// source; the caller retries while it is taken.
func NewPIN() string { return strconv.FormatInt(100000+randomInt(900000), 10) }

func randomText(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randomInt(int64(len(alphabet)))]
	}
	return string(b)
}

// randomInt returns a uniform number in [0, n); crypto/rand never fails on
// the platforms Go supports (it panics rather than return weak bytes).
func randomInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err)
	}
	return v.Int64()
}
