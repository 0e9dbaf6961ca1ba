import Foundation

/// `sft bench startup`: wall time from launching `sft` to a ready REPL that reads `exit` from
/// stdin and leaves (target: well under 150 ms in a release build). Median and slowest of 20.
enum StartupBench {
    static func run(_ arguments: [String]) -> Int32 {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var times: [Double] = []
        for _ in 0..<21 {
            let process = Process()
            process.executableURL = executable
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            let start = Date()
            do { try process.run() } catch {
                print("sft bench startup: cannot launch \(executable.path): \(error)")
                return 1
            }
            input.fileHandleForWriting.write(Data("exit\n".utf8))
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            times.append(Date().timeIntervalSince(start))
        }
        let sorted = times.dropFirst().sorted()  // the first launch warms the page cache
        print(String(format: "start-up to a ready prompt and exit: median %.0f ms, slowest %.0f ms (20 runs)",
                     sorted[sorted.count / 2] * 1000, sorted.last! * 1000))
        return 0
    }
}
