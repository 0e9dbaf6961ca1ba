/// The read-eval-print loop: reads a command (joining `\` continuation lines), runs it against
/// the session, shows errors without ending the session. Ctrl-C at the prompt drops the line.
enum REPL {
    /// Runs until `exit` or the end of input. Returns the exit status: the `exit` status, else 0
    /// on a terminal, else (piped input) 1 when any command failed so scripts can tell.
    static func run(context: CommandContext, interactive: Bool) -> Int32 {
        let output = context.output
        if interactive {
            output.line("sft \(versionString): 'help' lists the commands; Ctrl-D or 'exit' leaves.")
        }
        var physicalLine = 0
        var failed = false
        while true {
            var text = ""
            var firstLine = physicalLine + 1
            var prompt = "sft> "
            reading: while true {
                switch context.reader.readLine(prompt: prompt) {
                case .end:
                    if interactive { output.line() }
                    if !text.isEmpty {
                        // Input ended inside a continuation: report it rather than drop it.
                        output.error(incompleteInputError(text, firstLine: firstLine))
                        failed = true
                    }
                    return failed && !interactive ? 1 : 0
                case .interrupted:
                    output.line()
                    text = ""
                    firstLine = physicalLine + 1
                    prompt = "sft> "
                    continue reading
                case .line(let line):
                    physicalLine += 1
                    text += text.isEmpty ? line : "\n" + line
                    if needsAnotherLine(text) {
                        prompt = "...> "
                        continue reading
                    }
                    break reading
                }
            }
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            context.reader.addHistory(text)
            Interrupt.clear()
            Interrupt.setCommandRunning(true)
            defer { Interrupt.setCommandRunning(false) }
            do {
                try context.execute(text: text, file: "<repl>", line: firstLine)
            } catch let request as ExitRequest {
                return request.status
            } catch {
                failed = true
                output.error(String(describing: error))
            }
        }
    }

    private static func incompleteInputError(_ text: String, firstLine: Int) -> String {
        do {
            _ = try Lexer.lex(text, file: "<repl>", firstLine: firstLine)
            return ""
        } catch {
            return error.description
        }
    }

    /// Whether the text ends inside a `\` line continuation.
    static func needsAnotherLine(_ text: String) -> Bool {
        do {
            _ = try Lexer.lex(text, file: "<repl>")
            return false
        } catch {
            return error.isIncompleteInput
        }
    }
}
