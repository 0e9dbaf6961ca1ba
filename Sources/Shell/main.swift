import Foundation
import Runtime
#if PythonBridge
import PyBridge
#endif

// `sft` entry: subcommands first, the REPL when there are none.
// Each subcommand lives in its own folder; this file only dispatches.
#if PythonBridge
PickleModelImport.install()  // HF folders with only pytorch_model.bin load through the bridge
#endif
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "--version", "version":
    print("sft \(SFTVersion.string)")
case "notebook":
    exit(NotebookCommand.main(Array(arguments.dropFirst())))
case "bench":
    exit(BenchCommand.main(Array(arguments.dropFirst())))
default:
    exit(ShellEntry.main(arguments))
}
