// Package ops is the operator's room: /healthz, which says whether the
// database answers and carries this binary's schema (and whether a statement
// found its file damaged), and /metrics, Prometheus metrics of the API's
// requests by method and answer text, of the store's writer and read lane,
// and of the process. Both sit outside MOR's API pipeline and need no login,
// as most exporters: the server listens on loopback unless told otherwise.
// The request metrics are fed by an api.Observer that Routes returns.
package ops
