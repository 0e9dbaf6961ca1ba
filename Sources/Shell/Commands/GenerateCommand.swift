import Foundation
import Runtime

/// `generate PROMPT [...]`: continues a prompt rendered the way the model was trained.
enum GenerateCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "generate",
            summary: "Generate a completion; the prompt goes through the data's template (or the model's chat template when there is no data).",
            positionals: [.required("prompt", .string, "The instruction or prompt.")],
            options: SamplingArguments.specs + [
                .optional("template", .string, "Render with this template instead (a name, a file, or raw for none)."),
            ],
            examples: ["generate \"Sort the numbers: 3 1 2\" max_tokens=32", "generate \"Once upon a time\" template=raw temperature=0.8"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let style = try promptStyle(arguments.string("template"), model: model, data: context.session.value(.data))
            let generation = try model.generate(arguments.string("prompt")!, style: style,
                                                options: SamplingArguments.options(arguments)) { piece in
                context.output.write(piece)
                return !Interrupt.requested
            }
            context.output.line()
            context.output.line("[\(generation.tokens.count) tokens, \(generation.finishReason.rawValue), "
                + String(format: "%.1f tokens/s]", Double(generation.tokens.count) / max(generation.decodeSeconds, 1e-9)))
        })

    /// The data's template when data is loaded; else the model's chat template; else raw text.
    static func promptStyle(_ spec: String?, model: LoadedModel, data: WorkingData?) throws -> PromptStyle {
        if spec == "raw" { return .raw }
        if let spec { return .template(try PromptTemplate.resolve(spec, renderer: model.chatRenderer)) }
        if let data { return .template(try data.template(renderer: model.chatRenderer)) }
        if let renderer = model.chatRenderer { return .template(.chat(renderer)) }
        return .raw
    }
}

/// `chat`: a multi-turn conversation in the REPL through the model's chat template.
enum ChatCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "chat",
            summary: "Talk with the model turn by turn through its chat template; an empty line or /exit ends, /reset forgets the turns.",
            options: SamplingArguments.specs + [.optional("system", .string, "A system message that opens the conversation.")],
            examples: ["chat", "chat system=\"You are terse.\" temperature=0.7"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            let options = SamplingArguments.options(arguments)
            let opening = arguments.string("system").map { [ChatMessage(role: "system", content: $0)] } ?? []
            var messages = opening
            context.output.line("chat with \(model.source.lastPathComponent) (empty line or /exit to end)")
            while case let .line(line) = context.reader.readLine(prompt: "you> ") {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || text == "/exit" { break }
                if text == "/reset" { messages = opening; continue }
                messages.append(ChatMessage(role: "user", content: text))
                context.output.write("model> ")
                let reply = try model.reply(to: messages, options: options) { piece in
                    context.output.write(piece)
                    return !Interrupt.requested
                }
                context.output.line()
                messages.append(ChatMessage(role: "assistant", content: reply.text))
            }
        })
}
