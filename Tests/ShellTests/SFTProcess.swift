import Foundation
import XCTest

/// The built `sft` executable, next to the test bundle in the build products folder.
func sftExecutable(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let url = Bundle.main.bundleURL.appendingPathComponent("sft")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw XCTSkip("sft executable not built at \(url.path); run `swift build` first")
    }
    return url
}

/// What a finished `sft` run printed and returned.
struct SFTResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `sft` with piped stdin, killing it after `timeout` seconds (the result then says so).
func runSFT(_ arguments: [String], stdin: String = "", environment: [String: String] = [:],
            timeout: TimeInterval = 30) throws -> SFTResult {
    let process = Process()
    process.executableURL = try sftExecutable()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so a full pipe never blocks the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errorBox = Box()
    let errorReader = Thread { errorBox.data = errors.fileHandleForReading.readDataToEndOfFile() }
    errorReader.start()
    let killer = DispatchWorkItem { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    while errorReader.isExecuting || !errorReader.isFinished { usleep(1000) }
    if process.terminationReason == .uncaughtSignal {
        XCTFail("sft \(arguments) was killed (timeout \(timeout) s or crash)")
    }
    return SFTResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: errorBox.data, as: UTF8.self))
}
