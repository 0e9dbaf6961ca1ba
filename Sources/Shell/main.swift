import Runtime

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
    print("sft \(SFTVersion.string)")
}
