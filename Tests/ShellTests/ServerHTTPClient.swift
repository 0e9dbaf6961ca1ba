import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw HTTP/1.1 client over a loopback TCP socket: it can send any bytes (non-UTF-8, bodies
/// without a declared length, half a request) and read chunked responses as they stream.
final class RawHTTPConnection {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.socket("socket() failed") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw HTTPClientError.socket("connect to port \(port) failed") }
    }

    private var isOpen = true

    deinit { disconnect() }

    /// Closes the socket (a client that goes away); with `reset`, abruptly (RST, as when a
    /// client process dies), so the server's connection closes at once instead of half-closing.
    func disconnect(reset: Bool = false) {
        if isOpen && reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        if isOpen { close(fd) }
        isOpen = false
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPClientError.socket("send failed") }
            sent += n
        }
    }

    /// Up to `max` bytes; empty at end of stream.
    func receive(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard n >= 0 else { throw HTTPClientError.socket("recv failed or timed out") }
        return Array(buffer[..<n])
    }

    /// Everything until the server closes the connection.
    func receiveAll() throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let part = try receive()
            if part.isEmpty { return all }
            all += part
        }
    }
}

enum HTTPClientError: Error { case socket(String), malformed(String) }

/// A parsed response (chunked bodies joined).
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    /// The `message` of a JSON error body.
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }

    /// The `data:` payloads of a server-sent event stream, in order.
    var events: [String] {
        text.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst("data: ".count)) : nil
        }
    }

    init(raw: [UInt8]) throws {
        guard let split = raw.firstRange(of: Array("\r\n\r\n".utf8)) else { throw HTTPClientError.malformed("no header end") }
        let head = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = head[0].split(separator: " ")
        guard statusWords.count >= 2, let code = Int(statusWords[1]) else { throw HTTPClientError.malformed(head[0]) }
        status = code
        headers = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = Array(raw[split.upperBound...])
        body = headers["transfer-encoding"] == "chunked" ? try Self.dechunk(rest) : rest
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while i < bytes.count {
            guard let end = bytes[i...].firstRange(of: Array("\r\n".utf8)) else { break }
            let sizeText = String(decoding: bytes[i..<end.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw HTTPClientError.malformed("chunk size '\(sizeText)'") }
            if size == 0 { break }
            out += bytes[end.upperBound..<min(bytes.count, end.upperBound + size)]
            i = end.upperBound + size + 2
        }
        return out
    }
}

/// One request on a fresh connection (`Connection: close`), the whole reply.
func httpRequest(port: Int, method: String, path: String, body: [UInt8]? = nil,
                 headers: [String: String] = [:]) throws -> HTTPReply {
    let connection = try RawHTTPConnection(port: port)
    try connection.send(requestBytes(method: method, path: path, body: body, headers: headers))
    return try HTTPReply(raw: try connection.receiveAll())
}

func httpRequest(port: Int, method: String, path: String, json: String, headers: [String: String] = [:]) throws -> HTTPReply {
    try httpRequest(port: port, method: method, path: path, body: Array(json.utf8),
                    headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a })
}

func requestBytes(method: String, path: String, body: [UInt8]?, headers: [String: String]) -> [UInt8] {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
    if let body { head += "Content-Length: \(body.count)\r\n" }
    return Array((head + "\r\n").utf8) + (body ?? [])
}
