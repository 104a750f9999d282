// The custom-runtime side of the function: when Lambda starts `bootstrap` it sets
// AWS_LAMBDA_RUNTIME_API to a loopback host:port, and the function asks it for each event and posts
// each answer back (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). A minimal
// HTTP/1.1 client over a socket, one connection per request: no Foundation, no dependency.

#if canImport(Glibc)
import Glibc
#endif

/// A failure talking to the runtime API; the function logs it and exits, and Lambda restarts it.
struct RuntimeAPIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The Lambda Runtime API at `host:port`.
struct RuntimeAPI {
    let host: String
    let port: String

    /// The endpoint in AWS_LAMBDA_RUNTIME_API, `host:port`; nil when it is not of that form.
    init?(endpoint: String) {
        guard let colon = endpoint.lastIndex(of: ":") else { return nil }
        host = String(endpoint[..<colon])
        port = String(endpoint[endpoint.index(after: colon)...])
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else { return nil }
    }

    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Serves events until the runtime API fails: the next event, its answer, `finish` (after the answer is
    /// posted: work the caller need not wait for), and again.
    func serve(_ respond: (String) -> String, then finish: () -> Void) -> Never {
        while true {
            do {
                let next = try send("GET", "/2018-06-01/runtime/invocation/next")
                // The id goes into the next request's path: letters, digits and dashes only.
                guard next.status == 200, let id = next.header("Lambda-Runtime-Aws-Request-Id"), !id.isEmpty,
                    id.allSatisfy({ $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
                else {
                    throw RuntimeAPIError("the next invocation answered \(next.status) without a usable request id")
                }
                let answer = respond(String(decoding: next.body, as: UTF8.self))
                let posted = try send(
                    "POST",
                    "/2018-06-01/runtime/invocation/\(id)/response",
                    body: Array(answer.utf8)
                )
                guard posted.status == 202 else {
                    throw RuntimeAPIError("posting the answer to \(id) got status \(posted.status)")
                }
                finish()
            } catch {
                log("runtime API \(host):\(port): \(error)")
                exit(1)
            }
        }
    }

    /// One request on a fresh connection, read to its end.
    func send(_ method: String, _ path: String, body: [UInt8] = []) throws(RuntimeAPIError) -> Response {
        let socket = try connect()
        defer { close(socket) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        if method != "GET" {
            request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        try write(socket, Array((request + "\r\n").utf8) + body)
        return try Self.parse(try read(socket))
    }

    private func connect() throws(RuntimeAPIError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        // A numeric endpoint first (Lambda sets 127.0.0.1:9001): resolved without the C library's name
        // services, which a fully static bootstrap (package.sh) could only load from the image's glibc.
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        var addresses: UnsafeMutablePointer<addrinfo>?
        if getaddrinfo(host, port, &hints, &addresses) != 0 {
            hints.ai_flags = 0
            guard getaddrinfo(host, port, &hints, &addresses) == 0 else {
                throw RuntimeAPIError("cannot resolve the endpoint")
            }
        }
        defer { freeaddrinfo(addresses) }
        var next = addresses
        while let address = next {
            let socket = Glibc.socket(
                address.pointee.ai_family,
                address.pointee.ai_socktype,
                address.pointee.ai_protocol
            )
            if socket >= 0 {
                if Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return socket }
                close(socket)
            }
            next = address.pointee.ai_next
        }
        throw RuntimeAPIError("cannot connect (errno \(errno))")
    }

    private func write(_ socket: Int32, _ bytes: [UInt8]) throws(RuntimeAPIError) {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a closed connection is an error to report, not a SIGPIPE that kills the function.
            let count = bytes.withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw RuntimeAPIError("cannot send (errno \(errno))")
            }
            sent += count
        }
    }

    private func read(_ socket: Int32) throws(RuntimeAPIError) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress, $0.count) }
            if count == 0 { return received }
            if count < 0 {
                if errno == EINTR { continue }
                throw RuntimeAPIError("cannot receive (errno \(errno))")
            }
            received += buffer[..<count]
        }
    }

    /// Status line, headers and body of a response read to the end of its connection.
    static func parse(_ bytes: [UInt8]) throws(RuntimeAPIError) -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else {
            throw RuntimeAPIError("the connection closed before a whole response")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(
            separator: "\r\n",
            omittingEmptySubsequences: false
        )
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw RuntimeAPIError("not an HTTP response")
        }
        var response = Response(status: status, headers: [], body: Array(bytes[(end + 4)...]))
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            response.headers.append((String(line[..<colon]), String(value)))
        }
        if response.header("Transfer-Encoding") != nil {
            throw RuntimeAPIError("chunked responses are not supported")
        }
        if let text = response.header("Content-Length") {
            guard let length = Int(text), length >= 0, length <= response.body.count else {
                throw RuntimeAPIError("the body is shorter than its Content-Length")
            }
            response.body.removeLast(response.body.count - length)
        }
        return response
    }
}
