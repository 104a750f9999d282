// A Lambda-style handler: at cold start it loads and verifies the bundle named by FLAGC_BUNDLE, or
// flags.bundle in LAMBDA_TASK_ROOT where package.sh's zip puts it (root public key in
// FLAGC_ROOT_PUBLIC_KEY, recipient key in FLAGC_RECIPIENT_KEY), then answers one JSON event per
// stdin line with one JSON response per stdout line, or, as a custom runtime, each event of the
// Lambda Runtime API (RuntimeAPI.swift). It decides with the typed accessors the flagc build plugin
// generated (`Flags`), so a flag removed from flags/ is a compile error here. After each answer it
// writes the flags' telemetry since the previous one to stderr as CloudWatch embedded metric format
// documents (the log stream Lambda ships), and it reports the outcome of each express payment to
// that flag's circuit breaker, whose transitions it logs as one JSON line each. No Foundation: the
// runtime and this file use the standard library only.
import FlagRuntime
import FlagTelemetry

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic milliseconds, for the cold-start figure.
func milliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) * 1_000 + Double(time.tv_nsec) / 1_000_000
}

func log(_ message: String) {
    logLine("checkout-function: \(message)")
}

/// One line on stderr, written with one call (lines from concurrent writers never interleave).
func logLine(_ text: String) {
    _ = (text + "\n").utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

/// The EMF exporter: namespace flagc, dimension Service (CloudWatch aggregates per flag within it).
nonisolated(unsafe) var metrics = try! EmbeddedMetricFormat(namespace: "flagc", dimensions: [("Service", "checkout")])

let started = milliseconds()

/// The flags, or nil when no bundle could be loaded: then every answer uses the defaults
/// ("load or serve defaults"), and the reason is logged once.
let flags: Flags? = {
    // Packaged as a custom runtime (package.sh), the bundle sits next to `bootstrap` in the task root.
    let taskRoot = getenv("LAMBDA_TASK_ROOT").map { String(cString: $0) + "/flags.bundle" }
    guard let path = getenv("FLAGC_BUNDLE").map({ String(cString: $0) }) ?? taskRoot else {
        log("FLAGC_BUNDLE is not set; serving defaults")
        return nil
    }
    do {
        // Telemetry is on by default (the counters the EMF documents report); FLAGC_TELEMETRY=off turns it off.
        var options = try LoadOptions.fromEnvironment()
        // Circuit breaker transitions, one JSON line each, searchable as "event":"flagc.circuit".
        options.onCircuitTransition = { logLine($0.logLine) }
        return try Flags.load(path: path, options: options)
    } catch {
        log("cannot load \(path): \(error); serving defaults")
        return nil
    }
}()
log("cold start: bundle ready in \(((milliseconds() - started) * 1_000).rounded() / 1_000) ms")

/// One response: which checkout and which button colour this user sees, and the page size.
func respond(to line: String) -> String {
    let context: EvaluationContext
    do {
        context = try JSONParser.context(line)
    } catch {
        return #"{"error":"invalid event: \#(error.message)"}"#
    }
    let newCheckout = flags?.newCheckoutFlow(context) ?? false
    let color = flags?.checkoutButtonColor(context) ?? .control
    let pageSize = flags?.searchResultsPerPage(context) ?? 25
    // Express payment when its flag (and its circuit breaker) allows; the event's `paymentFailed`
    // stands in for the provider's answer, and its outcome goes to the breaker.
    let expressPayment = flags?.expressPayment(context) ?? false
    if expressPayment {
        let failed = context.attributes["paymentFailed"] == .bool(true)
        flags?.reportExpressPayment(success: !failed)
    }
    var response = "{"
    response += #""user":\#(JSONValue.string(context.targetingKey ?? "").jsonText)"#
    response += #","checkout":"\#(newCheckout ? "new" : "classic")""#
    response += #","buttonColor":\#(JSONValue.string(color.value).jsonText)"#
    response += #","buttonVariant":"\#(color.rawValue)""#
    response += #","resultsPerPage":\#(pageSize)"#
    response += #","expressPayment":\#(expressPayment)"#
    return response + "}"
}

/// The telemetry of one event: its EMF documents, one per line on stderr.
func flushMetrics() {
    guard let bundle = flags?.bundle else { return }
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    let milliseconds = Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    for document in metrics.flush(bundle.telemetrySnapshot(), timestamp: milliseconds) { logLine(document) }
}

// As a custom runtime (Lambda sets AWS_LAMBDA_RUNTIME_API), events come from the runtime API;
// otherwise one per stdin line, for local runs and the tests.
if let endpoint = getenv("AWS_LAMBDA_RUNTIME_API").map({ String(cString: $0) }) {
    guard let api = RuntimeAPI(endpoint: endpoint) else {
        log("AWS_LAMBDA_RUNTIME_API is not host:port")
        exit(1)
    }
    api.serve(respond(to:), then: flushMetrics)
}
// Each event's answer first, then its metrics: the caller waits for the answer, not for the telemetry.
while let line = readLine() {
    if line.isEmpty { continue }
    print(respond(to: line))
    fflush(nil)  // one answer per event, now: the caller may be waiting for it
    flushMetrics()
}
