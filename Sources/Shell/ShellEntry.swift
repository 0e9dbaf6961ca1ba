/// `sft [run FILE | notebook run FILE | ...]`: the command language's entry points.
import Runtime

enum ShellEntry {
    static func main(_ arguments: [String]) -> Int32 {
        print("sft \(SFTVersion.string): the shell is not built yet")
        return 0
    }
}
