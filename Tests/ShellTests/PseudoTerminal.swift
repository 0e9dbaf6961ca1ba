import Foundation
import XCTest

/// `sft` running on a pseudo-terminal, as in a real terminal: the test types keys and waits
/// for text to appear, each wait bounded by a timeout.
final class PseudoTerminal {
    private let master: Int32
    private let pid: pid_t
    private(set) var transcript = ""
    /// Where the last `expect` matched; later expects search after it.
    private var searchFrom: String.Index

    init(arguments: [String] = [], environment: [String: String]) throws {
        var master: Int32 = -1, slave: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        var name = [CChar](repeating: 0, count: 4096)
        guard openpty(&master, &slave, &name, nil, &size) == 0 else { throw POSIXError(.EIO) }
        let slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        close(slave)
        self.master = master
        let executable = try sftExecutable().path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // After setsid, opening the terminal makes it the child's controlling terminal, so
        // Ctrl-C typed on it sends SIGINT to sft.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID

        let env = ProcessInfo.processInfo.environment.merging(["TERM": "xterm"]) { $1 }.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        pid = child
        searchFrom = transcript.startIndex
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Types `text` (use "\r" for Enter, "\t" for Tab, "\u{3}" for Ctrl-C).
    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Waits until `text` appears after the previous match; fails the test on timeout.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let range = transcript.range(of: text, range: searchFrom..<transcript.endIndex) {
                searchFrom = range.upperBound
                return true
            }
            guard Date() < deadline else {
                XCTFail("timed out waiting for \(text.debugDescription); got \(transcript[searchFrom...].debugDescription)",
                        file: file, line: line)
                return false
            }
            readAvailable(wait: 0.05)
        }
    }

    /// Waits for the REPL prompt, then a moment more so the line editor has switched the
    /// terminal to raw mode before the next keys arrive (keys typed earlier are echoed by the
    /// terminal driver and, for Ctrl-D, can be lost in the mode switch).
    func expectPrompt(file: StaticString = #filePath, line: UInt = #line) {
        if expect("sft> ", file: file, line: line) { drain(0.15) }
    }

    /// Collects output for `seconds` (to check that something does not appear).
    func drain(_ seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { readAvailable(wait: 0.05) }
    }

    /// Waits for the process to end; its exit status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            readAvailable(wait: 0.02)
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
        }
        return nil
    }

    private func readAvailable(wait: TimeInterval) {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(wait * 1000)) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &buffer, buffer.count)
        if count > 0 {
            let offset = transcript.distance(from: transcript.startIndex, to: searchFrom)
            transcript += String(decoding: buffer[0..<count], as: UTF8.self)
            searchFrom = transcript.index(transcript.startIndex, offsetBy: offset)
        }
    }
}
