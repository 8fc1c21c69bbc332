package ops

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"morlite/api"
	"morlite/store"
)

// Metrics live in one registry per server, never in client_golang's global
// one: a process (a test binary) may build many servers.

// Label values that stand for many: every method morlite does not serve
// is "unknown", an answer that carries data rather than a message is "ok",
// and a method's answers past maxAnswers distinct texts are "other". Both
// labels stay bounded whatever clients send.
const (
	unknownMethod = "unknown"
	answerOK      = "ok"
	answerOther   = "other"
	maxAnswers    = 64
)

// latencyBuckets cover a cached read (well under a millisecond) to a write
// stuck behind a long queue.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// metrics is one server's registry and the request metrics its observer
// feeds.
type metrics struct {
	reg *prometheus.Registry
	// methods has an entry per served method and one for unknownMethod;
	// it is never written after newMetrics.
	methods map[string]*methodMetrics
}

// methodMetrics caches one method's series so that observing a request
// neither allocates nor takes a lock once its answer has been seen.
type methodMetrics struct {
	name     string
	requests *prometheus.CounterVec
	latency  prometheus.Observer
	answers  atomic.Pointer[map[string]prometheus.Counter] // copied on write
	mu       sync.Mutex                                    // serializes adding an answer
}

// newMetrics builds the registry: the request metrics for methods, the
// store's metrics read at scrape time, and the Go and process collectors.
func newMetrics(st *store.Store, log *slog.Logger, methods []string) *metrics {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "morlite_api_requests_total",
		Help: "API requests answered, by method and answer text (ok: an answer carrying data).",
	}, []string{"method", "answer"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "morlite_api_request_duration_seconds",
		Help:    "Time from reading an API request to its answer, by method.",
		Buckets: latencyBuckets,
	}, []string{"method"})
	m := &metrics{reg: prometheus.NewRegistry(), methods: map[string]*methodMetrics{}}
	for _, name := range slices.Concat(methods, []string{unknownMethod}) {
		mm := &methodMetrics{name: name, requests: requests, latency: latency.WithLabelValues(name)}
		mm.answers.Store(&map[string]prometheus.Counter{})
		m.methods[name] = mm
	}
	m.reg.MustRegister(requests, latency, storeCollector{st, log},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe is the metrics' Observer.
func (m *metrics) observe(o api.Observation) {
	mm, ok := m.methods[o.Method]
	if !ok {
		mm = m.methods[unknownMethod]
	}
	mm.latency.Observe(o.Latency.Seconds())
	answer := o.Answer
	if answer == "" {
		answer = answerOK
	}
	mm.counter(answer).Inc()
}

// counter returns the request counter of one answer text.
func (mm *methodMetrics) counter(answer string) prometheus.Counter {
	if c, ok := (*mm.answers.Load())[answer]; ok {
		return c
	}
	return mm.add(answer)
}

// add makes the counter of an answer not seen before, or returns the
// "other" one when the method already has maxAnswers texts.
func (mm *methodMetrics) add(answer string) prometheus.Counter {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	old := *mm.answers.Load()
	if len(old) >= maxAnswers || !utf8.ValidString(answer) {
		answer = answerOther
	}
	if c, ok := old[answer]; ok {
		return c
	}
	c := mm.requests.WithLabelValues(mm.name, answer)
	next := maps.Clone(old)
	next[answer] = c
	mm.answers.Store(&next)
	return c
}

// handler serves the registry in Prometheus' text format. A collector that
// fails is logged and left out of the scrape: no error text is answered.
func (m *metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// The store's metrics, read when scraped.
var (
	batchSizeDesc = prometheus.NewDesc("morlite_store_write_batch_size",
		"Writes carried by each of the writer's transactions (group commit).", nil, nil)
	writesDesc = prometheus.NewDesc("morlite_store_writes_total",
		"Writes run by the writer.", nil, nil)
	batchesDesc = prometheus.NewDesc("morlite_store_write_batches_total",
		"Transactions run by the writer, each carrying one or more writes.", nil, nil)
	shedDesc = prometheus.NewDesc("morlite_store_writes_shed_total",
		"Writes refused at once (Server busy) because the write queue was full.", nil, nil)
	retriesDesc = prometheus.NewDesc("morlite_store_write_retries_total",
		"Writes run again because the database made them give way to others (MySQL deadlocks, lock waits, Galera conflicts).", nil, nil)
	sizeDesc = prometheus.NewDesc("morlite_database_size_bytes",
		"Bytes the database takes on disk: the main file plus its write-ahead log.", nil, nil)
)

// storeCollector reads the store's counters and size at scrape time.
type storeCollector struct {
	st  *store.Store
	log *slog.Logger
}

// Describe sends the store's metric descriptions.
func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{batchSizeDesc, writesDesc, batchesDesc, shedDesc, retriesDesc, sizeDesc} {
		ch <- d
	}
}

// Collect reads the store's metrics.
func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	h := c.st.BatchSizes()
	buckets := make(map[float64]uint64, len(h.Cumulative))
	for i, bound := range store.BatchSizeBounds {
		buckets[float64(bound)] = h.Cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(batchSizeDesc, h.Count, float64(h.Sum), buckets)
	ws := c.st.WriteStats()
	ch <- prometheus.MustNewConstMetric(writesDesc, prometheus.CounterValue, float64(ws.Jobs))
	ch <- prometheus.MustNewConstMetric(batchesDesc, prometheus.CounterValue, float64(ws.Batches))
	ch <- prometheus.MustNewConstMetric(shedDesc, prometheus.CounterValue, float64(ws.Shed))
	ch <- prometheus.MustNewConstMetric(retriesDesc, prometheus.CounterValue, float64(ws.Retries))
	size, err := c.st.Size()
	if err != nil {
		c.log.Warn("metrics: cannot read the database size", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(sizeDesc, prometheus.GaugeValue, float64(size))
}
